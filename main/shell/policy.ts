// The Electron window's security policy, kept free of `electron` imports so it is unit-tested under Node.

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
  } as const;
}

/**
 * Whether a frame may call the contract: only the top frame showing our own page (the built index.html, or the
 * dev server's origin in development). Query and hash are ignored; anything else — another file, a lookalike
 * path, an iframe, a page navigated elsewhere — is refused.
 */
export function isTrustedFrameUrl(url: string, opts: { isTopFrame: boolean; rendererIndexUrl: string; devUrl?: string }): boolean {
  if (!opts.isTopFrame) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (opts.devUrl) return parsed.origin === new URL(opts.devUrl).origin;
  const expected = new URL(opts.rendererIndexUrl);
  return parsed.protocol === 'file:' && parsed.pathname === expected.pathname && parsed.host === expected.host;
}
