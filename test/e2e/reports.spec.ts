// A real browser session on `chronicle serve --demo`: page views and tracked clicks are recorded through the
// batching tracker; the reports, tracking and settings pages render; the inbox shows a live unread count.
import fs from 'node:fs';
import { expect, test } from './fixtures.ts';

const shots = process.env.CHRONICLE_SHOTS; // a folder to keep screenshots in (looked at by hand)
const shot = async (page: import('@playwright/test').Page, name: string) => {
  if (!shots) return;
  fs.mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
};
const today = () => new Date().toISOString().slice(0, 10);

test('page views and tracked clicks of a real session are recorded', async ({ page, server }) => {
  await page.goto(server.url);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).click();
  await expect(page.getByRole('heading', { name: 'Reports' })).toBeVisible();
  await page.getByRole('button', { name: '7 days' }).click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Boards' }).click();
  // The batch goes out within 2 s.
  await expect
    .poll(async () => (await server.api('tracking.explore', { from: today(), to: today(), eventType: 'page_view' })).topRoutes.map((r: any) => r.url), { timeout: 8000 })
    .toEqual(expect.arrayContaining(['/', '/reports', '/reports?range=7', '/boards']));
  const clicks = await server.api('tracking.explore', { from: today(), to: today(), metaKey: 'element', metaValue: 'reports.range' });
  expect(clicks.total).toBe(1);
  expect(clicks.byType).toEqual([{ eventType: 'button_click', count: 1 }]);
  const db = await import('better-sqlite3');
  const sqlite = new db.default(server.dbFile, { readonly: true });
  const row = sqlite.prepare("SELECT referrer FROM tracking_events WHERE url = '/boards' AND event_type = 1").get() as { referrer: string };
  sqlite.close();
  expect(row.referrer).toBe('/reports?range=7');
});

test('events still queued when the page goes away are sent with a keepalive request', async ({ page, server }) => {
  await page.goto(server.url);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await page.waitForTimeout(2500); // the first page view has been flushed
  await page.goto(`${server.url}#/settings`);
  await page.evaluate(() => (location.hash = '#/tracking?range=90'));
  await page.close({ runBeforeUnload: true }); // well within 2 s: only the close-time flush can send it
  await expect
    .poll(async () => (await server.api('tracking.explore', { from: today(), to: today(), eventType: 'page_view' })).topRoutes.map((r: any) => r.url), { timeout: 8000 })
    .toContain('/tracking?range=90');
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
  const png = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export “Daily activity” as PNG' }).click();
  const image = await png;
  expect(image.suggestedFilename()).toMatch(/\.png$/);
  expect(fs.readFileSync(await image.path()).subarray(1, 4).toString()).toBe('PNG');
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
  await expect(newest).toContainText(`Bruno Costa moved ${card.title}`);
  await expect(newest.getByText('new', { exact: true })).toBeVisible();
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
