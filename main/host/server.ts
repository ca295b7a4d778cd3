// The browser host: the built renderer and the contract over HTTP (loopback by default; beyond it only over TLS
// or behind a TLS proxy, see listen.ts), behind a token.
// POST /api/<method> runs a method; GET /api/events streams push topics (Server-Sent Events).
//
// Authentication is the `Authorization: Bearer <token>` header and nothing else: no cookie (cookies ignore
// ports, so a page on any other port of 127.0.0.1 would carry it), no token in API URLs. The static build
// holds no data and is served without the token; the page takes the token from its own URL once
// (renderer/lib/client.ts). No request can stop the host: every failure inside one answers that request
// (400, 413 or 500) and is logged.
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { pipeline } from 'node:stream';
import { resolveAccessToken } from '../../db/people.ts';
import type { ErrorBody } from '../../preload/contract.ts';
import type { App } from '../app.ts';
import { contentSecurityPolicy } from '../csp.ts';
import { isAccessTokenShape } from '../domain/tokens.ts';
import { invoke, type RpcResult, type SessionSlot } from '../rpc.ts';
import { AuthThrottle, type AuthThrottleOptions } from './auth-throttle.ts';
import { clientAddress, isLoopback, listenRefusal } from './listen.ts';

/**
 * What answers the host's API: the workspace itself (`localBackend`), or a remote hub the calls are forwarded
 * to (main/hub-client). Both see the tab's session id (x-chronicle-session) so each tab keeps its own account.
 */
export interface HostBackend {
  invoke(sessionId: string | undefined, method: string, input: unknown): Promise<RpcResult>;
  /** Start sending push topics for one tab's stream; returns the function that stops it. */
  openStream(sessionId: string | undefined, send: (topic: string, payload: unknown) => void): () => void;
  /**
   * A signed review bundle of the session's account (`audit.export`) as a file to send, removed once sent:
   * GET /api/audit.bundle, what *Download for offline review* on a desktop fetches. Absent: not offered.
   */
  exportBundle?(sessionId: string | undefined, input: { from?: string; to?: string }): Promise<{ ok: true; file: string } | { ok: false; error: ErrorBody }>;
  /**
   * A personal access token (not the host's own): the session key of its person in its account, used in place of
   * the tab's session id for this request, or null when the token is unknown or revoked. Absent: only the host's
   * token is accepted (a console forwarding to a hub).
   */
  authenticate?(bearer: string): Promise<string | null>;
  close(): Promise<void>;
}

export interface HostOptions {
  /** The workspace the API serves; or give `backend` (e.g. a hub to forward to). */
  app?: App;
  backend?: HostBackend;
  /** The address to bind (default 127.0.0.1). Beyond loopback only with `tls` or `behindProxy`. */
  hostname?: string;
  port?: number;
  /** Serve HTTPS with this certificate and key (PEM). */
  tls?: { cert: Buffer | string; key: Buffer | string };
  /** A TLS-terminating proxy is the only way in: trust its X-Forwarded-Proto / X-Forwarded-For. */
  behindProxy?: boolean;
  token?: string;
  /** The built renderer (out/renderer). Without it only the API is served. */
  staticDir?: string;
  /** Where refusals and request failures are logged (default: stderr). */
  log?: (line: string) => void;
  /** Tuning for the slow-down of repeated failed authentication (tests shorten it). */
  authThrottle?: Partial<AuthThrottleOptions>;
}

export interface Host {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const statusOf: Record<string, number> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  read_only: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  internal: 500,
  storage_unavailable: 503,
  hub_unreachable: 503,
  hub_token_refused: 403,
};

const mime: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.woff2': 'font/woff2',
};

export const MAX_BODY = 1024 * 1024;

/** An answer decided before the handler runs (bad address, too large, not UTF-8…). */
class HttpRefusal extends Error {
  constructor(
    readonly error: ErrorBody,
    /** Close the connection after answering (the rest of the body is not read). */
    readonly close = false,
  ) {
    super(error.message);
  }
}

const badAddress = () => new HttpRefusal({ code: 'invalid_input', message: 'The address is not valid (it has malformed percent-encoding).' });

/** decodeURIComponent that refuses malformed input (`%c0%ae`, a cut `%E0%A4%A`) instead of throwing URIError. */
function decodePath(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw badAddress();
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text, refusing more than MAX_BODY (announced or sent) and bytes that are not UTF-8. */
function readBody(req: http.IncomingMessage): Promise<string> {
  const tooLarge = () => new HttpRefusal({ code: 'payload_too_large', message: 'The request body is larger than 1 MiB.' }, true);
  const announced = req.headers['content-length'];
  if (announced !== undefined) {
    if (!/^\d+$/.test(announced)) return Promise.reject(new HttpRefusal({ code: 'invalid_input', message: 'The Content-Length header is not a number.' }, true));
    // Refused before reading a byte of it.
    if (Number(announced) > MAX_BODY) return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > MAX_BODY) {
        done = true;
        req.pause();
        return reject(tooLarge());
      }
      chunks.push(c);
    });
    req.on('error', (err) => {
      if (!done) (done = true), reject(err);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      try {
        resolve(utf8.decode(Buffer.concat(chunks)));
      } catch {
        reject(new HttpRefusal({ code: 'invalid_input', message: 'The request body is not valid UTF-8.' }));
      }
    });
  });
}

/** The workspace itself behind the host: one session slot per tab, pushes of the slot's account. */
export function localBackend(app: App): HostBackend {
  const slots = new Map<string, SessionSlot>();
  const streams = new Set<{ send: (topic: string, payload: unknown) => void; slot: SessionSlot }>();
  // A token's session is fixed to its person in its account (no switching), looked up again on every request
  // (a revoked token stops at once). Its key cannot be sent as a tab's session id (that one is [A-Za-z0-9_-]).
  const tokenSlots = new Map<string, SessionSlot>();
  const slotFor = async (id: string | undefined): Promise<SessionSlot> => {
    const fixed = id?.startsWith('token:') ? tokenSlots.get(id) : undefined;
    if (fixed) return fixed;
    const key = id && /^[A-Za-z0-9_-]{8,64}$/.test(id) ? id : 'default';
    let slot = slots.get(key);
    if (!slot) {
      slot = { session: null };
      slots.set(key, slot);
    }
    // A session made before the workspace had an account picks the default up once there is one.
    if (!slot.session) slot.session = await app.defaultSession();
    return slot;
  };
  const unsubscribe = app.push.subscribe((accountId, topic, payload) => {
    for (const s of streams) if (s.slot.session?.accountId === accountId) s.send(topic, payload);
  });
  return {
    async invoke(sessionId, method, input) {
      return invoke(app, await slotFor(sessionId), method, input);
    },
    openStream(sessionId, send) {
      // The stream follows its tab's session slot (a switch of account changes what it receives).
      const entry = { send, slot: { session: null } as SessionSlot };
      streams.add(entry);
      slotFor(sessionId).then((s) => (entry.slot = s), () => {});
      return () => void streams.delete(entry);
    },
    async exportBundle(sessionId, input) {
      const answer = await invoke(app, await slotFor(sessionId), 'audit.export', input);
      return answer.ok ? { ok: true, file: (answer.result as { file: string }).file } : answer;
    },
    async authenticate(bearer) {
      const person = await resolveAccessToken(app.store, bearer, Date.now());
      if (!person) return null;
      const key = `token:${person.tokenId}`;
      tokenSlots.set(key, { session: { accountId: person.accountId, userId: person.userId }, fixed: true });
      return key;
    },
    async close() {
      unsubscribe();
    },
  };
}

export function startHost(options: HostOptions): Promise<Host> {
  const given = options.backend ?? (options.app ? localBackend(options.app) : null);
  if (!given) throw new Error('startHost needs an app or a backend.');
  const backend: HostBackend = given;
  const hostname = options.hostname ?? '127.0.0.1';
  const behindProxy = options.behindProxy ?? false;
  const refusal = listenRefusal({ host: hostname, port: options.port ?? 0 }, { tls: Boolean(options.tls), behindProxy });
  if (refusal) throw new Error(refusal);
  // On loopback the Host header must name loopback (a page that rebinds its DNS to 127.0.0.1 gets nothing).
  // Beyond loopback, and behind a proxy (which forwards the public name, often from a loopback port), the name
  // people use is not known here; TLS (the certificate's name) does that job.
  const checkHostHeader = isLoopback(hostname) && !behindProxy;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const token = options.token ?? randomBytes(24).toString('base64url');
  const tokenBuf = Buffer.from(token);
  const streams = new Set<{ res: http.ServerResponse }>();
  const throttle = new AuthThrottle({ log, ...options.authThrottle });
  let port = 0;


  const tokenMatches = (candidate: string | undefined | null) => {
    if (!candidate) return false;
    const buf = Buffer.from(candidate);
    return buf.length === tokenBuf.length && timingSafeEqual(buf, tokenBuf);
  };

  const sendJson = (res: http.ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)),
      'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...extra,
    });
    res.end(text);
  };
  const sendError = (res: http.ServerResponse, error: ErrorBody, extra: Record<string, string> = {}) => sendJson(res, statusOf[error.code] ?? 500, { error }, extra);

  const sessionHeader = (req: http.IncomingMessage) => {
    const v = req.headers['x-chronicle-session'];
    return typeof v === 'string' ? v : undefined;
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // Refuse other Host names: a page on another origin that rebinds its DNS to 127.0.0.1 gets nothing.
    const host = req.headers.host ?? '';
    if (checkHostHeader && host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      return sendError(res, { code: 'forbidden', message: 'Unexpected Host header.' });
    }
    // Behind the proxy, a request the proxy received over plain HTTP carries its token in clear text: refused,
    // so a misconfigured proxy shows at once instead of leaking tokens quietly.
    if (behindProxy && req.headers['x-forwarded-proto'] !== 'https') {
      return sendError(res, { code: 'forbidden', message: 'This hub is served through a TLS proxy: use its https:// address (the proxy must send X-Forwarded-Proto: https).' });
    }
    const rawUrl = req.url ?? '/';
    if (!rawUrl.startsWith('/')) throw new HttpRefusal({ code: 'invalid_input', message: 'The request target must be a path.' });
    let url: URL;
    try {
      url = new URL(rawUrl, 'http://127.0.0.1');
    } catch {
      throw badAddress();
    }

    if (url.pathname.startsWith('/api/')) {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      // The host's own token (the local desktop's browser window: its sessions are slots, as before), or a
      // person's personal access token, which fixes the session to its person and account on every request.
      const person = !tokenMatches(bearer) && bearer && isAccessTokenShape(bearer) && backend.authenticate ? await backend.authenticate(bearer) : null;
      if (!tokenMatches(bearer) && !person) {
        const address = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], behindProxy);
        const waitMs = throttle.failure(address, `${req.method} ${url.pathname.slice(0, 80)}`);
        if (waitMs === null) return void req.socket.destroy();
        return throttle.answerLater(address, waitMs, () => {
          if (!res.destroyed) sendError(res, { code: 'unauthorized', message: 'A valid token is required (Authorization: Bearer <token>).' });
        });
      }
      if (url.pathname === '/api/events') {
        if (req.method !== 'GET') return sendError(res, { code: 'not_found', message: 'The event stream is read with GET /api/events.' });
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-content-type-options': 'nosniff' });
        res.write(': connected\n\n');
        const entry = { res };
        streams.add(entry);
        const stop = backend.openStream(person ?? sessionHeader(req) ?? url.searchParams.get('session') ?? undefined, (topic, payload) => {
          res.write(`event: ${topic}\ndata: ${JSON.stringify(payload)}\n\n`);
        });
        const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
        req.on('close', () => {
          clearInterval(ping);
          stop();
          streams.delete(entry);
        });
        return;
      }
      if (url.pathname === '/api/audit.bundle' && req.method === 'GET' && backend.exportBundle) {
        const range: { from?: string; to?: string } = {};
        for (const k of ['from', 'to'] as const) {
          const v = url.searchParams.get(k);
          if (v) range[k] = v;
        }
        const made = await backend.exportBundle(person ?? sessionHeader(req), range);
        if (!made.ok) return sendError(res, made.error);
        const size = fs.statSync(made.file).size;
        res.writeHead(200, {
          'content-type': 'application/vnd.chronicle.review-bundle', 'content-length': String(size), 'cache-control': 'no-store',
          'content-disposition': `attachment; filename="${path.basename(made.file)}"`, 'x-content-type-options': 'nosniff',
        });
        // A download copy: the hub keeps no file per download.
        pipeline(fs.createReadStream(made.file), res, (err) => {
          fs.rm(made.file, { force: true }, () => {});
          if (err && !res.destroyed) res.destroy(err);
        });
        return;
      }
      if (req.method !== 'POST') return sendError(res, { code: 'not_found', message: 'Methods are called with POST /api/<method>.' });
      const method = decodePath(url.pathname.slice('/api/'.length));
      const text = (await readBody(req)).trim();
      let input: unknown = {};
      if (text) {
        try {
          input = JSON.parse(text);
        } catch {
          throw new HttpRefusal({ code: 'invalid_input', message: 'The request body is not valid JSON.' });
        }
      }
      const result = await backend.invoke(person ?? sessionHeader(req), method, input);
      if (result.ok) sendJson(res, 200, result.result);
      else sendError(res, result.error);
      return;
    }

    // Static files: the built page and its assets, the same for everyone (no data, no token in them).
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, { code: 'not_found', message: 'Not found.' });
    if (!options.staticDir) return sendError(res, { code: 'not_found', message: 'No renderer build is being served.' });
    const root = path.resolve(options.staticDir);
    let file = path.resolve(root, '.' + decodePath(url.pathname));
    if (!file.startsWith(root + path.sep) && file !== root) return sendError(res, { code: 'not_found', message: 'Not found.' });
    if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(root, 'index.html'); // client-side routes
    const headers: Record<string, string> = {
      'content-type': mime[path.extname(file)] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
      'cross-origin-resource-policy': 'same-origin',
    };
    if (file.endsWith('.html')) {
      headers['content-security-policy'] = contentSecurityPolicy;
      headers['x-frame-options'] = 'DENY';
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    pipeline(fs.createReadStream(file), res, (err) => {
      if (err && !res.destroyed) res.destroy(err);
    });
  }

  /** The catch-all: whatever happens inside one request answers that request and nothing else. */
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpRefusal) {
        if (res.headersSent) return void res.destroy();
        sendError(res, err.error, err.close ? { connection: 'close' } : {});
        if (err.close) res.on('finish', () => req.socket.destroy());
        return;
      }
      log(`Chronicle host: ${req.method} ${(req.url ?? '').slice(0, 120)} failed: ${(err as Error)?.stack ?? String(err)}`);
      if (res.headersSent) return void res.destroy();
      sendError(res, { code: 'internal', message: 'Something went wrong while answering this request; the problem was logged.' });
    });
  };
  const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : http.createServer(onRequest);
  // Malformed HTTP (bad request line, oversized headers): answer 400 and close, as Node does, but never throw.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, hostname, () => {
      port = (server.address() as { port: number }).port;
      const shownHost = hostname.includes(':') ? `[${hostname}]` : hostname;
      resolve({
        url: `${options.tls ? 'https' : 'http'}://${shownHost}:${port}/?token=${token}`,
        port,
        token,
        close: () =>
          new Promise<void>((done) => {
            for (const s of streams) s.res.end();
            void backend.close();
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

export const newSessionId = () => randomUUID();
