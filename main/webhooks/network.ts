// Network scope of an endpoint: which addresses a delivery may connect to. Resolution happens once per
// connection inside the socket's own `lookup`, and the socket connects to the address that was checked (no
// DNS rebinding between the check and the connect).
import dns from 'node:dns';
import net from 'node:net';
import os from 'node:os';
import type { NetworkScope } from '../../db/schema.ts';

export type AddressClass = 'public' | 'private' | 'link-local' | 'loopback';

function v4ToInt(ip: string): number {
  return ip.split('.').reduce((n, p) => (n << 8) + Number(p), 0) >>> 0;
}
const inV4 = (ip: number, base: string, bits: number) => {
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((ip & mask) >>> 0) === ((v4ToInt(base) & mask) >>> 0);
};

export function classifyAddress(address: string): AddressClass {
  let ip = address.toLowerCase();
  if (ip.startsWith('[')) ip = ip.slice(1, -1);
  const mapped = ip.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/);
  if (mapped) ip = mapped[1];
  if (net.isIPv4(ip)) {
    const n = v4ToInt(ip);
    if (inV4(n, '127.0.0.0', 8) || inV4(n, '0.0.0.0', 8)) return 'loopback';
    if (inV4(n, '169.254.0.0', 16)) return 'link-local';
    if (inV4(n, '10.0.0.0', 8) || inV4(n, '172.16.0.0', 12) || inV4(n, '192.168.0.0', 16) || inV4(n, '100.64.0.0', 10) ||
        inV4(n, '198.18.0.0', 15) || inV4(n, '224.0.0.0', 4) || inV4(n, '240.0.0.0', 4)) return 'private';
    return 'public';
  }
  if (net.isIPv6(ip)) {
    if (ip === '::1' || ip === '::') return 'loopback';
    if (/^fe[89ab]/.test(ip)) return 'link-local';
    if (/^f[cd]/.test(ip) || /^ff/.test(ip)) return 'private';
    return 'public';
  }
  return 'public';
}

export function allowedIn(scope: NetworkScope, cls: AddressClass): boolean {
  if (cls === 'public') return true;
  if (cls === 'private' || cls === 'link-local') return scope === 'private' || scope === 'loopback';
  return scope === 'loopback';
}

const scopeWords: Record<NetworkScope, string> = {
  public: 'public addresses only',
  private: 'public and private addresses',
  loopback: 'any address including this machine',
};

export class ScopeError extends Error {
  readonly code = 'ENETSCOPE';
}

export function scopeRefusal(host: string, addresses: string[], scope: NetworkScope): ScopeError {
  const cls = addresses.map(classifyAddress);
  return new ScopeError(
    `${host} resolves to ${addresses.join(', ')} (${[...new Set(cls)].join(', ')}), but this endpoint's network scope allows ${scopeWords[scope]}. Change the endpoint's network scope to reach it.`,
  );
}

type LookupCb = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/** A `lookup` for net/tls.connect that refuses addresses outside the scope and returns only a checked one. */
export function scopedLookup(scope: NetworkScope) {
  return (hostname: string, options: dns.LookupOptions, cb: LookupCb) => {
    dns.lookup(hostname, { all: true, family: options.family ?? 0 }, (err, addrs) => {
      if (err) return cb(err, '');
      const ok = addrs.filter((a) => allowedIn(scope, classifyAddress(a.address)));
      if (ok.length === 0) return cb(scopeRefusal(hostname, addrs.map((a) => a.address), scope) as unknown as NodeJS.ErrnoException, '');
      if (options.all) cb(null, ok);
      else cb(null, ok[0].address, ok[0].family);
    });
  };
}

/** The OS's view: does any interface have a non-internal address? */
export function osSaysOnline(): boolean {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && classifyAddress(a.address) !== 'link-local') return true;
  }
  return false;
}
