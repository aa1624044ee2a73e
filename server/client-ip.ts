import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/**
 * The caller's address for a raw request (the Socket.IO handshake), with exactly Express's
 * `trust proxy` semantics, so HTTP and sockets agree: X-Forwarded-For counts only when
 * TRUST_PROXY says the hop that sent it is a proxy of ours.
 */
export function clientIpFn(trust: boolean | number | string[]): (req: IncomingMessage) => string {
  const fn = trust === true ? () => true : typeof trust === 'number' ? (_a: string, i: number) => i < trust : proxyaddr.compile(trust === false ? [] : trust);
  return (req) => proxyaddr(req, fn);
}
