import { sha256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';

/** A random string of `bytes` bytes of entropy (crypto.getRandomValues), base32 lower case. */
export function randomToken(bytes = 20): string {
  const b = new Uint8Array(bytes);
  crypto.getRandomValues(b);
  return encodeBase32LowerCaseNoPadding(b);
}

/** SHA-256 of a secret, as stored in the database (the secret itself is never stored). */
export function hashSecret(secret: string): Uint8Array {
  return sha256(new TextEncoder().encode(secret));
}

/** SHA-256 as lower-case hex: for secrets looked up by their hash (invitation and reset links). */
export function hashSecretHex(secret: string): string {
  return encodeHexLowerCase(hashSecret(secret));
}

/** Compare a presented secret with a stored hash in constant time. */
export function secretMatches(secret: string, storedHash: Uint8Array): boolean {
  const h = hashSecret(secret);
  return h.length === storedHash.length && constantTimeEqual(h, storedHash);
}
