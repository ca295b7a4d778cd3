// The browser host's token: taken from the URL once, gone from the address bar, kept for the tab, sent only
// in the Authorization header; no cookie ever; a page on another port of 127.0.0.1 gets nothing.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from './fixtures.ts';

test('the token leaves the address bar after load, stays for the tab, and travels only in the Authorization header', async ({ page, server, context }) => {
  const apiRequests: { url: string; authorization?: string; cookie?: string }[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/api/')) apiRequests.push({ url: r.url(), authorization: r.headers()['authorization'], cookie: r.headers()['cookie'] });
  });
  await page.goto(`${server.url}#/boards`);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page).toHaveURL(`${server.base}/#/boards`);
  expect(page.url()).not.toContain(server.token);
  // Replaced, not pushed: Back leads to the page before (about:blank), never to the URL with the token.
  await page.goBack();
  expect(page.url()).not.toContain(server.token);
  await page.goForward();
  expect(await page.evaluate(() => sessionStorage.getItem('chronicle.token'))).toBe(server.token);

  // A reload (the token is no longer in the URL) still works: the tab kept it.
  await page.reload();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Boards' }).first()).toBeVisible();

  expect(await context.cookies()).toEqual([]);
  expect(await page.evaluate(() => document.cookie)).toBe('');
  expect(apiRequests.length).toBeGreaterThan(2);
  for (const r of apiRequests) {
    expect(r.url).not.toContain(server.token);
    expect(r.authorization).toBe(`Bearer ${server.token}`);
    expect(r.cookie).toBeUndefined();
  }
  // The live event stream is among them (a streaming fetch with the same header).
  expect(apiRequests.some((r) => r.url.endsWith('/api/events'))).toBe(true);
});

test('the page without its token asks for one (test/e2e/hub-login.spec.ts signs in with it)', async ({ page, server }) => {
  const res = await page.goto(server.base + '/');
  expect(res?.status()).toBe(200);
  expect(res?.headers()['set-cookie']).toBeUndefined();
  await expect(page.getByRole('heading', { name: 'Sign in to Chronicle' })).toBeVisible();
  await expect(page.getByLabel('Access token')).toHaveAttribute('type', 'password');
});

test('a page on another port of 127.0.0.1 gets nothing, and cannot stop the host', async ({ page, server, context }) => {
  // Open the console first, as a person would, so any cookie the host set would now be in the browser.
  await page.goto(server.url);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();

  const hostile = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><title>hostile</title>
      <img src="${server.base}/%c0%ae"><img src="${server.base}/api/x%E0%A4%A">
      <script>
        window.results = {};
        const base = ${JSON.stringify(server.base)};
        const tryRead = (name, p) => p.then(async (r) => (window.results[name] = r.status + ' ' + (await r.text()).slice(0, 80)), (e) => (window.results[name] = 'blocked'));
        tryRead('session', fetch(base + '/api/session.get', { method: 'POST', credentials: 'include', body: '{}' }));
        tryRead('status', fetch(base + '/api/workspace.status', { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: '{}' }));
        const es = new EventSource(base + '/api/events', { withCredentials: true });
        es.onmessage = (e) => (window.results.events = e.data);
        es.onerror = () => (window.results.eventsError = es.readyState);
      </script>`);
  });
  await new Promise<void>((r) => hostile.listen(0, '127.0.0.1', r));
  const hostilePort = (hostile.address() as AddressInfo).port;
  const sent: { url: string; cookie?: string; authorization?: string }[] = [];
  const other = await context.newPage();
  other.on('request', async (r) => {
    if (!r.url().startsWith(server.base)) return;
    const headers = await r.allHeaders();
    sent.push({ url: r.url(), cookie: headers['cookie'], authorization: headers['authorization'] });
  });
  try {
    await other.goto(`http://127.0.0.1:${hostilePort}/`);
    await expect.poll(() => other.evaluate(() => Object.keys((window as any).results).length), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    const results = await other.evaluate(() => (window as any).results);
    expect(results.session).toBe('blocked'); // no CORS: nothing is readable across origins
    expect(results.status).toBe('blocked');
    expect(results.events).toBeUndefined();
    await expect.poll(() => sent.length, { timeout: 10_000 }).toBeGreaterThan(0);
    for (const r of sent) {
      expect(r.cookie, r.url).toBeUndefined();
      expect(r.authorization, r.url).toBeUndefined();
    }
    expect(await context.cookies()).toEqual([]);
    // The host is alive and the console still works.
    expect((await server.api('session.get')).user.name).toBeTruthy();
    await page.reload();
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  } finally {
    await other.close();
    await new Promise((r) => hostile.close(r));
  }
});

test('the strict CSP (no inline styles) blocks nothing on any page', async ({ page, server }) => {
  await page.addInitScript(() => {
    (window as any).__violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as any).__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber} ${e.sample}`),
    );
  });
  const consoleErrors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  const res = await page.goto(server.url);
  expect(res?.headers()['content-security-policy']).toContain("style-src 'self';");
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  const board = (await server.api('boards.list')).items.find((b: any) => !b.archived);
  const full = await server.api('boards.get', { boardId: board.id });
  const card = full.columns.flatMap((c: any) => c.cards ?? [])[0];
  const hashes = ['#/', '#/boards', `#/boards/${board.id}`, ...(card ? [`#/boards/${board.id}?card=${card.id}`, `#/audit/cards/${card.id}`] : []), '#/audit', '#/webhooks', '#/jobs', '#/reports?range=90', '#/tracking?range=30', '#/settings'];
  for (const hash of hashes) {
    await page.evaluate((h) => (location.hash = h), hash);
    await expect(page.locator('main')).toBeVisible();
    await page.waitForTimeout(400); // let the page's queries answer and render
  }
  // Charts draw and respond to hover (recharts positions its tooltip with style props: CSSOM, allowed).
  await page.evaluate(() => (location.hash = '#/reports?range=90'));
  await expect(page.locator('.recharts-surface').first()).toBeVisible();
  await page.locator('.recharts-bar-rectangle').nth(40).hover();
  await expect(page.locator('.recharts-tooltip-wrapper').first()).toContainText(/Card moves|Comments|Cards created|Card updates/);
  expect(await page.evaluate(() => (window as any).__violations)).toEqual([]);
  expect(consoleErrors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
});
