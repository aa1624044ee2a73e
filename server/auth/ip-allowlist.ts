import ipaddr from 'ipaddr.js';

/** Parse one CIDR range (IPv4 or IPv6; a bare address means that one address), or null if invalid. */
function parseCidr(text: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | null {
  const s = text.trim();
  try {
    if (s.includes('/')) return ipaddr.parseCIDR(s);
    const a = ipaddr.parse(s);
    return [a, a.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return null;
  }
}

/** The entries of a list that are not valid CIDR ranges (for a clear validation message). */
export function invalidCidrs(list: string[]): string[] {
  return list.filter((c) => parseCidr(c) === null);
}

/**
 * Whether `ip` is inside one of the ranges; an empty list allows every address. IPv4-mapped
 * IPv6 addresses (::ffff:10.0.0.1, what a dual-stack socket reports) are compared as IPv4.
 */
export function ipAllowed(ip: string | undefined | null, list: string[]): boolean {
  if (list.length === 0) return true;
  if (!ip) return false;
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.process(ip);
  } catch {
    return false;
  }
  return list.some((c) => {
    const range = parseCidr(c);
    return range !== null && range[0].kind() === addr.kind() && addr.match(range);
  });
}
