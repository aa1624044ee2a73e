import { hash, verify } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';
import { PASSWORD_MAX, PASSWORD_MIN } from '../contracts/constants.js';

/**
 * argon2id at OWASP's minimum or above (m=19456 KiB, t=2, p=1). The library's defaults are
 * weaker, so the parameters are explicit. `algorithm: 2` is Argon2id (the library's enum is a
 * const enum, which isolated modules cannot import).
 */
const PARAMS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

/** The limits live with the contracts, where the password fields' hint is built from them too. */
export { PASSWORD_MAX, PASSWORD_MIN } from '../contracts/constants.js';

/** The ~49,000 most common passwords (zxcvbn-ts's list, most frequent first), compared case-insensitively. */
const common = new Set(dictionary.passwords.map((p) => p.toLowerCase()));

/** Why a new password is refused, or null when it is acceptable. No composition rules, no truncation. */
export function passwordProblem(password: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters.`;
  if (length > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters.`;
  if (common.has(password.toLowerCase())) return 'This password is too common. Choose one that is harder to guess.';
  return null;
}

/** Hash a password for storage (PHC string, argon2id). */
export function hashPassword(password: string): Promise<string> {
  return hash(password.normalize('NFKC'), PARAMS);
}

/** Check a password against its stored hash; a malformed hash counts as a mismatch. */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password.normalize('NFKC'));
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;
/**
 * Spend the same time as a real verification when there is no account (or no password yet),
 * so response timing does not reveal whether an email is registered.
 */
export async function verifyDummyPassword(password: string): Promise<false> {
  dummy ??= hashPassword('dummy-password-for-timing-equalisation');
  await verifyPassword(await dummy, password);
  return false;
}
