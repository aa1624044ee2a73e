import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

/**
 * The Ed25519 key that signs the audit checkpoints (issue 15, point 15). Where it comes from, in order:
 * 1. AUDIT_SIGNING_KEY (PKCS#8 PEM or base64 DER; checked at start-up by server/config.ts);
 * 2. several instances (REDIS_URL, which requires SECRET_KEY): derived from SECRET_KEY with
 *    HKDF-SHA256 — every instance signs with the same key without sharing a file;
 * 3. one instance: DATA_DIR/audit-signing.key (PKCS#8 PEM), created at first start with mode 0600.
 * The private key never leaves this module; the public key is shown on the staff Audit page and
 * used by `npm run audit:verify`.
 */

export type AuditKeyConfig = Pick<Config, 'auditSigningKeyPem' | 'auditSigningKeyFile' | 'redisUrl' | 'secretKeyHex'>;

/** HKDF's info string: a key derived for this purpose only (SECRET_KEY also encrypts secrets at rest). */
const HKDF_INFO = 'debrief audit checkpoint signing key v1';
/** PKCS#8 DER of an Ed25519 private key, less its 32-byte seed (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** A key file or value that cannot be used; its message is the one line printed at start-up. */
export class AuditKeyError extends Error {}

const cache = new Map<string, KeyObject>();

function fromSecretKey(secretKeyHex: string): KeyObject {
  const seed = Buffer.from(hkdfSync('sha256', Buffer.from(secretKeyHex, 'hex'), Buffer.alloc(0), HKDF_INFO, 32));
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

function parseKeyFile(file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(file, 'utf8'));
  } catch {
    throw new AuditKeyError(`The audit signing key file ${file} does not hold a PKCS#8 PEM private key.`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new AuditKeyError(`The audit signing key file ${file} does not hold an Ed25519 key.`);
  return key;
}

/** Read the key file, creating it (0600) when missing; a file readable by others is narrowed to 0600, with a warning. */
function fromFile(file: string, logger?: Logger): KeyObject {
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
    logger?.info({ file }, 'audit signing key created');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if ((statSync(file).mode & 0o077) !== 0) {
    chmodSync(file, 0o600);
    logger?.warn({ file }, 'the audit signing key file was readable by others: its mode is now 0600');
  }
  return parseKeyFile(file);
}

/** Which source applies, as a cache key (never the key itself). */
const sourceOf = (config: AuditKeyConfig) =>
  config.auditSigningKeyPem
    ? 'env'
    : config.redisUrl && config.secretKeyHex
      ? `hkdf:${createHash('sha256').update(config.secretKeyHex).digest('hex')}`
      : `file:${config.auditSigningKeyFile}`;

/** The private signing key (created at first use on a single instance without AUDIT_SIGNING_KEY). Throws AuditKeyError when unusable. */
export function auditSigningKey(config: AuditKeyConfig, logger?: Logger): KeyObject {
  const source = sourceOf(config);
  const cached = cache.get(source);
  if (cached) return cached;
  const key = config.auditSigningKeyPem
    ? createPrivateKey(config.auditSigningKeyPem)
    : config.redisUrl && config.secretKeyHex
      ? fromSecretKey(config.secretKeyHex)
      : fromFile(config.auditSigningKeyFile, logger);
  cache.set(source, key);
  return key;
}

/** The public key that checks the checkpoints, as SPKI PEM: shown on the staff Audit page. */
export function auditPublicKeyPem(config: AuditKeyConfig): string {
  return createPublicKey(auditSigningKey(config)).export({ format: 'pem', type: 'spki' }).toString();
}

/**
 * The configured public key without creating anything (the verifier is read-only): null when a
 * single instance has no key file yet (it never signed a checkpoint).
 */
export function configuredAuditPublicKey(config: AuditKeyConfig): KeyObject | null {
  if (config.auditSigningKeyPem || (config.redisUrl && config.secretKeyHex)) return createPublicKey(auditSigningKey(config));
  if (!existsSync(config.auditSigningKeyFile)) return null;
  return createPublicKey(parseKeyFile(config.auditSigningKeyFile));
}

/** A public key given on the command line: SPKI PEM (as the Audit page shows it) or base64 SPKI DER. */
export function parseAuditPublicKey(text: string): KeyObject {
  const t = text.trim();
  const key = t.startsWith('-----BEGIN') ? createPublicKey(t) : createPublicKey({ key: Buffer.from(t, 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ed25519') throw new AuditKeyError('the public key is not an Ed25519 key');
  return key;
}
