// Where the host listens and what it takes to listen there. Loopback is the default and needs nothing more;
// any other address carries tokens over a network, so it is allowed only over TLS (the host's own certificate)
// or behind a TLS-terminating proxy the operator names explicitly with --behind-proxy.
import ipaddr from 'ipaddr.js';

export interface ListenAddress {
  host: string;
  port: number;
}

export interface ListenSecurity {
  tls: boolean;
  behindProxy: boolean;
}

/** `HOST:PORT`, `[v6]:PORT` or `PORT` (loopback). Throws a sentence for anything else. */
export function parseListen(text: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text) ?? (/^\d{1,5}$/.test(text) ? [text, undefined, '127.0.0.1', text] : null);
  if (!m) throw new Error(`--listen must be HOST:PORT (for example 0.0.0.0:8443 or [::]:8443), got “${text}”.`);
  const host = m[1] ?? m[2]!;
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`--listen: the port must be between 0 and 65535, got ${port}.`);
  return { host, port };
}

/** 127.0.0.0/8, ::1 and `localhost`: addresses no other machine can reach. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (!ipaddr.isValid(host)) return false;
  const addr = ipaddr.process(host);
  return addr.range() === 'loopback';
}

/** Null when the host may listen there as configured; otherwise the sentence that says why not and what to do. */
export function listenRefusal(address: ListenAddress, security: ListenSecurity): string | null {
  if (security.tls && security.behindProxy) return 'Give either --tls-cert/--tls-key (the host speaks TLS itself) or --behind-proxy (a proxy in front of it does), not both.';
  if (isLoopback(address.host) || security.tls || security.behindProxy) return null;
  return (
    `Chronicle will not listen on ${address.host}:${address.port} without TLS: tokens would cross the network in clear text. ` +
    'Give --tls-cert FILE --tls-key FILE, or --behind-proxy when a TLS-terminating proxy in front of it is the only way in (or listen on 127.0.0.1).'
  );
}

/**
 * The address a refusal is logged and slowed down under. Behind a proxy every connection comes from the proxy,
 * so the client is the last address the proxy appended to X-Forwarded-For (earlier entries were sent by the
 * client and prove nothing). Without --behind-proxy the header is ignored: anyone could send it.
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, behindProxy: boolean): string {
  const direct = socketAddress ?? 'unknown';
  if (!behindProxy || forwardedFor === undefined) return direct;
  const joined = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  const last = joined.split(',').map((s) => s.trim()).filter(Boolean).at(-1);
  return last && ipaddr.isValid(last) ? ipaddr.process(last).toString() : direct;
}
