import { describe, expect, it } from 'vitest';
import { Secret, URI } from 'otpauth';
import { checkTotp, newTotpSecret, totpCodeAt, totpStep, totpUri } from '../../server/auth/totp.js';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 15); // mid-step
const STEP = 30_000;

describe('TOTP secrets', () => {
  it('have 160 bits from a CSPRNG and differ each time', () => {
    const a = newTotpSecret();
    const b = newTotpSecret();
    expect(Secret.fromBase32(a).bytes.length).toBe(20);
    expect(a).toMatch(/^[A-Z2-7]{32}$/);
    expect(a).not.toBe(b);
  });

  it('match RFC 6238 test vectors (SHA-1, 6 digits, 30 s)', () => {
    // RFC 6238 appendix B, key "12345678901234567890", last 6 digits of the 8-digit values.
    const key = new Secret({ buffer: new TextEncoder().encode('12345678901234567890').buffer }).base32;
    expect(totpCodeAt(key, 59_000)).toBe('287082');
    expect(totpCodeAt(key, 1111111109_000)).toBe('081804');
    expect(totpCodeAt(key, 2000000000_000)).toBe('279037');
  });

  it('build an otpauth URI an authenticator app reads', () => {
    const secret = newTotpSecret();
    const uri = totpUri(secret, 'Northwind Security', 'ann@contoso.test');
    const parsed = URI.parse(uri);
    expect(parsed.issuer).toBe('Northwind Security');
    expect(parsed.label).toBe('ann@contoso.test');
    expect(uri).toContain(`secret=${secret}`);
    expect(uri).toMatch(/algorithm=SHA1/);
    expect(uri).toMatch(/digits=6/);
    expect(uri).toMatch(/period=30/);
  });
});

describe('checkTotp', () => {
  const secret = newTotpSecret();
  const now = totpStep(T0);

  it('accepts the current step and one step either side, and says which step', () => {
    expect(checkTotp(secret, totpCodeAt(secret, T0), T0, null)).toEqual({ ok: true, step: now });
    expect(checkTotp(secret, totpCodeAt(secret, T0 - STEP), T0, null)).toEqual({ ok: true, step: now - 1 });
    expect(checkTotp(secret, totpCodeAt(secret, T0 + STEP), T0, null)).toEqual({ ok: true, step: now + 1 });
  });

  it('refuses codes two steps away (±60 s)', () => {
    expect(checkTotp(secret, totpCodeAt(secret, T0 - 2 * STEP), T0, null)).toEqual({ ok: false, reason: 'invalid' });
    expect(checkTotp(secret, totpCodeAt(secret, T0 + 2 * STEP), T0, null)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses a code of another secret, and malformed input', () => {
    const other = newTotpSecret();
    expect(checkTotp(secret, totpCodeAt(other, T0), T0, null).ok).toBe(false);
    for (const bad of ['', '12345', '1234567', 'abcdef', ' 123456', '12345a']) expect(checkTotp(secret, bad, T0, null).ok).toBe(false);
  });

  it('calls a malformed code invalid (not a replay), even when a step was already used', () => {
    for (const bad of ['', '12345', '1234567', 'abcdef', ' 123456', '12345a']) {
      expect(checkTotp(secret, bad, T0, null)).toEqual({ ok: false, reason: 'invalid' });
      expect(checkTotp(secret, bad, T0, now)).toEqual({ ok: false, reason: 'invalid' });
    }
  });

  it('refuses a replay: any step at or before the last accepted one', () => {
    const code = totpCodeAt(secret, T0);
    expect(checkTotp(secret, code, T0, now)).toEqual({ ok: false, reason: 'replay' });
    expect(checkTotp(secret, code, T0, now + 1)).toEqual({ ok: false, reason: 'replay' });
    // An earlier step inside the window is a replay once a later step was used.
    expect(checkTotp(secret, totpCodeAt(secret, T0 - STEP), T0, now)).toEqual({ ok: false, reason: 'replay' });
    // The next step is fine.
    expect(checkTotp(secret, totpCodeAt(secret, T0 + STEP), T0 + STEP, now)).toEqual({ ok: true, step: now + 1 });
  });
});
