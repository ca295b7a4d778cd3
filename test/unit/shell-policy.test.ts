import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../main/csp.ts';
import { appFileFor, appResponse, appSchemePrivileges } from '../../main/shell/app-protocol.ts';
import { APP_PAGE_URL, devRendererUrl, isTrustedFrameUrl, permissionAllowed, secureWebPreferences } from '../../main/shell/policy.ts';
import { tempDir } from '../support/workspace.ts';

describe('which frames may call the contract', () => {
  const trusted = (url: string, isTopFrame = true, devUrl?: string) => isTrustedFrameUrl(url, { isTopFrame, devUrl });

  it('accepts our own page on app://, whatever its route', () => {
    expect(APP_PAGE_URL).toBe('app://chronicle/index.html');
    expect(trusted(APP_PAGE_URL)).toBe(true);
    expect(trusted(`${APP_PAGE_URL}#/boards/123?card=9`)).toBe(true);
  });

  it('refuses iframes, other files, lookalike paths and hosts, file:// and the web', () => {
    expect(trusted(APP_PAGE_URL, false)).toBe(false);
    expect(trusted('app://chronicle/index.html.evil.html')).toBe(false);
    expect(trusted('app://chronicle/assets/index.html')).toBe(false);
    expect(trusted('app://chronicle.evil/index.html')).toBe(false);
    expect(trusted('app://evil/index.html')).toBe(false);
    expect(trusted('file:///opt/chronicle/out/renderer/index.html')).toBe(false);
    expect(trusted('https://chronicle/index.html')).toBe(false);
    expect(trusted('not a url')).toBe(false);
  });

  it('in development accepts only the dev server origin', () => {
    expect(trusted('http://localhost:5173/#/', true, 'http://localhost:5173')).toBe(true);
    expect(trusted('http://localhost:5174/', true, 'http://localhost:5173')).toBe(false);
    expect(trusted('http://localhost:5173.evil.test/', true, 'http://localhost:5173')).toBe(false);
    expect(trusted(APP_PAGE_URL, true, 'http://localhost:5173')).toBe(false);
  });
});

describe('ELECTRON_RENDERER_URL', () => {
  it('is honoured only when the app is not packaged, and only for a dev server on this machine', () => {
    expect(devRendererUrl({ isPackaged: false, envUrl: 'http://localhost:5173' })).toBe('http://localhost:5173/');
    expect(devRendererUrl({ isPackaged: false, envUrl: 'http://127.0.0.1:5173/' })).toBe('http://127.0.0.1:5173/');
    expect(devRendererUrl({ isPackaged: true, envUrl: 'http://localhost:5173' })).toBeUndefined();
    expect(devRendererUrl({ isPackaged: false, envUrl: 'https://evil.example/' })).toBeUndefined();
    expect(devRendererUrl({ isPackaged: false, envUrl: 'http://192.168.1.9:5173/' })).toBeUndefined();
    expect(devRendererUrl({ isPackaged: false, envUrl: 'file:///tmp/x.html' })).toBeUndefined();
    expect(devRendererUrl({ isPackaged: false, envUrl: 'nonsense' })).toBeUndefined();
    expect(devRendererUrl({ isPackaged: false, envUrl: undefined })).toBeUndefined();
  });
});

describe('the app:// scheme', () => {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Chronicle</title>');
  fs.writeFileSync(path.join(dir, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(path.dirname(dir), 'outside-secret.txt'), 'secret');

  it('is registered standard and secure, without CSP bypass or service workers', () => {
    expect(appSchemePrivileges).toMatchObject({ scheme: 'app', privileges: { standard: true, secure: true, bypassCSP: false, allowServiceWorkers: false } });
  });

  it('serves the page with the CSP, and its assets', async () => {
    const page = await appResponse(new Request(APP_PAGE_URL), dir);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(contentSecurityPolicy);
    expect(await page.text()).toContain('<title>Chronicle</title>');
    const js = await appResponse(new Request('app://chronicle/assets/app.js'), dir);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await appResponse(new Request('app://chronicle/'), dir)).status).toBe(200);
  });

  it('refuses traversal, other hosts, bad encoding, missing files and writes', async () => {
    for (const url of ['app://chronicle/../outside-secret.txt', 'app://chronicle/%2e%2e/outside-secret.txt', 'app://chronicle/..%2Foutside-secret.txt', 'app://other/index.html', 'app://chronicle/%c0%ae', 'app://chronicle/nope.js', 'app://chronicle/assets']) {
      const res = await appResponse(new Request(url), dir);
      expect(res.status, url).toBe(404);
    }
    expect(appFileFor('app://chronicle/..%2F..%2Fetc%2Fpasswd', dir)).toBeNull();
    expect((await appResponse(new Request(APP_PAGE_URL, { method: 'POST', body: 'x' }), dir)).status).toBe(405);
  });
});

it('every permission is denied, by the request and the check handler alike', () => {
  for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen']) expect(permissionAllowed(p)).toBe(false);
});

it('every window is isolated and sandboxed with no Node in the page', () => {
  const prefs = secureWebPreferences('/x/preload.cjs');
  expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false, allowRunningInsecureContent: false, disableBlinkFeatures: 'Auxclick' });
});

it('the page carries a strict Content-Security-Policy, the same as the app:// and host headers', () => {
  const html = fs.readFileSync('renderer/index.html', 'utf8');
  const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("style-src 'self';");
  expect(csp).not.toContain('unsafe-eval');
  expect(csp).not.toContain('unsafe-inline');
  // The meta tag cannot carry frame-ancestors; every other directive matches the header.
  expect(csp).toBe(contentSecurityPolicy.replace("; frame-ancestors 'none'", ''));
});
