import { chmodSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { openSecret, sealSecret, secretKey } from '../../server/auth/secret-box.js';
import { tempDir as makeTempDir } from '../support/app.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = makeTempDir();
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const envKey = () => ({ secretKeyHex: randomBytes(32).toString('hex'), secretKeyFile: '/nonexistent/never-used.key' });

describe('secret box (AES-256-GCM)', () => {
  it('round-trips and never stores the plaintext', () => {
    const cfg = envKey();
    const box = sealSecret(cfg, 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 'totp:u1');
    expect(box).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(box).not.toContain('JBSWY3DP');
    expect(openSecret(cfg, box, 'totp:u1')).toBe('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
  });

  it('uses a fresh IV each time', () => {
    const cfg = envKey();
    expect(sealSecret(cfg, 'same', 'c')).not.toBe(sealSecret(cfg, 'same', 'c'));
  });

  it('detects tampering with the ciphertext, the tag or the IV', () => {
    const cfg = envKey();
    const box = sealSecret(cfg, 'a secret worth keeping', 'totp:u1');
    const [v, iv, body] = box.split(':') as [string, string, string];
    const flip = (b64: string, i: number) => {
      const b = Buffer.from(b64, 'base64');
      b[i] = b[i]! ^ 0x01;
      return b.toString('base64');
    };
    expect(() => openSecret(cfg, `${v}:${iv}:${flip(body, 0)}`, 'totp:u1')).toThrow();
    expect(() => openSecret(cfg, `${v}:${iv}:${flip(body, Buffer.from(body, 'base64').length - 1)}`, 'totp:u1')).toThrow();
    expect(() => openSecret(cfg, `${v}:${flip(iv, 0)}:${body}`, 'totp:u1')).toThrow();
    expect(() => openSecret(cfg, `v2:${iv}:${body}`, 'totp:u1')).toThrow();
    expect(() => openSecret(cfg, 'garbage', 'totp:u1')).toThrow();
  });

  it('does not open under another context (a box moved to another user) or another key', () => {
    const cfg = envKey();
    const box = sealSecret(cfg, 'secret', 'totp:u1');
    expect(() => openSecret(cfg, box, 'totp:u2')).toThrow();
    expect(() => openSecret(envKey(), box, 'totp:u1')).toThrow();
  });

  it('creates a 32-byte key file with mode 0600 on first use and reuses it', () => {
    const dir = tempDir();
    const cfg = { secretKeyHex: undefined, secretKeyFile: path.join(dir, 'secret.key') };
    expect(existsSync(cfg.secretKeyFile)).toBe(false);
    const box = sealSecret(cfg, 'kept across restarts', 'ctx');
    const st = statSync(cfg.secretKeyFile);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.size).toBe(32);
    expect(secretKey(cfg).equals(readFileSync(cfg.secretKeyFile))).toBe(true);
    expect(openSecret(cfg, box, 'ctx')).toBe('kept across restarts');
  });

  it('accepts a key file written as 64 hex characters, and refuses a malformed one', () => {
    const dir = tempDir();
    const hex = randomBytes(32).toString('hex');
    const good = path.join(dir, 'hex.key');
    writeFileSync(good, `${hex}\n`, { mode: 0o600 });
    expect(secretKey({ secretKeyHex: undefined, secretKeyFile: good }).toString('hex')).toBe(hex);
    const bad = path.join(dir, 'bad.key');
    writeFileSync(bad, 'too short', { mode: 0o600 });
    expect(() => secretKey({ secretKeyHex: undefined, secretKeyFile: bad })).toThrow(/32 bytes/);
  });

  it('prefers SECRET_KEY over the key file', () => {
    const cfg = envKey();
    expect(secretKey(cfg).toString('hex')).toBe(cfg.secretKeyHex);
  });
});

describe('secret box: the stored format and the key file, exactly', () => {
  it('refuses a box of the wrong shape as an unknown format before trying to open it', () => {
    const cfg = envKey();
    const box = sealSecret(cfg, 'shape', 'ctx');
    const [v, iv, body] = box.split(':') as [string, string, string];
    const shortIv = Buffer.from(iv, 'base64').subarray(0, 11).toString('base64');
    const shortBody = Buffer.from(body, 'base64').subarray(0, 15).toString('base64');
    for (const bad of [
      `${box}:extra`,
      `v2:${iv}:${body}`,
      `${v}::${body}`,
      `${v}:${iv}:`,
      `${v}:${iv}`,
      `${v}:${shortIv}:${body}`,
      `${v}:${shortBody}:${body}`,
      `${v}:${iv}:${shortBody}`,
    ]) {
      expect(() => openSecret(cfg, bad, 'ctx'), bad).toThrow('secret box: unknown format');
    }
  });

  it('round-trips an empty secret (a body that is the 16-byte tag alone)', () => {
    const cfg = envKey();
    const box = sealSecret(cfg, '', 'ctx');
    expect(Buffer.from(box.split(':')[2]!, 'base64')).toHaveLength(16);
    expect(openSecret(cfg, box, 'ctx')).toBe('');
  });

  it('takes an existing key file as it is (never rewritten) and makes it readable by the owner only', () => {
    const dir = tempDir();
    const file = path.join(dir, 'existing.key');
    const key = randomBytes(32);
    writeFileSync(file, key);
    chmodSync(file, 0o644);
    expect(secretKey({ secretKeyHex: undefined, secretKeyFile: file }).equals(key)).toBe(true);
    expect(readFileSync(file).equals(key)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('creates the key file’s folder when it is missing', () => {
    const file = path.join(tempDir(), 'a', 'b', 'secret.key');
    expect(secretKey({ secretKeyHex: undefined, secretKeyFile: file })).toHaveLength(32);
    expect(statSync(file).size).toBe(32);
  });

  it('reads a hex key file in either case, and nothing but exactly 64 hex characters', () => {
    const dir = tempDir();
    const hex = randomBytes(32).toString('hex');
    const upper = path.join(dir, 'upper.key');
    writeFileSync(upper, hex.toUpperCase(), { mode: 0o600 });
    expect(secretKey({ secretKeyHex: undefined, secretKeyFile: upper }).toString('hex')).toBe(hex);
    for (const [name, text] of [
      ['long.key', `${hex}ab`],
      ['prefixed.key', `x${hex}`],
      ['short.key', hex.slice(2)],
    ] as const) {
      const f = path.join(dir, name);
      writeFileSync(f, text, { mode: 0o600 });
      expect(() => secretKey({ secretKeyHex: undefined, secretKeyFile: f }), name).toThrow(/must hold 32 bytes/);
    }
  });
});
