import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';

/**
 * Secrets at rest (TOTP seeds): AES-256-GCM with a 96-bit random IV per box and a context string
 * bound as additional data (the owner's id), so a box copied onto another row does not open.
 * Stored as `v1:<base64 iv>:<base64 ciphertext+tag>`. The key is SECRET_KEY, or else a 32-byte
 * file in the data folder created on first use with mode 0600 (back it up with the database:
 * without it, enrolled authenticators cannot be checked and their owners need an MFA reset).
 */

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export type SecretKeyConfig = Pick<Config, 'secretKeyHex' | 'secretKeyFile'>;

const fileKeys = new Map<string, Buffer>();

/** Read the key file, or create it (0600) when it does not exist yet. */
function keyFromFile(file: string): Buffer {
  const cached = fileKeys.get(file);
  if (cached) return cached;
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  // The mode given to writeFileSync is filtered by the umask; make sure no one else can read it.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const raw = readFileSync(file);
  const text = raw.toString('latin1').trim();
  const key = raw.length === 32 ? raw : /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : null;
  if (!key) throw new Error(`The secret key file ${file} must hold 32 bytes (or 64 hex characters).`);
  fileKeys.set(file, key);
  return key;
}

/** The 32-byte key for secrets at rest (from SECRET_KEY, else the key file). */
export function secretKey(config: SecretKeyConfig): Buffer {
  return config.secretKeyHex ? Buffer.from(config.secretKeyHex, 'hex') : keyFromFile(config.secretKeyFile);
}

/** Encrypt `plaintext`, bound to `context` (e.g. `totp:<userId>`); returns the string to store. */
export function sealSecret(config: SecretKeyConfig, plaintext: string, context: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', secretKey(config), iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}:${iv.toString('base64')}:${body.toString('base64')}`;
}

/** Decrypt a stored box; throws if it was tampered with, belongs to another context or another key. */
export function openSecret(config: SecretKeyConfig, box: string, context: string): string {
  const [version, ivB64, bodyB64, extra] = box.split(':');
  if (version !== VERSION || !ivB64 || !bodyB64 || extra !== undefined) throw new Error('secret box: unknown format');
  const iv = Buffer.from(ivB64, 'base64');
  const body = Buffer.from(bodyB64, 'base64');
  if (iv.length !== IV_BYTES || body.length < TAG_BYTES) throw new Error('secret box: unknown format');
  const decipher = createDecipheriv('aes-256-gcm', secretKey(config), iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
}
