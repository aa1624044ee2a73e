import dns, { type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * A fetch for addresses someone outside the firm typed (a client's identity provider, set by its
 * Manager): it connects only to public unicast addresses, so the portal cannot be made to call its
 * own machine, the firm's network or a cloud metadata service (server-side request forgery). The
 * check is made on the address actually connected to (a DNS answer is checked when it is used, not
 * before), redirects are never followed, and answers are capped in size.
 */

export class NotPublicAddress extends Error {
  readonly code = 'ENOTPUBLIC';
}

/** Whether an address is one the portal may connect to: public unicast (and loopback when the tests allow it). */
export function isPublicAddress(address: string, allowLoopback = false): boolean {
  if (!ipaddr.isValid(address)) return false;
  const range = ipaddr.process(address).range();
  return range === 'unicast' || (allowLoopback && range === 'loopback');
}

function guardedLookup(allowLoopback: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, found) => {
      if (err) return callback(err, '', 4);
      const list = found as unknown as LookupAddress[];
      const refused = list.find((a) => !isPublicAddress(a.address, allowLoopback));
      if (refused || list.length === 0) return callback(new NotPublicAddress(`${hostname} is not a public address.`), '', 4);
      if (options.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      else callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

const MAX_BYTES = 1024 * 1024;

type Body = ArrayBuffer | null | ReadableStream | string | Uint8Array | undefined | URLSearchParams;

async function bytesOf(body: Body): Promise<Buffer | undefined> {
  if (body === null || body === undefined) return undefined;
  if (typeof body === 'string' || body instanceof URLSearchParams) return Buffer.from(body.toString());
  if (body instanceof ArrayBuffer || body instanceof Uint8Array) return Buffer.from(body as Uint8Array);
  return Buffer.from(await new Response(body).arrayBuffer());
}

/** The fetch: `allowLoopback` only for the tests' provider on 127.0.0.1 (SSO_ALLOW_HTTP). */
export function publicOnlyFetch(allowLoopback: boolean) {
  const lookup = guardedLookup(allowLoopback);
  return async (url: string, options: { method: string; headers: Record<string, string> | Headers; body?: Body; signal?: AbortSignal }): Promise<Response> => {
    const target = new URL(url);
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (ipaddr.isValid(host) && !isPublicAddress(host, allowLoopback)) throw new NotPublicAddress(`${host} is not a public address.`);
    const body = await bytesOf(options.body);
    const headers = Object.fromEntries(new Headers(options.headers));
    if (body) headers['content-length'] = String(body.length);
    return new Promise<Response>((resolve, reject) => {
      const request = (target.protocol === 'https:' ? https : http).request(
        target,
        { method: options.method, headers, lookup, signal: options.signal },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BYTES) request.destroy(new Error('The answer is too large.'));
            else chunks.push(c);
          });
          res.on('end', () => {
            const h = new Headers();
            for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
            const status = res.statusCode ?? 502;
            resolve(new Response([204, 304].includes(status) ? null : Buffer.concat(chunks), { status, headers: h }));
          });
          res.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  };
}
