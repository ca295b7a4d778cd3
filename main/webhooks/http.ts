// One HTTP attempt through an undici pool: no redirects followed, a connect timeout, a whole-attempt timeout, and
// the response body read only up to a cap (the rest is dropped with the connection, so memory stays bounded).
import { Pool, type Dispatcher } from 'undici';
import type { AttemptErrorKind, NetworkScope } from '../../db/schema.ts';
import { literalScopeCheck, scopedLookup } from './network.ts';

export interface AttemptResult {
  status: number | null;
  headers: Record<string, string> | null;
  body: string | null;
  truncated: boolean;
  errorKind: AttemptErrorKind | null;
  errorMessage: string | null;
  /** From the moment the request was written to its connection (or from the call, if it never was). */
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
  /** Each endpoint has its own pool: endpoints on one origin never wait for each other's connections. */
  endpointId: string;
  origin: string;
  scope: NetworkScope;
  /** The endpoint's concurrency. The runner never runs more of its attempts at once, so none queues here. */
  connections: number;
}

/**
 * One pool per endpoint (keep-alive connections are reused between its attempts). A pool shared by the
 * endpoints of one origin and sized by one endpoint's concurrency made attempts queue behind other endpoints'
 * requests, and the wait counted against the attempt timeout ("did not answer in time" while no request had
 * even been sent). When an endpoint's URL, scope or concurrency changes, its old pool is closed once its
 * requests are done.
 */
export class Pools {
  private pools = new Map<string, { id: string; pool: Pool }>();
  constructor(private readonly opts: HttpOptions) {}

  get(key: PoolKey): Pool {
    const id = `${key.origin}|${key.scope}|${key.connections}`;
    const current = this.pools.get(key.endpointId);
    if (current?.id === id) return current.pool;
    if (current) void current.pool.close().catch(() => {});
    const pool = new Pool(key.origin, {
      connections: key.connections,
      pipelining: 1,
      connect: { timeout: this.opts.connectTimeoutMs, lookup: scopedLookup(key.scope) as never },
      // The whole-attempt timer in sendAttempt decides when an attempt has taken too long. undici's own timers
      // run on a ~0.5 s tick and fired up to half a second before the configured timeout, so they are only a
      // backstop here, set past it.
      headersTimeout: this.opts.attemptTimeoutMs + 1_000,
      bodyTimeout: this.opts.attemptTimeoutMs + 1_000,
      keepAliveTimeout: 4_000,
    });
    this.pools.set(key.endpointId, { id, pool });
    return pool;
  }

  get size(): number {
    return this.pools.size;
  }

  async close(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((p) => p.pool.destroy().catch(() => {})));
  }
}

/**
 * `fn` runs when `signal` aborts. One listener per signal however many attempts wait on it: the runner's signal is
 * shared by every attempt, and adding and removing a listener for each cost more than the rest of the setup.
 */
const abortWaiters = new WeakMap<AbortSignal, Set<() => void>>();
function onAbort(signal: AbortSignal, fn: () => void): () => void {
  let set = abortWaiters.get(signal);
  if (!set) {
    const waiters = (set = new Set());
    abortWaiters.set(signal, waiters);
    signal.addEventListener('abort', () => { for (const w of [...waiters]) w(); waiters.clear(); }, { once: true });
  }
  set.add(fn);
  return () => void set.delete(fn);
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

/**
 * One POST through `pool`, straight on undici's dispatch handler: the response body is gathered as it arrives (no
 * stream) and dropped with the connection past the cap. The whole-attempt clock starts when undici writes the
 * request to a connected socket (onRequestStart), so it measures the endpoint, not the wait for a connection;
 * before that, the connect timeout bounds connecting, and the pool (one per endpoint, sized to its concurrency)
 * has a free connection.
 */
export function sendAttempt(
  pool: Dispatcher,
  url: URL,
  scope: NetworkScope,
  headers: Record<string, string>,
  body: string,
  opts: HttpOptions,
  signal?: AbortSignal,
): Promise<AttemptResult> {
  let started = performance.now();
  const blocked = literalScopeCheck(url, scope);
  if (blocked) return Promise.resolve(failure(blocked, false, null, null, [], false, started, opts));
  return new Promise<AttemptResult>((resolve) => {
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let controller: Dispatcher.DispatchController | null = null;
    let stopReason: Error | null = null; // the runner stopped while the request waited for a connection
    let status: number | null = null;
    let resHeaders: Record<string, string> | null = null;
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    let ended = false;
    const end = (result: AttemptResult) => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      stopWaiting?.();
      resolve(result);
    };
    const stopWaiting = signal
      ? onAbort(signal, () => {
          const reason = new Error('dispatcher stopping');
          if (controller) return controller.abort(reason);
          // Not written yet: the attempt ends now, and the request is dropped when it reaches a connection.
          stopReason = reason;
          end(failure(reason, false, null, null, [], false, started, opts));
        })
      : null;
    if (signal?.aborted) return end(failure(new Error('dispatcher stopping'), false, null, null, [], false, started, opts));
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart: (ctl) => {
        controller = ctl;
        if (stopReason) return ctl.abort(stopReason);
        if (timer) return; // a retried write on a fresh connection keeps the first start
        started = performance.now();
        timer = setTimeout(() => {
          timedOut = true;
          controller?.abort(new Error('attempt timeout'));
        }, opts.attemptTimeoutMs);
      },
      onResponseStart: (_ctl, statusCode, h) => {
        if (statusCode < 200) return; // an informational answer (100 Continue): the real one follows
        status = statusCode;
        resHeaders = {};
        for (const k in h) {
          const v = h[k];
          if (v !== undefined) resHeaders[k] = Array.isArray(v) ? v.join(', ') : String(v);
        }
      },
      onResponseData: (ctl, chunk) => {
        if (ended) return;
        if (size + chunk.length > opts.responseCapBytes) {
          chunks.push(chunk.subarray(0, opts.responseCapBytes - size));
          size = opts.responseCapBytes;
          truncated = true;
          end(answered(status!, resHeaders!, chunks, truncated, started));
          ctl.abort(new Error('response cap reached')); // the rest goes with the connection
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      },
      onResponseEnd: () => end(answered(status!, resHeaders!, chunks, truncated, started)),
      onResponseError: (_ctl, err) => end(failure(err, timedOut, status, resHeaders, chunks, truncated, started, opts)),
    };
    try {
      pool.dispatch({ path: url.pathname + url.search, method: 'POST', headers, body }, handler);
    } catch (err) {
      end(failure(err, false, null, null, [], false, started, opts));
    }
  });
}

/** The endpoint answered (any status): a redirect is an error of its own, never followed. */
function answered(status: number, headers: Record<string, string>, chunks: Buffer[], truncated: boolean, started: number): AttemptResult {
  const text = Buffer.concat(chunks).toString('utf8');
  const durationMs = Math.round(performance.now() - started);
  if (status >= 300 && status < 400) {
    const location = headers['location'];
    return { status, headers, body: text, truncated, errorKind: 'redirect', errorMessage: `${errorWords.redirect}: ${status} to ${location ?? '(no Location header)'}.`, durationMs, unreachable: false };
  }
  return { status, headers, body: text, truncated, errorKind: null, errorMessage: null, durationMs, unreachable: false };
}

function failure(err: unknown, timedOut: boolean, status: number | null, headers: Record<string, string> | null, chunks: Buffer[], truncated: boolean, started: number, opts: HttpOptions): AttemptResult {
  const { kind, message } = classifyError(err, timedOut, opts);
  const text = chunks.length ? Buffer.concat(chunks).toString('utf8') : null;
  return {
    status, headers, body: text, truncated: truncated || (status !== null && text !== null),
    errorKind: kind, errorMessage: message, durationMs: Math.round(performance.now() - started),
    unreachable: status === null && (kind === 'dns' || (kind === 'connect' && !/ECONNREFUSED/.test(message))),
  };
}
