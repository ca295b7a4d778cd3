// A real browser session on `chronicle serve --demo`: page views and tracked clicks are recorded through the
// batching tracker; the reports, tracking and settings pages render; the inbox shows a live unread count.
import fs from 'node:fs';
import { expect, startServer, test } from './fixtures.ts';

const shots = process.env.CHRONICLE_SHOTS; // a folder to keep screenshots in (looked at by hand)
const shot = async (page: import('@playwright/test').Page, name: string) => {
  if (!shots) return;
  fs.mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
};
const today = () => new Date().toISOString().slice(0, 10);

test('page views and tracked clicks of a real session are recorded', async ({ page, server }) => {
  // The server is shared by the run's specs: count this session's events from what is there already.
  const views = async () => (await server.api('tracking.explore', { from: today(), to: today(), eventType: 'page_view' })).topRoutes as { url: string; count: number }[];
  const viewsOf = (list: { url: string; count: number }[], url: string) => list.find((r) => r.url === url)?.count ?? 0;
  const rangeClicks = () => server.api('tracking.explore', { from: today(), to: today(), metaKey: 'element', metaValue: 'reports.range' });
  const before = await views();
  const clicksBefore = (await rangeClicks()).total;
  await page.goto(server.url);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).click();
  await expect(page.getByRole('heading', { name: 'Reports' })).toBeVisible();
  await page.getByRole('button', { name: '7 days' }).click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Boards' }).click();
  // The batch goes out within 2 s.
  await expect.poll(async () => viewsOf(await views(), '/boards'), { timeout: 8000 }).toBe(viewsOf(before, '/boards') + 1);
  const after = await views();
  for (const url of ['/', '/reports']) expect(viewsOf(after, url), url).toBe(viewsOf(before, url) + 1);
  // A new filter is not a new route: `/reports?range=7` is still `/reports`, viewed once.
  expect(after.some((r) => r.url.includes('?'))).toBe(false);
  const clicks = await rangeClicks();
  expect(clicks.total).toBe(clicksBefore + 1);
  expect(clicks.byType).toEqual([{ eventType: 'button_click', count: clicksBefore + 1 }]);
  const db = await import('better-sqlite3');
  const sqlite = new db.default(server.dbFile, { readonly: true });
  const row = sqlite.prepare("SELECT referrer FROM tracking_events WHERE url = '/boards' AND event_type = 1 ORDER BY created_at DESC LIMIT 1").get() as { referrer: string };
  sqlite.close();
  expect(row.referrer).toBe('/reports');
});

// The two tests below count page views by route: each has a server of its own, so pages other spec files opened
// on the shared one (the top routes are capped at ten) cannot move their figures.
test('routes are recorded by pattern, not per id or query, and shown whole', async ({ page }) => {
  const server = await startServer();
  try {
  const boards = (await server.api('boards.list', {})).items;
  const boardViews = async () => (await server.api('tracking.explore', { from: today(), to: today(), eventType: 'page_view' })).topRoutes.find((r: any) => r.url === '/boards/:boardId')?.count ?? 0;
  const before = await boardViews();
  await page.goto(`${server.url}#/boards/${boards[0].id}`);
  await expect(page.getByTestId('card').first()).toBeVisible();
  await page.goto(`${server.url}#/boards/${boards[1].id}?card=${boards[1].id}`);
  // The page must have started (and counted its view) before the next navigation unloads it.
  await expect(page.getByRole('heading', { level: 1 }).first()).toBeVisible();
  await page.goto(`${server.url}#/audit?tab=integrity&person=x`);
  await expect(page.getByRole('button', { name: 'Verify the chain' })).toBeVisible();
  await page.goto(`${server.url}#/webhooks/deliveries/019a0000-0000-7000-8000-000000000001`);
  await expect(page.getByText('This delivery could not be loaded')).toBeVisible();
  await page.goto(`${server.url}#/tracking?range=7&type=page_view`);
  await expect
    .poll(async () => (await server.api('tracking.explore', { from: today(), to: today(), eventType: 'page_view' })).topRoutes.map((r: any) => r.url), { timeout: 8000 })
    .toEqual(expect.arrayContaining(['/boards/:boardId', '/audit', '/webhooks/deliveries/:id']));
  const routes = (await server.api('tracking.explore', { from: today(), to: today(), eventType: 'page_view' })).topRoutes;
  expect(routes.filter((r: any) => /[0-9a-f]{8}-|\?/.test(r.url))).toEqual([]);
  // Two boards, two views of one route.
  await expect.poll(boardViews).toBe(before + 2);
  // The explorer shows each route whole (wrapped, not cut off with an ellipsis).
  await page.reload();
  const cell = page.locator('section').filter({ has: page.getByRole('heading', { name: 'Top routes' }) }).getByText('/webhooks/deliveries/:id', { exact: true });
  await expect(cell).toBeVisible();
  expect(await cell.evaluate((el) => el.scrollWidth <= el.clientWidth + 1 && getComputedStyle(el).textOverflow !== 'ellipsis')).toBe(true);
  } finally {
    await server.stop();
  }
});

test('events still queued when the page goes away are sent with a keepalive request', async ({ page }) => {
  const server = await startServer();
  try {
  const routes = async () => (await server.api('tracking.explore', { from: today(), to: today(), eventType: 'page_view' })).topRoutes as { url: string; count: number }[];
  const homeViews = async () => (await routes()).find((r) => r.url === '/')?.count ?? 0;
  const before = await homeViews();
  await page.goto(server.url);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  // The first page view has been flushed, so the next batch starts afresh.
  await expect.poll(homeViews, { timeout: 8000 }).toBe(before + 1);
  await page.evaluate(() => (location.hash = '#/settings'));
  await expect(page.getByRole('heading', { level: 1 }).first()).toHaveText(/Settings/);
  await page.evaluate(() => (location.hash = '#/tracking?range=90'));
  // The view is queued once the page has rendered; close at once, well within the 2 s batch window: only the
  // close-time flush can send it.
  await expect(page.getByRole('heading', { level: 1 }).first()).toHaveText(/Tracking/);
  // The view is queued by an effect that runs after the page has rendered: let the page's pending tasks run.
  await page.evaluate(() => new Promise((done) => setTimeout(done, 50)));
  await page.close({ runBeforeUnload: true });
  await expect.poll(async () => (await routes()).map((r) => r.url), { timeout: 8000 }).toEqual(expect.arrayContaining(['/settings', '/tracking']));
  } finally {
    await server.stop();
  }
});

test('views seen before the tracking setting is known are sent when the page goes away', async ({ page }) => {
  const server = await startServer();
  try {
  // The setting's answer has not come back when the page closes (a page closed right after it opened).
  await page.route('**/api/settings.get', () => {});
  await page.goto(`${server.url}#/tracking?range=30`);
  await expect(page.getByRole('heading', { level: 1 }).first()).toHaveText(/Tracking/);
  await page.evaluate(() => new Promise((done) => setTimeout(done, 50)));
  await page.close({ runBeforeUnload: true });
  const routes = async () => (await server.api('tracking.explore', { from: today(), to: today(), eventType: 'page_view' })).topRoutes as { url: string }[];
  await expect.poll(async () => (await routes()).map((r) => r.url), { timeout: 8000 }).toContain('/tracking');
  } finally {
    await server.stop();
  }
});

test('the reports page shows the figures of reports.summary, with charts, and exports CSV', async ({ page, server }) => {
  await page.goto(`${server.url}#/reports?range=90`);
  const from = new Date(Date.now() - 89 * 86_400_000).toISOString().slice(0, 10);
  const summary = await server.api('reports.summary', { from, to: today() });
  await expect(page.getByTestId('count-card_moved')).toHaveText(summary.counts.card_moved.toLocaleString('en'));
  await expect(page.locator('#daily-title')).toBeVisible();
  await expect(page.locator('.recharts-surface').first()).toBeVisible();
  // Hover a bar: the tooltip shows the day's figures.
  const bar = page.locator('.recharts-bar-rectangle').nth(40);
  await bar.hover();
  await expect(page.locator('.recharts-tooltip-wrapper').first()).toContainText(/Card moves|Comments|Cards created|Card updates/);
  await shot(page, 'reports');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export “Events by type” as CSV' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^chronicle-counts-.*\.csv$/);
  const text = fs.readFileSync(await file.path(), 'utf8');
  expect(text).toContain(`card_moved,${summary.counts.card_moved}`);
});

/** Export a chart card as PNG and read the image back in the page: its size and how many pixels of each colour. */
async function exportPng(page: import('@playwright/test').Page, title: string, colours: string[]) {
  const card = page.locator('section').filter({ has: page.getByRole('heading', { name: title, exact: true }) });
  const wrapper = (await card.locator('.recharts-wrapper').boundingBox())!;
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: `Export “${title}” as PNG` }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/\.png$/);
  const bytes = fs.readFileSync(await file.path());
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  const read = await page.evaluate(async ({ b64, colours }) => {
    // (The page's CSP allows no fetch of a data: URL: decode the bytes by hand.)
    const blob = new Blob([Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0))], { type: 'image/png' });
    const bmp = await createImageBitmap(blob);
    const c = new OffscreenCanvas(bmp.width, bmp.height);
    const g = c.getContext('2d')!;
    g.drawImage(bmp, 0, 0);
    const data = g.getImageData(0, 0, bmp.width, bmp.height).data;
    const rgb = colours.map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
    const counts = rgb.map(() => 0);
    let lowerHalfInk = 0;
    const bg = [data[0], data[1], data[2]];
    for (let p = 0; p < data.length; p += 4) {
      rgb.forEach((c, i) => {
        if (Math.abs(data[p] - c[0]) < 8 && Math.abs(data[p + 1] - c[1]) < 8 && Math.abs(data[p + 2] - c[2]) < 8) counts[i]++;
      });
      const y = Math.floor(p / 4 / bmp.width);
      if (y > bmp.height * 0.85 && Math.abs(data[p] - bg[0]) + Math.abs(data[p + 1] - bg[1]) + Math.abs(data[p + 2] - bg[2]) > 60) lowerHalfInk++;
    }
    return { width: bmp.width, height: bmp.height, counts, bottomInk: lowerHalfInk };
  }, { b64: bytes.toString('base64'), colours });
  return { ...read, wrapper };
}

test('PNG export draws every chart whole, legend included', async ({ page, server }) => {
  // A receiver that answers, so the webhook chart has deliveries to draw.
  const http = await import('node:http');
  const rx = http.createServer((_req, res) => res.writeHead(200).end('ok'));
  await new Promise<void>((r) => rx.listen(0, '127.0.0.1', r));
  try {
    const port = (rx.address() as import('node:net').AddressInfo).port;
    const ep = await server.api('webhooks.endpoints.create', { url: `http://127.0.0.1:${port}/png`, eventTypes: ['*'], networkScope: 'loopback' });
    for (let i = 0; i < 3; i++) await server.api('webhooks.endpoints.sendTest', { endpointId: ep.id });
    await expect.poll(async () => (await server.api('webhooks.deliveries.list', { endpointId: ep.id, status: ['delivered'] })).items.length, { timeout: 20_000 }).toBe(3);
    await page.goto(`${server.url}#/reports?range=90`);
    await expect(page.locator('#daily-title')).toBeVisible();
    const types = ['#6366f1', '#0ea5e9', '#f59e0b', '#10b981', '#64748b'];
    const charts: [string, string[]][] = [
      ['Daily activity', types],
      ['Most active boards', ['#6366f1']],
      ['Webhook deliveries per day', ['#10b981', '#6366f1']],
    ];
    for (const [title, colours] of charts) {
      await expect(page.getByRole('button', { name: `Export “${title}” as PNG` })).toBeVisible();
      const png = await exportPng(page, title, colours);
      // The whole chart at 2×: not a 28×28 legend swatch.
      expect(Math.abs(png.width - Math.ceil(png.wrapper.width * 2)), `${title} width`).toBeLessThanOrEqual(2);
      expect(Math.abs(png.height - Math.ceil(png.wrapper.height * 2)), `${title} height`).toBeLessThanOrEqual(2);
      expect(png.width, title).toBeGreaterThan(400);
      png.counts.forEach((n, i) => expect(n, `${title}: pixels of ${colours[i]}`).toBeGreaterThan(20));
    }
    // The daily chart's legend (drawn below the bars) is in the image too.
    const daily = await exportPng(page, 'Daily activity', types);
    expect(daily.bottomInk).toBeGreaterThan(200);
    await page.goto(`${server.url}#/tracking?range=7`);
    await expect(page.getByRole('heading', { name: 'Tracking', exact: true })).toBeVisible();
    const tracking = await exportPng(page, 'Events over time', ['#6366f1']);
    expect(tracking.width).toBeGreaterThan(400);
  } finally {
    rx.close();
  }
});

test('tracking explorer, settings and inbox render', async ({ page, server }) => {
  await page.goto(`${server.url}#/tracking?range=7`);
  await expect(page.getByRole('heading', { name: 'Tracking', exact: true })).toBeVisible();
  await expect(page.getByText('Top routes')).toBeVisible();
  await shot(page, 'tracking');
  await page.goto(`${server.url}#/settings`);
  await expect(page.getByTestId('db-file')).toHaveText(server.dbFile);
  await expect(page.getByRole('switch', { name: 'Record usage tracking' })).toHaveAttribute('aria-checked', 'true');
  await shot(page, 'settings');
  await page.getByRole('button', { name: /^Notifications/ }).click();
  await expect(page.getByRole('dialog', { name: 'Notifications' })).toBeVisible();
  await shot(page, 'inbox');
});

test('the inbox count is live: mark all read, then a comment by someone else arrives without a reload', async ({ page, server }) => {
  // The job runner first works off the notification jobs the demo seed enqueued.
  const db = await import('better-sqlite3');
  const pending = () => {
    const sqlite = new db.default(server.dbFile, { readonly: true });
    try {
      return (sqlite.prepare("SELECT count(*) AS n FROM jobs WHERE queue = 'notifications' AND status IN ('ready', 'claimed')").get() as { n: number }).n;
    } finally {
      sqlite.close();
    }
  };
  await expect.poll(pending, { timeout: 30_000 }).toBe(0);
  await page.goto(server.url);
  const bell = page.getByRole('button', { name: /^Notifications/ });
  await expect(bell).toBeVisible();
  await expect(bell).toHaveAccessibleName(/unread/); // the demo's comments notified Ana
  await bell.click();
  await page.getByRole('button', { name: 'Mark all read' }).click();
  await expect(bell).toHaveAccessibleName('Notifications');
  await expect(page.getByTestId('unread-count')).toHaveCount(0);
  await page.keyboard.press('Escape');

  // Ana creates a card (she is subscribed); Bruno comments on it through the API, from his own session.
  const me = await server.api('session.get', {}, 'e2e-ana');
  const board = (await server.api('boards.list', {}, 'e2e-ana')).items.find((b: any) => !b.archived);
  const full = await server.api('boards.get', { boardId: board.id }, 'e2e-ana');
  const card = await server.api('cards.create', { boardId: board.id, columnId: full.columns[0].id, title: 'Live inbox check' }, 'e2e-ana');
  const bruno = (await server.api('members.list', {}, 'e2e-bruno')).items.find((m: any) => m.user.id !== me.user.id);
  await server.api('session.switchUser', { userId: bruno.user.id }, 'e2e-bruno');
  await server.api('comments.add', { cardId: card.id, body: 'Seen it live?' }, 'e2e-bruno');

  await expect(page.getByTestId('unread-count')).toHaveText('1', { timeout: 15_000 });
  await bell.click();
  const item = page.getByRole('dialog', { name: 'Notifications' }).getByRole('button', { name: new RegExp(`${bruno.user.name} commented on Live inbox check`) });
  await expect(item).toBeVisible();
  await item.click(); // marks it read and opens the card
  await expect(page).toHaveURL(new RegExp(`#/boards/${board.id}\\?card=${card.id}`));
  await expect(page.getByTestId('unread-count')).toHaveCount(0);
});

test('reports follow the OS dark mode, and a board filter in the URL narrows the figures', async ({ page, server }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  const boards = (await server.api('boards.list', {})).items;
  const board = boards[0];
  await page.goto(`${server.url}#/reports?range=90&board=${board.id}`);
  const from = new Date(Date.now() - 89 * 86_400_000).toISOString().slice(0, 10);
  const summary = await server.api('reports.summary', { from, to: today(), boardId: board.id });
  await expect(page.getByTestId('count-card_created')).toHaveText(summary.counts.card_created.toLocaleString('en'));
  await expect(page.getByTestId('count-member_invited')).toHaveText('0');
  await expect(page.getByLabel('Board', { exact: true })).toHaveValue(board.id);
  const bg = await page.locator('section').first().evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(bg).not.toBe('rgb(255, 255, 255)');
  await shot(page, 'reports-dark');
  await page.goto(`${server.url}#/tracking?range=30`);
  await expect(page.getByRole('heading', { name: 'Tracking', exact: true })).toBeVisible();
  await shot(page, 'tracking-dark');
});

test('the timeline groups runs of similar activity, expands them, and marks what is new since the last look', async ({ page, server }) => {
  // Ana looked a moment ago; then Bruno moves a card.
  await server.api('activity.markSeen', {}, 'e2e-ana');
  const board = (await server.api('boards.list', {}, 'e2e-ana')).items.find((b: any) => b.name === 'Bugs');
  const full = await server.api('boards.get', { boardId: board.id }, 'e2e-ana');
  const card = full.columns.flatMap((c: any) => c.cards)[0];
  const bruno = (await server.api('members.list', {}, 'e2e-bruno2')).items.find((m: any) => m.user.name === 'Bruno Costa');
  await server.api('session.switchUser', { userId: bruno.user.id }, 'e2e-bruno2');
  const to = full.columns.find((c: any) => c.id !== card.columnId);
  await server.api('cards.move', { cardId: card.id, toColumnId: to.id }, 'e2e-bruno2');

  await page.goto(`${server.url}#/`);
  const feed = page.getByRole('feed', { name: 'Activity' });
  const newest = feed.locator('article').first();
  // Alone, or grouped with Bruno's earlier move on the same board (the demo's content decides).
  await expect(newest).toContainText(new RegExp(`Bruno Costa moved (${card.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}|\\d+ cards on Bugs)`));
  await expect(newest.getByText(/^(\d+ )?new$/)).toBeVisible();
  await shot(page, 'timeline-grouped');

  const group = feed.getByTestId('group-summary').first();
  await expect(group).toBeVisible();
  const toggle = feed.getByRole('button', { expanded: false }).first();
  const n = Number(await toggle.getAttribute('data-count'));
  expect(n).toBeGreaterThan(1);
  await expect(feed.getByTestId('group-member')).toHaveCount(0);
  await toggle.click();
  await expect(feed.getByRole('button', { expanded: true }).first()).toBeVisible();
  // Its items are listed under it (as many as the virtualized list shows).
  await expect(feed.getByTestId('group-member').first()).toBeVisible();
  const shown = await feed.getByTestId('group-member').count();
  expect(shown).toBeGreaterThan(0);
  expect(shown).toBeLessThanOrEqual(n);
  await feed.getByRole('button', { expanded: true }).first().click();
  await expect(feed.getByTestId('group-member')).toHaveCount(0);
  await shot(page, 'timeline-expanded');

  // `group=off` lists every item.
  await page.getByLabel('Group similar').uncheck();
  await expect(page).toHaveURL(/group=off/);
  await expect(feed.getByTestId('group-summary')).toHaveCount(0);
});
