// One HTTP attempt through an undici pool: no redirects followed, a connect timeout, a whole-attempt timeout, and
// the response body read only up to a cap (the rest is dropped with the connection, so memory stays bounded).
import { Pool } from 'undici';
import type { AttemptErrorKind, NetworkScope } from '../../db/schema.ts';
import { literalScopeCheck, scopedLookup } from './network.ts';

export interface AttemptResult {
  status: number | null;
  headers: Record<string, string> | null;
  body: string | null;
  truncated: boolean;
  errorKind: AttemptErrorKind | null;
  errorMessage: string | null;
  durationMs: number;
  /** The address could not be reached at all (DNS or connect): a candidate for "the machine is offline". */
  unreachable: boolean;
}

export interface HttpOptions {
  connectTimeoutMs: number;
  attemptTimeoutMs: number;
  responseCapBytes: number;
}

export interface PoolKey {
  origin: string;
  scope: NetworkScope;
  connections: number;
}

/** Pools per endpoint origin and scope (keep-alive connections are reused between attempts). */
export class Pools {
  private pools = new Map<string, Pool>();
  constructor(private readonly opts: HttpOptions) {}

  get(key: PoolKey): Pool {
    const id = `${key.origin}|${key.scope}|${key.connections}`;
    let pool = this.pools.get(id);
    if (!pool) {
      pool = new Pool(key.origin, {
        connections: key.connections,
        pipelining: 1,
        connect: { timeout: this.opts.connectTimeoutMs, lookup: scopedLookup(key.scope) as never },
        headersTimeout: this.opts.attemptTimeoutMs,
        bodyTimeout: this.opts.attemptTimeoutMs,
        keepAliveTimeout: 4_000,
      });
      this.pools.set(id, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((p) => p.destroy().catch(() => {})));
  }
}

const errorWords: Record<AttemptErrorKind, string> = {
  dns: 'The endpoint’s host name could not be resolved',
  connect: 'Could not connect to the endpoint',
  tls: 'The secure connection (TLS) failed',
  timeout: 'The endpoint did not answer in time',
  reset: 'The connection was reset by the endpoint',
  redirect: 'The endpoint answered with a redirect (redirects are not followed)',
  too_large: 'The endpoint’s response was too large',
  blocked: 'The endpoint’s address is outside its network scope',
  http: 'The endpoint answered with an error status',
  other: 'The attempt failed',
};

export function classifyError(err: unknown, timedOut: boolean, opts: HttpOptions): { kind: AttemptErrorKind; message: string } {
  const e = err as { code?: string; message?: string; name?: string; cause?: { code?: string; message?: string } };
  const code = e?.code ?? e?.cause?.code ?? '';
  const detail = e?.cause?.message ?? e?.message ?? String(err);
  const say = (kind: AttemptErrorKind, extra: string) => ({ kind, message: `${errorWords[kind]}: ${extra}` });
  if (code === 'ENETSCOPE') return { kind: 'blocked', message: detail };
  if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return say('timeout', `no complete answer within ${opts.attemptTimeoutMs / 1000} s.`);
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return say('timeout', `connecting took longer than ${opts.connectTimeoutMs / 1000} s.`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NODATA') return say('dns', `${detail} (${code}).`);
  if (code === 'ECONNREFUSED') return say('connect', `the connection was refused (nothing listens on that port) (${code}).`);
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ENETDOWN' || code === 'EADDRNOTAVAIL') return say('connect', `the network or host is unreachable (${code}).`);
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED') return say('reset', `${detail} (${code}).`);
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|SSL|TLS|SELF_SIGNED/.test(code)) return say('tls', `${detail} (${code}).`);
  if (code === 'UND_ERR_HEADERS_OVERFLOW' || code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return say('too_large', `${detail}.`);
  return say('other', `${detail}${code ? ` (${code})` : ''}.`);
}

export async function sendAttempt(
  pool: Pool,
  url: URL,
  scope: NetworkScope,
  headers: Record<string, string>,
  body: string,
  opts: HttpOptions,
  signal?: AbortSignal,
): Promise<AttemptResult> {
  const started = performance.now();
  const ctl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctl.abort(new Error('attempt timeout'));
  }, opts.attemptTimeoutMs);
  const onOuterAbort = () => ctl.abort(new Error('dispatcher stopping'));
  signal?.addEventListener('abort', onOuterAbort, { once: true });
  let status: number | null = null;
  let resHeaders: Record<string, string> | null = null;
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    const blocked = literalScopeCheck(url, scope);
    if (blocked) throw blocked;
    const res = await pool.request({ path: url.pathname + url.search, method: 'POST', headers, body, signal: ctl.signal });
    status = res.statusCode;
    resHeaders = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) resHeaders[k] = Array.isArray(v) ? v.join(', ') : String(v);
    for await (const chunk of res.body) {
      const buf = chunk as Buffer;
      if (size + buf.length > opts.responseCapBytes) {
        chunks.push(buf.subarray(0, opts.responseCapBytes - size));
        size = opts.responseCapBytes;
        truncated = true;
        res.body.destroy();
        break;
      }
      chunks.push(buf);
      size += buf.length;
    }
    const text = Buffer.concat(chunks).toString('utf8');
    const durationMs = Math.round(performance.now() - started);
    if (status >= 300 && status < 400) {
      const location = resHeaders['location'];
      return { status, headers: resHeaders, body: text, truncated, errorKind: 'redirect', errorMessage: `${errorWords.redirect}: ${status} to ${location ?? '(no Location header)'}.`, durationMs, unreachable: false };
    }
    return { status, headers: resHeaders, body: text, truncated, errorKind: null, errorMessage: null, durationMs, unreachable: false };
  } catch (err) {
    const { kind, message } = classifyError(err, timedOut, opts);
    const text = chunks.length ? Buffer.concat(chunks).toString('utf8') : null;
    return {
      status, headers: resHeaders, body: text, truncated: truncated || (status !== null && text !== null),
      errorKind: kind, errorMessage: message, durationMs: Math.round(performance.now() - started),
      unreachable: status === null && (kind === 'dns' || (kind === 'connect' && !/ECONNREFUSED/.test(message))),
    };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onOuterAbort);
  }
}
