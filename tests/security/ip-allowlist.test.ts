import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { requestFrom } from '../support/from-address.js';
import { connected, connectSocket } from '../support/socket.js';
import { ipAllowed, invalidCidrs } from '../../server/auth/ip-allowlist.js';
import { allowlistOf, UNREADABLE_ALLOWLIST } from '../../server/auth/access.js';
import type { Agent } from '../support/http.js';

describe('ipAllowed', () => {
  it('matches IPv4 and IPv6 ranges, single addresses, and IPv4-mapped IPv6 peers', () => {
    expect(ipAllowed('10.1.2.3', [])).toBe(true);
    expect(ipAllowed('10.1.2.3', ['10.0.0.0/8'])).toBe(true);
    expect(ipAllowed('11.1.2.3', ['10.0.0.0/8'])).toBe(false);
    expect(ipAllowed('::ffff:127.0.0.2', ['127.0.0.2/32'])).toBe(true);
    expect(ipAllowed('::ffff:127.0.0.3', ['127.0.0.2'])).toBe(false);
    expect(ipAllowed('2001:db8::1', ['2001:db8::/32'])).toBe(true);
    expect(ipAllowed('2001:db9::1', ['2001:db8::/32'])).toBe(false);
    expect(ipAllowed('::1', ['127.0.0.0/8'])).toBe(false);
    expect(ipAllowed('not-an-ip', ['0.0.0.0/0'])).toBe(false);
    expect(ipAllowed(null, ['0.0.0.0/0'])).toBe(false);
  });
  it('a bare address is that one address (IPv4 /32, IPv6 /128); an entry is matched on its own, surrounding spaces ignored', () => {
    expect(ipAllowed('127.0.0.3', ['127.0.0.3'])).toBe(true);
    expect(ipAllowed('2001:db8::1', ['2001:db8::1'])).toBe(true);
    expect(ipAllowed('2001:db8::2', ['2001:db8::1'])).toBe(false);
    expect(ipAllowed('10.1.2.3', [' 10.0.0.0/8 '])).toBe(true);
    expect(ipAllowed('10.1.2.3', [' 10.1.2.3 '])).toBe(true);
    expect(invalidCidrs([' 10.0.0.0/8 ', ' 2001:db8::1'])).toEqual([]);
    // Any one range is enough; an invalid entry (a list from before validation, a restore) matches nothing and breaks nothing.
    expect(ipAllowed('192.168.1.1', ['10.0.0.0/8', '192.168.0.0/16'])).toBe(true);
    expect(ipAllowed('10.1.2.3', ['garbage', '10.0.0.0/8'])).toBe(true);
    expect(ipAllowed('10.1.2.3', ['garbage'])).toBe(false);
  });
  it('reads a stored list as its string entries only; an unreadable one allows no address (fails closed)', () => {
    expect(allowlistOf({ ip_allowlist: '["10.0.0.0/8", 42, null, "127.0.0.2"]' })).toEqual(['10.0.0.0/8', '127.0.0.2']);
    expect(allowlistOf(undefined)).toEqual([]);
    expect(allowlistOf({ ip_allowlist: '[]' })).toEqual([]);
    for (const corrupt of ['{"0":"10.0.0.0/8"}', 'not json', '"10.0.0.0/8"', 'null']) {
      const list = allowlistOf({ ip_allowlist: corrupt });
      expect(list).toEqual([UNREADABLE_ALLOWLIST]);
      expect(ipAllowed('10.1.2.3', list)).toBe(false);
    }
  });
  it('names the invalid entries of a list', () => {
    expect(invalidCidrs(['10.0.0.0/8', '300.1.1.1/8', 'fe80::/10', 'abc', '10.0.0.0/33'])).toEqual(['300.1.1.1/8', 'abc', '10.0.0.0/33']);
  });
});

const cookieOf = (a: Agent) => a.cookie!;

describe.each([
  ['TRUST_PROXY off', {}],
  ['TRUST_PROXY=loopback', { TRUST_PROXY: 'loopback' }],
])('per-client IP allowlist with %s', (_name, env) => {
  let app: TestApp;
  let a: Agent;
  let b: Agent;
  let staff: Agent;
  beforeAll(async () => {
    app = await startTestApp({ HOST: '0.0.0.0', ...env });
    const clientA = await buildClient(app.db, { ip_allowlist: JSON.stringify(['127.0.0.2/32']) });
    const clientB = await buildClient(app.db, { ip_allowlist: JSON.stringify(['127.0.0.3']) });
    a = await signIn(app, await buildPortalUser(app.db, { client_id: clientA.id }));
    b = await signIn(app, await buildPortalUser(app.db, { client_id: clientB.id }));
    staff = await signIn(app, await buildStaff(app.db));
  });
  afterAll(() => app.close());

  const get = (from: string, agent: Agent, headers: Record<string, string> = {}) =>
    requestFrom(from, `${app.server.url.replace('localhost', '127.0.0.1')}/api/session`, { headers: { cookie: cookieOf(agent), ...headers } });

  it('lets each client in only from its own range, on every API request', async () => {
    expect((await get('127.0.0.2', a)).status).toBe(200);
    const refused = await get('127.0.0.3', a);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/approved networks/);
    expect((await get('127.0.0.3', b)).status).toBe(200);
    expect((await get('127.0.0.2', b)).status).toBe(403);
  });

  it('does not apply a client’s list to staff', async () => {
    expect((await get('127.0.0.3', staff)).status).toBe(200);
    expect((await get('127.0.0.2', staff)).status).toBe(200);
  });

  it('ignores a forged X-Forwarded-For unless TRUST_PROXY trusts the sender', async () => {
    const forged = await get('127.0.0.3', a, { 'x-forwarded-for': '127.0.0.2' });
    // The sender (127.0.0.3) is on the loopback range: with TRUST_PROXY=loopback it is a trusted proxy.
    expect(forged.status).toBe((env as Record<string, string>).TRUST_PROXY ? 200 : 403);
  });

  it('applies the same check to the Socket.IO handshake', async () => {
    const url = { ...app, url: app.server.url.replace('localhost', '127.0.0.1') } as TestApp;
    const ok = connectSocket(url, a, { localAddress: '127.0.0.2', origin: app.url });
    await connected(ok);
    ok.close();
    const refused = connectSocket(url, a, { localAddress: '127.0.0.3', origin: app.url });
    await expect(connected(refused)).rejects.toThrow('unauthenticated');
    refused.close();
  });
});
