// The Electron window's security policy, kept free of `electron` imports so it is unit-tested under Node.

/** The renderer is served from this privileged custom scheme (main/shell/app-protocol.ts), never file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'chronicle';
export const APP_PAGE_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** webPreferences for every window: isolated, sandboxed, no Node in the page, no webviews. */
export function secureWebPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    // Middle-click must not open links in new windows (they are denied anyway by setWindowOpenHandler).
    disableBlinkFeatures: 'Auxclick',
  } as const;
}

/**
 * The dev server's URL (`ELECTRON_RENDERER_URL`, set by `electron-vite dev`), honoured only in an unpackaged
 * app and only on this machine: a packaged build trusts no origin from its environment, so an environment
 * variable cannot point the window — and the IPC trust that comes with it — at another page.
 */
export function devRendererUrl(opts: { isPackaged: boolean; envUrl: string | undefined }): string | undefined {
  if (opts.isPackaged || !opts.envUrl) return undefined;
  let url: URL;
  try {
    url = new URL(opts.envUrl);
  } catch {
    return undefined;
  }
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  return url.protocol === 'http:' && local ? url.href : undefined;
}

/**
 * Whether a frame may call the contract: only the top frame showing our own page (app://chronicle/index.html,
 * or the dev server's origin in development). Query and hash are ignored; anything else — another file, a
 * lookalike path, another host of the scheme, an iframe, a page navigated elsewhere — is refused.
 */
export function isTrustedFrameUrl(url: string, opts: { isTopFrame: boolean; devUrl?: string }): boolean {
  if (!opts.isTopFrame) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (opts.devUrl) return parsed.origin === new URL(opts.devUrl).origin;
  const expected = new URL(APP_PAGE_URL);
  return parsed.protocol === expected.protocol && parsed.host === expected.host && parsed.pathname === expected.pathname;
}

/** Permissions the console needs: none. Both the request handler and the check handler answer with this. */
export function permissionAllowed(_permission: string): boolean {
  return false;
}
