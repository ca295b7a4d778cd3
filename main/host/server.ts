// The browser host: the built renderer and the contract over HTTP on 127.0.0.1, behind a token.
// POST /api/<method> runs a method; GET /api/events streams push topics (Server-Sent Events).
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { ErrorBody } from '../../preload/contract.ts';
import type { App } from '../app.ts';
import { invoke, type SessionSlot } from '../rpc.ts';

export interface HostOptions {
  app: App;
  port?: number;
  token?: string;
  /** The built renderer (out/renderer). Without it only the API is served. */
  staticDir?: string;
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
};

// The page loads only its own scripts and talks only to its own origin.
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const mime: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.woff2': 'font/woff2',
};

const MAX_BODY = 1024 * 1024;

export function startHost(options: HostOptions): Promise<Host> {
  const { app } = options;
  const token = options.token ?? randomBytes(24).toString('base64url');
  const tokenBuf = Buffer.from(token);
  const slots = new Map<string, SessionSlot>();
  const streams = new Set<{ res: http.ServerResponse; slot: SessionSlot }>();
  let port = 0;

  const slotFor = async (id: string | undefined): Promise<SessionSlot> => {
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

  const tokenMatches = (candidate: string | undefined | null) => {
    if (!candidate) return false;
    const buf = Buffer.from(candidate);
    return buf.length === tokenBuf.length && timingSafeEqual(buf, tokenBuf);
  };

  const cookieToken = (req: http.IncomingMessage) =>
    /(?:^|;\s*)chronicle_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];

  const sendJson = (res: http.ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(text);
  };
  const sendError = (res: http.ServerResponse, error: ErrorBody) => sendJson(res, statusOf[error.code] ?? 500, { error });

  const unsubscribe = app.push.subscribe((accountId, topic, payload) => {
    const frame = `event: ${topic}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const s of streams) if (s.slot.session?.accountId === accountId) s.res.write(frame);
  });

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // Refuse other Host names: a page on another origin that rebinds its DNS to 127.0.0.1 gets nothing.
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      return sendError(res, { code: 'forbidden', message: 'Unexpected Host header.' });
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const queryToken = url.searchParams.get('token');

    if (url.pathname.startsWith('/api/')) {
      // The event stream cannot send headers (EventSource), so it may use the query or the page's cookie.
      const authed = tokenMatches(bearer) || (url.pathname === '/api/events' && (tokenMatches(queryToken) || tokenMatches(cookieToken(req))));
      if (!authed) return sendError(res, { code: 'unauthorized', message: 'A valid token is required (Authorization: Bearer <token>).' });
      if (url.pathname === '/api/events' && req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        res.write(': connected\n\n');
        // The stream follows its connection's session slot (a switch of account changes what it receives).
        const entry = { res, slot: { session: null } as SessionSlot };
        streams.add(entry);
        slotFor(url.searchParams.get('session') ?? undefined).then((s) => (entry.slot = s), () => {});
        const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
        req.on('close', () => {
          clearInterval(ping);
          streams.delete(entry);
        });
        return;
      }
      if (req.method !== 'POST') return sendError(res, { code: 'not_found', message: 'Methods are called with POST /api/<method>.' });
      const method = decodeURIComponent(url.pathname.slice('/api/'.length));
      const slotId = (req.headers['x-chronicle-session'] as string | undefined) ?? undefined;
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) tooLarge = true;
        else chunks.push(c);
      });
      req.on('end', async () => {
        if (tooLarge) return sendError(res, { code: 'payload_too_large', message: 'The request body is larger than 1 MiB.' });
        let input: unknown = {};
        const text = Buffer.concat(chunks).toString('utf8').trim();
        if (text) {
          try {
            input = JSON.parse(text);
          } catch {
            return sendError(res, { code: 'invalid_input', message: 'The request body is not valid JSON.' });
          }
        }
        const result = await slotFor(slotId).then((slot) => invoke(app, slot, method, input));
        if (result.ok) sendJson(res, 200, result.result);
        else sendError(res, result.error);
      });
      return;
    }

    // Static files: the page itself needs the token too. `/?token=T` sets an HttpOnly cookie for its assets.
    const authed = tokenMatches(queryToken) || tokenMatches(cookieToken(req)) || tokenMatches(bearer);
    if (!authed) {
      res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' });
      return res.end('Unauthorized: open the full URL printed by `chronicle serve` (it carries ?token=…).');
    }
    if (!options.staticDir) return sendError(res, { code: 'not_found', message: 'No renderer build is being served.' });
    const root = path.resolve(options.staticDir);
    let file = path.resolve(root, '.' + decodeURIComponent(url.pathname));
    if (!file.startsWith(root + path.sep) && file !== root) return sendError(res, { code: 'not_found', message: 'Not found.' });
    if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(root, 'index.html'); // client-side routes
    const headers: Record<string, string> = {
      'content-type': mime[path.extname(file)] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    };
    if (file.endsWith('.html')) {
      headers['content-security-policy'] = contentSecurityPolicy;
      headers['x-frame-options'] = 'DENY';
      if (tokenMatches(queryToken)) headers['set-cookie'] = `chronicle_token=${token}; HttpOnly; SameSite=Strict; Path=/`;
    }
    res.writeHead(200, headers);
    fs.createReadStream(file).pipe(res);
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      port = (server.address() as { port: number }).port;
      resolve({
        url: `http://127.0.0.1:${port}/?token=${token}`,
        port,
        token,
        close: () =>
          new Promise<void>((done) => {
            unsubscribe();
            for (const s of streams) s.res.end();
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

export const newSessionId = () => randomUUID();
