// The hub's door: `chronicle serve --listen` beyond loopback only over TLS (a throwaway certificate made with
// openssl here) or behind a TLS proxy, and the throttle keyed by the proxy's client address only then. Real
// processes (`node main/bin/chronicle.mjs serve`) and a real host in-process for the log lines.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../main/app.ts';
import { startHost } from '../../main/host/server.ts';
import { clientAddress, isLoopback, listenRefusal, parseListen } from '../../main/host/listen.ts';
import { serveChronicle, stopChild } from '../support/cli.ts';
import { throwawayCertificate } from '../support/tls.ts';
import { openTestApp, tempDir, tempLocation } from '../support/workspace.ts';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'main/bin/chronicle.mjs');
const built = fs.existsSync(path.join(root, 'out/renderer/index.html'));

const children: ChildProcess[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map(stopChild));
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `chronicle serve …`; resolves with its printed URL once it listens. */
const serve = (args: string[]) => serveChronicle(args, children);

describe('where the host may listen', () => {
  it('parses HOST:PORT, [v6]:PORT and a bare port; loopback is 127/8, ::1 and localhost', () => {
    expect(parseListen('0.0.0.0:8443')).toEqual({ host: '0.0.0.0', port: 8443 });
    expect(parseListen('[::]:8443')).toEqual({ host: '::', port: 8443 });
    expect(parseListen('9000')).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(() => parseListen('hub.example.com')).toThrow(/--listen must be HOST:PORT/);
    expect(() => parseListen('0.0.0.0:70000')).toThrow(/between 0 and 65535/);
    for (const h of ['127.0.0.1', '127.3.4.5', '::1', 'localhost']) expect(isLoopback(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', 'hub.example.com']) expect(isLoopback(h)).toBe(false);
    expect(listenRefusal({ host: '127.0.0.1', port: 0 }, { tls: false, behindProxy: false })).toBeNull();
    expect(listenRefusal({ host: '0.0.0.0', port: 8443 }, { tls: true, behindProxy: false })).toBeNull();
    expect(listenRefusal({ host: '0.0.0.0', port: 8443 }, { tls: false, behindProxy: true })).toBeNull();
    expect(listenRefusal({ host: '0.0.0.0', port: 8443 }, { tls: false, behindProxy: false })).toMatch(/will not listen on 0\.0\.0\.0:8443 without TLS/);
  });

  it('the client address comes from X-Forwarded-For (its last entry) only behind a proxy', () => {
    expect(clientAddress('10.0.0.2', '198.51.100.1, 203.0.113.7', true)).toBe('203.0.113.7');
    expect(clientAddress('10.0.0.2', '203.0.113.7', false)).toBe('10.0.0.2');
    expect(clientAddress('10.0.0.2', 'not-an-address', true)).toBe('10.0.0.2');
    expect(clientAddress('::ffff:10.0.0.2', undefined, true)).toBe('::ffff:10.0.0.2');
  });
});

describe.skipIf(!built)('chronicle serve --listen', { timeout: 120_000 }, () => {
  it('refuses a non-loopback address without TLS or a proxy, with a sentence, and never listens', async () => {
    const location = await tempLocation();
    const r = await run(['serve', '--db', location, '--listen', '0.0.0.0:0']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Chronicle will not listen on 0.0.0.0:0 without TLS: tokens would cross the network in clear text.');
    const half = await run(['serve', '--db', location, '--listen', '0.0.0.0:0', '--tls-cert', '/nonexistent.pem']);
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('--tls-cert and --tls-key go together.');
  });

  it('over TLS with a throwaway certificate: https works with its CA, is refused without it, and plain http gets nothing', async () => {
    const tls = throwawayCertificate();
    const dir = tempDir('chronicle-door-');
    const location = await tempLocation();
    const s = await serve(['--db', location, '--data-dir', dir, '--demo', '--listen', '0.0.0.0:0', '--tls-cert', tls.cert, '--tls-key', tls.key]);
    expect(s.url.protocol).toBe('https:');
    const port = s.url.port;
    const token = s.url.searchParams.get('token')!;
    const trusted = new Agent({ connect: { ca: tls.pem } });
    const res = await undiciFetch(`https://127.0.0.1:${port}/api/session.get`, { method: 'POST', dispatcher: trusted, headers: { authorization: `Bearer ${token}` }, body: '{}' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: { name: string } }).user.name).toBeTruthy();
    // No CORS: nothing allows another origin to read answers.
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await undiciFetch(`https://127.0.0.1:${port}/api/session.get`, { method: 'OPTIONS', dispatcher: trusted, headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.status).toBe(401);
    // Without the CA the certificate is not trusted (verification is never switched off).
    const untrusted = await undiciFetch(`https://127.0.0.1:${port}/api/session.get`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{}' }).catch((e: Error) => e);
    expect(untrusted).toBeInstanceOf(Error);
    expect(String((untrusted as Error & { cause?: { code?: string } }).cause?.code)).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO/);
    // Plain HTTP on the TLS port gets no answer it could use.
    const plain = await fetch(`http://127.0.0.1:${port}/api/session.get`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{}' }).then((r) => r.status, () => 'failed');
    expect(plain === 'failed' || plain === 400).toBe(true);
    await trusted.close();
  });

  it('--behind-proxy: requests must say they came over https, and failed tokens are logged under the forwarded client', async () => {
    const dir = tempDir('chronicle-door-');
    const location = await tempLocation();
    const s = await serve(['--db', location, '--data-dir', dir, '--listen', '0.0.0.0:0', '--behind-proxy']);
    const port = s.url.port;
    const token = s.url.searchParams.get('token')!;
    const call = (headers: Record<string, string>) => fetch(`http://127.0.0.1:${port}/api/workspace.status`, { method: 'POST', headers, body: '{}' });
    const clear = await call({ authorization: `Bearer ${token}` });
    expect(clear.status).toBe(403);
    expect(((await clear.json()) as { error: { message: string } }).error.message).toContain('use its https:// address');
    expect((await call({ authorization: `Bearer ${token}`, 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.9' })).status).toBe(200);
    const wrong = await call({ authorization: 'Bearer wrong-token', 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.1, 203.0.113.7' });
    expect(wrong.status).toBe(401);
    await expect.poll(() => s.stderr(), { timeout: 5_000 }).toContain('from 203.0.113.7 without a valid token');
  });

  it('--behind-proxy on loopback (the proxy on the same machine) takes the public name the proxy forwards', async () => {
    const logs: string[] = [];
    const app = await openTestApp();
    const host = await startHost({ app, behindProxy: true, log: (l) => logs.push(l) });
    try {
      const call = (headers: Record<string, string>) => new Promise<number>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: host.port, path: '/api/workspace.status', method: 'POST', headers: { 'content-length': '2', ...headers } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end('{}');
      });
      const proxied = { host: 'hub.example.com', 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.4' };
      expect(await call({ ...proxied, authorization: `Bearer ${host.token}` })).toBe(200);
      expect(await call({ ...proxied, authorization: 'Bearer wrong-token' })).toBe(401);
      expect(logs.join('\n')).toContain('from 198.51.100.4 without a valid token');
    } finally {
      await host.close();
      await app.close();
    }
  });
});

describe('the throttle ignores X-Forwarded-For without --behind-proxy', () => {
  let app: App;
  beforeAll(async () => {
    app = await openTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('a refusal is logged under the socket address, whatever the header claims', async () => {
    const logs: string[] = [];
    const host = await startHost({ app, log: (l) => logs.push(l) });
    try {
      const res = await fetch(`http://127.0.0.1:${host.port}/api/session.get`, { method: 'POST', headers: { authorization: 'Bearer nope', 'x-forwarded-for': '203.0.113.7' }, body: '{}' });
      expect(res.status).toBe(401);
      expect(logs.join('\n')).toContain('from 127.0.0.1 without a valid token');
      expect(logs.join('\n')).not.toContain('203.0.113.7');
    } finally {
      await host.close();
    }
  });

  it('startHost itself refuses a non-loopback address without TLS or a proxy', () => {
    expect(() => startHost({ app, hostname: '0.0.0.0' })).toThrow(/will not listen on 0\.0\.0\.0:0 without TLS/);
  });
});
