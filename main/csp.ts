// The Content-Security-Policy of the console, for the Electron window (app:// responses) and the browser host.
// The page loads only its own scripts and styles and talks only to its own origin. No 'unsafe-inline' for
// styles: the build emits stylesheets only, and React's `style` props set CSSOM properties, which CSP allows
// (test/e2e/security.spec.ts visits every page with a violation listener). renderer/index.html carries the same
// policy in a meta tag.
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
