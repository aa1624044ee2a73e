import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, signIn } from '../support/factories.js';
import type { Agent } from '../support/http.js';
import { connected, connectSocket } from '../support/socket.js';
import { clientIpFn } from '../../server/client-ip.js';

/**
 * Which address the Socket.IO handshake checks against a client's IP allowlist
 * (server/client-ip.ts, used by server/realtime/io.ts): with TRUST_PROXY off, X-Forwarded-For
 * is ignored both ways (it can neither let a refused address in nor lock an allowed one out);
 * when the sending hop is trusted (TRUST_PROXY=loopback, true, a hop count) the forwarded
 * address is the one checked; a list that does not include the sender is as good as off.
 * Sockets are opened from chosen loopback source addresses, like the HTTP allowlist tests.
 */

const ALLOWED = '127.0.0.2';
const REFUSED = '127.0.0.3';

type Case = { name: string; env: Record<string, string>; trusted: boolean };
const CASES: Case[] = [
  { name: 'TRUST_PROXY off', env: {}, trusted: false },
  { name: 'TRUST_PROXY=10.0.0.0/8 (not the sender)', env: { TRUST_PROXY: '10.0.0.0/8' }, trusted: false },
  { name: 'TRUST_PROXY=loopback', env: { TRUST_PROXY: 'loopback' }, trusted: true },
  { name: 'TRUST_PROXY=1 (one hop)', env: { TRUST_PROXY: '1' }, trusted: true },
];

describe.each(CASES)('socket handshake with $name', ({ env, trusted }) => {
  let app: TestApp;
  let agent: Agent;
  beforeAll(async () => {
    app = await startTestApp({ HOST: '0.0.0.0', ...env });
    const client = await buildClient(app.db, { ip_allowlist: JSON.stringify([`${ALLOWED}/32`]) });
    agent = await signIn(app, await buildPortalUser(app.db, { client_id: client.id }));
  });
  afterAll(() => app.close());

  /** Try a handshake from `from` carrying X-Forwarded-For `xff` (or none): resolves true when it connects. */
  async function handshake(from: string, xff?: string): Promise<boolean> {
    const target = { ...app, url: app.server.url.replace('localhost', '127.0.0.1') } as TestApp;
    const socket = connectSocket(target, agent, { localAddress: from, origin: app.url, headers: xff ? { 'x-forwarded-for': xff } : {} });
    try {
      await connected(socket);
      return true;
    } catch (err) {
      expect((err as Error).message).toBe('unauthenticated');
      return false;
    } finally {
      socket.close();
    }
  }

  it('goes by the peer address when no X-Forwarded-For is sent', async () => {
    expect(await handshake(ALLOWED)).toBe(true);
    expect(await handshake(REFUSED)).toBe(false);
  });

  it(`${trusted ? 'uses' : 'ignores'} X-Forwarded-For from a refused peer naming an allowed address`, async () => {
    expect(await handshake(REFUSED, ALLOWED)).toBe(trusted);
  });

  it(`${trusted ? 'uses' : 'ignores'} X-Forwarded-For from an allowed peer naming a refused address`, async () => {
    expect(await handshake(ALLOWED, '203.0.113.9')).toBe(!trusted);
  });
});

describe('clientIpFn', () => {
  const req = (remote: string, xff?: string) =>
    ({
      socket: { remoteAddress: remote },
      connection: { remoteAddress: remote },
      headers: xff ? { 'x-forwarded-for': xff } : {},
    }) as unknown as IncomingMessage;

  it('false: always the peer', () => {
    expect(clientIpFn(false)(req('127.0.0.1', '198.51.100.7'))).toBe('127.0.0.1');
  });
  it('true: the left-most forwarded address', () => {
    expect(clientIpFn(true)(req('127.0.0.1', '198.51.100.7, 10.0.0.1'))).toBe('198.51.100.7');
  });
  it('a hop count trusts exactly that many hops', () => {
    expect(clientIpFn(1)(req('127.0.0.1', '198.51.100.7, 10.0.0.1'))).toBe('10.0.0.1');
    expect(clientIpFn(2)(req('127.0.0.1', '198.51.100.7, 10.0.0.1'))).toBe('198.51.100.7');
    expect(clientIpFn(0)(req('127.0.0.1', '198.51.100.7'))).toBe('127.0.0.1');
  });
  it('a list trusts only the senders on it', () => {
    expect(clientIpFn(['loopback'])(req('127.0.0.1', '198.51.100.7'))).toBe('198.51.100.7');
    expect(clientIpFn(['10.0.0.0/8'])(req('127.0.0.1', '198.51.100.7'))).toBe('127.0.0.1');
    expect(clientIpFn(['loopback', '10.0.0.0/8'])(req('127.0.0.1', '198.51.100.7, 10.0.0.1'))).toBe('198.51.100.7');
  });
});
