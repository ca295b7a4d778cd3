// The client-side check of a webhook URL against its network scope, so the form warns as the address is typed.
// Only literal addresses can be judged here (a host name is resolved, and checked, by the dispatcher); the host
// refuses them again when the endpoint is saved and on every connection. Classes follow the dispatcher's:
// ipaddr.js parses every spelling, and addresses that carry an IPv4 address (IPv4-mapped, NAT64, 6to4) are judged
// by the IPv4 address they carry.
import ipaddr from 'ipaddr.js';

export type Scope = 'public' | 'private' | 'loopback';
export type AddressClass = 'public' | 'private' | 'link-local' | 'loopback' | 'reserved';

const v4Classes: Record<string, AddressClass> = {
  unicast: 'public', as112: 'public', amt: 'public', unspecified: 'loopback', loopback: 'loopback', linkLocal: 'link-local',
  private: 'private', carrierGradeNat: 'private', broadcast: 'reserved', multicast: 'reserved', reserved: 'reserved',
};
const v6Classes: Record<string, AddressClass> = {
  unicast: 'public', as112v6: 'public', amt: 'public', unspecified: 'loopback', loopback: 'loopback', linkLocal: 'link-local',
  uniqueLocal: 'private', deprecatedSiteLocal: 'private', multicast: 'reserved', discard: 'reserved', benchmarking: 'reserved', reserved: 'reserved',
};
const NAT64 = ipaddr.parseCIDR('64:ff9b::/96');
const v4At = (p: number[], hi: number, lo: number) => new ipaddr.IPv4([p[hi] >> 8, p[hi] & 0xff, p[lo] >> 8, p[lo] & 0xff]);
const classifyV4 = (ip: ipaddr.IPv4): AddressClass => v4Classes[ip.range()] ?? 'reserved';

function classifyV6(ip: ipaddr.IPv6): AddressClass {
  const range = ip.range();
  if (range === 'ipv4Mapped' || range === 'rfc6145' || ip.match(NAT64)) return classifyV4(v4At(ip.parts, 6, 7));
  if (range === 'rfc6052') return 'private';
  if (range === '6to4') return classifyV4(v4At(ip.parts, 1, 2));
  return v6Classes[range] ?? 'reserved';
}

/** The class of a URL's host when it is a literal address (or `localhost`); null for a name to be resolved. */
export function literalClass(url: string): AddressClass | null {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return null;
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  const text = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  // The URL parser has already turned `0x7f.1` and `2130706433` into `127.0.0.1`.
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return classifyV4(ipaddr.IPv4.parse(text));
  if (ipaddr.IPv6.isValid(text)) return classifyV6(ipaddr.IPv6.parse(text));
  return null;
}

export function allowedIn(scope: Scope, cls: AddressClass): boolean {
  if (cls === 'public') return true;
  if (cls === 'private') return scope === 'private' || scope === 'loopback';
  return scope === 'loopback';
}

const classWords: Record<AddressClass, string> = {
  public: 'a public address',
  private: 'an address on a private network',
  'link-local': 'a link-local address (such as a cloud metadata service)',
  loopback: 'this computer',
  reserved: 'a reserved address that is no one’s on the Internet',
};
const scopeFor: Record<AddressClass, Scope> = { public: 'public', private: 'private', 'link-local': 'loopback', loopback: 'loopback', reserved: 'loopback' };

/** A sentence when the scope will refuse the URL's literal address (null when it is allowed or not literal). */
export function scopeWarning(url: string, scope: Scope): { message: string; needs: Scope } | null {
  const cls = literalClass(url);
  if (!cls || allowedIn(scope, cls)) return null;
  return { message: `This URL points at ${classWords[cls]}, which this network scope refuses: every delivery to it would be blocked.`, needs: scopeFor[cls] };
}
