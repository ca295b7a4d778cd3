// The app:// scheme that serves the built renderer to the Electron window (instead of file://, which gives a
// page access to every file URL and the file-protocol privileges). Kept free of `electron` imports: the
// handler is a plain Request → Response function, unit-tested under Node; main/index.ts registers it with
// `protocol.handle`.
import fs from 'node:fs/promises';
import path from 'node:path';
import { contentSecurityPolicy } from '../csp.ts';
import { APP_HOST, APP_SCHEME } from './policy.ts';

/** Registered before the app is ready (`protocol.registerSchemesAsPrivileged`). */
export const appSchemePrivileges = {
  scheme: APP_SCHEME,
  // standard: a real origin (app://chronicle) with relative URLs; secure: a secure context like https.
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false, stream: false, bypassCSP: false, allowServiceWorkers: false },
} as const;

const mime: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.woff2': 'font/woff2',
};

const notFound = () => new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });

/** The file under `rendererDir` that an app:// URL names, or null (other host, traversal, bad encoding). */
export function appFileFor(url: string, rendererDir: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, '.' + (pathname === '/' ? '/index.html' : pathname));
  return file.startsWith(root + path.sep) ? file : null;
}

/** Answer one app:// request from the built renderer: GET only, files only, the CSP on every page. */
export async function appResponse(request: Request, rendererDir: string): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return new Response('Method not allowed', { status: 405 });
  const file = appFileFor(request.url, rendererDir);
  if (!file) return notFound();
  let body: Buffer;
  try {
    body = await fs.readFile(file);
  } catch {
    return notFound(); // missing, or a directory
  }
  const headers: Record<string, string> = {
    'content-type': mime[path.extname(file)] ?? 'application/octet-stream',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-cache',
  };
  if (file.endsWith('.html')) headers['content-security-policy'] = contentSecurityPolicy;
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
}
