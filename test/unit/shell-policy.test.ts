import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isTrustedFrameUrl, secureWebPreferences } from '../../main/shell/policy.ts';

const rendererIndexUrl = 'file:///opt/chronicle/out/renderer/index.html';

describe('which frames may call the contract', () => {
  const trusted = (url: string, isTopFrame = true, devUrl?: string) => isTrustedFrameUrl(url, { isTopFrame, rendererIndexUrl, devUrl });

  it('accepts our own page, whatever its route', () => {
    expect(trusted(rendererIndexUrl)).toBe(true);
    expect(trusted(`${rendererIndexUrl}#/boards/123?card=9`)).toBe(true);
  });

  it('refuses iframes, other files, lookalike paths and the web', () => {
    expect(trusted(rendererIndexUrl, false)).toBe(false);
    expect(trusted('file:///opt/chronicle/out/renderer/index.html.evil.html')).toBe(false);
    expect(trusted('file:///opt/chronicle/out/renderer/index.htmlx')).toBe(false);
    expect(trusted('file:///tmp/index.html')).toBe(false);
    expect(trusted('https://example.com/opt/chronicle/out/renderer/index.html')).toBe(false);
    expect(trusted('not a url')).toBe(false);
  });

  it('in development accepts only the dev server origin', () => {
    expect(trusted('http://localhost:5173/#/', true, 'http://localhost:5173')).toBe(true);
    expect(trusted('http://localhost:5174/', true, 'http://localhost:5173')).toBe(false);
    expect(trusted('http://localhost:5173.evil.test/', true, 'http://localhost:5173')).toBe(false);
  });
});

it('every window is isolated and sandboxed with no Node in the page', () => {
  const prefs = secureWebPreferences('/x/preload.cjs');
  expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false, allowRunningInsecureContent: false });
});

it('the page carries a strict Content-Security-Policy', () => {
  const html = fs.readFileSync('renderer/index.html', 'utf8');
  const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('unsafe-eval');
  expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
});
