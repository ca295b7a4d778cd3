// Network scope of an endpoint: which addresses a delivery may connect to. Resolution happens once per
// connection inside the socket's own `lookup`, and the socket connects to the address that was checked (no
// DNS rebinding between the check and the connect). IP-literal URLs never reach `lookup`, so they are checked
// before the request (`literalScopeCheck`) and already when an endpoint is created or changed
// (`refuseOutOfScopeUrl`).
//
// Addresses are parsed and classified by ipaddr.js, not by patterns: every spelling of an address (the URL
// parser's `[::ffff:7f00:1]`, NAT64 `64:ff9b::7f00:1`, 6to4 `2002:7f00:1::`, …) is reduced to the IPv4
// address it carries before its class is decided.
import dns from 'node:dns';
import os from 'node:os';
import ipaddr from 'ipaddr.js';
import type { NetworkScope } from '../../db/schema.ts';
import { invalid } from '../errors.ts';
import { BoundedMap } from './bounded-map.ts';

/**
 * - `loopback`: this machine (127/8, ::1, and the unspecified 0.0.0.0 / ::, which connect to this machine).
 * - `link-local`: 169.254/16 (with the cloud metadata address 169.254.169.254) and fe80::/10.
 * - `private`: RFC 1918, CGNAT 100.64/10, unique-local fc00::/7, site-local fec0::/10, local-use NAT64.
 * - `reserved`: not an address of anyone on the Internet: multicast, broadcast, documentation, benchmarking
 *   (198.18/15, 2001:2::/48), 240/4, discard, ORCHID, IPv4-compatible ::a.b.c.d, and anything unparseable.
 */
export type AddressClass = 'public' | 'private' | 'link-local' | 'loopback' | 'reserved';

const v4Classes: Record<string, AddressClass> = {
  unicast: 'public',
  as112: 'public', // public anycast DNS sinks
  amt: 'public', // public anycast relays
  unspecified: 'loopback',
  loopback: 'loopback',
  linkLocal: 'link-local',
  private: 'private',
  carrierGradeNat: 'private',
  broadcast: 'reserved',
  multicast: 'reserved',
  reserved: 'reserved', // includes 192.0.2/24 & co. (documentation) and 198.18/15 (benchmarking)
};

const v6Classes: Record<string, AddressClass> = {
  unicast: 'public',
  as112v6: 'public',
  amt: 'public',
  unspecified: 'loopback',
  loopback: 'loopback',
  linkLocal: 'link-local',
  uniqueLocal: 'private',
  deprecatedSiteLocal: 'private',
  multicast: 'reserved',
  discard: 'reserved',
  benchmarking: 'reserved',
  deprecatedOrchid: 'reserved',
  orchid2: 'reserved',
  droneRemoteIdProtocolEntityTags: 'reserved',
  segmentRouting: 'reserved',
  reserved: 'reserved',
};

const NAT64_WELL_KNOWN = ipaddr.parseCIDR('64:ff9b::/96');
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

const v4FromBits = (parts: number[], hi: number, lo: number) => new ipaddr.IPv4([parts[hi] >> 8, parts[hi] & 0xff, parts[lo] >> 8, parts[lo] & 0xff]);

/** The more restricted of two classes (the one fewer scopes allow). */
function narrower(a: AddressClass, b: AddressClass): AddressClass {
  const order: AddressClass[] = ['public', 'private', 'link-local', 'loopback', 'reserved'];
  return order.indexOf(a) >= order.indexOf(b) ? a : b;
}

function classifyV4(ip: ipaddr.IPv4): AddressClass {
  return v4Classes[ip.range()] ?? 'reserved';
}

function classifyV6(ip: ipaddr.IPv6): AddressClass {
  const range = ip.range();
  const p = ip.parts;
  // Addresses that carry an IPv4 address reach that address (or a gateway next to it): classify what they carry.
  if (range === 'ipv4Mapped' || range === 'rfc6145') return classifyV4(v4FromBits(p, 6, 7));
  if (ip.match(NAT64_WELL_KNOWN)) return classifyV4(v4FromBits(p, 6, 7));
  if (range === 'rfc6052') return 'private'; // 64:ff9b:1::/48, local-use NAT64 (RFC 8215): a site's own translator
  if (range === '6to4') return classifyV4(v4FromBits(p, 1, 2));
  if (range === 'teredo') {
    // 2001:0:SERVER:…:~CLIENT — both ends must be public.
    const server = v4FromBits(p, 2, 3);
    const client = new ipaddr.IPv4([(p[6] >> 8) ^ 0xff, (p[6] & 0xff) ^ 0xff, (p[7] >> 8) ^ 0xff, (p[7] & 0xff) ^ 0xff]);
    return narrower(classifyV4(server), classifyV4(client));
  }
  if (range === 'unspecified' || range === 'loopback') return v6Classes[range];
  // IPv4-compatible ::a.b.c.d (deprecated, RFC 4291): never a real destination.
  if (ip.match(IPV4_COMPATIBLE)) return narrower('reserved', classifyV4(v4FromBits(p, 6, 7)));
  return v6Classes[range] ?? 'reserved';
}

/**
 * `fn` of a string, remembered for the last 1,024 strings. Every attempt asks about its endpoint's host (is it an
 * IP, which class): parsing it each time was 1.6 % of the dispatcher's time in the dispatch benchmark.
 */
function remembered<T>(fn: (text: string) => T): (text: string) => T {
  const seen = new BoundedMap<string, T>(1024);
  return (text) => seen.getOrMake(text, fn);
}

/** The class of an address as the OS or the URL parser spells it (brackets and a zone id are allowed). */
export const classifyAddress = remembered(classifyAddressNow);

function classifyAddressNow(address: string): AddressClass {
  let text = address.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  if (!ipaddr.isValid(text)) return 'reserved';
  const ip = ipaddr.parse(text);
  return ip.kind() === 'ipv4' ? classifyV4(ip as ipaddr.IPv4) : classifyV6(ip as ipaddr.IPv6);
}

/** Whether `host` (a URL's hostname, brackets allowed) is an IP address rather than a name. */
export const isIpLiteral = remembered((host: string): boolean => {
  const text = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  // Only canonical forms: the URL parser has already turned `0x7f.1` and `2130706433` into `127.0.0.1`.
  return ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text);
});

/**
 * `public` allows public addresses only; `private` adds private networks; `loopback` allows any address,
 * including this machine, link-local (so the cloud metadata address) and reserved ranges.
 */
export function allowedIn(scope: NetworkScope, cls: AddressClass): boolean {
  if (cls === 'public') return true;
  if (cls === 'private') return scope === 'private' || scope === 'loopback';
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
  const what = `${[...new Set(cls)].join(', ')}`;
  const subject = addresses.length === 1 && addresses[0] === host ? `${host} is a ${what} address` : `${host} resolves to ${addresses.join(', ')} (${what})`;
  return new ScopeError(
    `${subject}, but this endpoint's network scope allows ${scopeWords[scope]}. Change the endpoint's network scope to reach it.`,
  );
}

/** Refuse an IP-literal URL outside the scope before any socket is opened (`lookup` is not called for IPs). */
export function literalScopeCheck(url: URL, scope: NetworkScope): ScopeError | null {
  if (!isIpLiteral(url.hostname)) return null;
  return allowedIn(scope, classifyAddress(url.hostname)) ? null : scopeRefusal(url.hostname, [url.hostname], scope);
}

/**
 * For endpoint create/update: an IP-literal URL outside the endpoint's scope is refused (invalid_input on `url`)
 * with a sentence, so it never becomes an endpoint whose every delivery fails. Host names are checked at
 * delivery time, in the connection's lookup, because what they resolve to can change.
 */
export function refuseOutOfScopeUrl(url: string, scope: NetworkScope): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return; // the contract's URL check reports malformed URLs
  }
  const refusal = literalScopeCheck(parsed, scope);
  if (refusal) throw invalid(refusal.message, ['url']);
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
