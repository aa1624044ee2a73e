import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPublicAddress, NotPublicAddress, publicOnlyFetch } from '../../server/auth/public-fetch.js';
import { ConfigError, loadConfig } from '../../server/config.js';

/**
 * The fetch a client's identity provider is reached with: only public unicast addresses, checked on
 * the address actually connected to (a name that resolves to loopback is refused like the literal).
 */

let server: http.Server;
let port: number;
let hits = 0;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits += 1;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ method: req.method, body: req.headers['content-length'] ?? null }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('publicOnlyFetch', () => {
  it('tells public unicast from loopback, private, link-local, metadata and mapped addresses', () => {
    for (const a of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']) expect(isPublicAddress(a), a).toBe(true);
    for (const a of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:10.0.0.1',
      '224.0.0.1',
      'localhost',
    ]) {
      expect(isPublicAddress(a), a).toBe(false);
    }
    expect(isPublicAddress('127.0.0.1', true)).toBe(true);
    expect(isPublicAddress('::ffff:127.0.0.1', true)).toBe(true);
    expect(isPublicAddress('10.0.0.1', true)).toBe(false);
  });

  it('refuses a loopback address, by literal or by name, before anything reaches it', async () => {
    const strict = publicOnlyFetch(false);
    const before = hits;
    await expect(strict(`http://127.0.0.1:${port}/`, { method: 'GET', headers: {} })).rejects.toBeInstanceOf(NotPublicAddress);
    await expect(strict(`http://localhost:${port}/`, { method: 'GET', headers: {} })).rejects.toThrow('is not a public address');
    await expect(strict(`http://[::ffff:127.0.0.1]:${port}/`, { method: 'GET', headers: {} })).rejects.toBeInstanceOf(NotPublicAddress);
    expect(hits).toBe(before);
  });

  it('answers like fetch where it may connect (the tests’ loopback allowance)', async () => {
    const loose = publicOnlyFetch(true);
    const res = await loose(`http://localhost:${port}/x`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ method: 'POST', body: '5' });
    await expect(loose('http://10.0.0.1:9/', { method: 'GET', headers: {} })).rejects.toBeInstanceOf(NotPublicAddress);
  });
});

describe('SSO_ALLOW_HTTP (the loopback allowance)', () => {
  it('is off by default, takes only true or false, and is refused with an https PUBLIC_URL', () => {
    expect(loadConfig({}).ssoAllowHttp).toBe(false);
    expect(loadConfig({ SSO_ALLOW_HTTP: 'true' }).ssoAllowHttp).toBe(true);
    expect(() => loadConfig({ SSO_ALLOW_HTTP: 'yes' })).toThrow(/^Invalid SSO_ALLOW_HTTP="yes": expected true or false/);
    expect(() => loadConfig({ SSO_ALLOW_HTTP: 'true', PUBLIC_URL: 'https://portal.example.com' })).toThrow(ConfigError);
  });
});
