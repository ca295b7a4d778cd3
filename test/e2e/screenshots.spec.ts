// Screenshots of every page in the light and the dark scheme, to look at by hand (CHRONICLE_SHOTS=folder), and
// the README's own (README_SHOTS=1 writes .github/screenshots/). Skipped otherwise: it asserts only that each page
// rendered.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';

const dir = process.env.CHRONICLE_SHOTS;
const readme = process.env.README_SHOTS === '1';
test.skip(!dir && !readme, 'set CHRONICLE_SHOTS=folder (and/or README_SHOTS=1) to take screenshots');

const save = async (page: Page, name: string, fullPage = false) => {
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage });
};

test('every page, light and dark', async ({ page, server }) => {
  test.setTimeout(300_000);
  const boards = (await server.api('boards.list', {})).items;
  const board = boards.find((b: { name: string }) => b.name === 'Sprint board');
  const full = await server.api('boards.get', { boardId: board.id });
  const card = full.columns[1].cards[0];
  await server.api('cards.update', { cardId: card.id, description: 'Reproduced on the staging build: the zone offset is applied twice after midnight.' });
  const ep = await server.api('webhooks.endpoints.create', { url: 'http://127.0.0.1:9/hooks', eventTypes: ['card.moved', 'comment.added'], networkScope: 'loopback', description: 'Ops bot', headers: { 'X-Team': 'ops' }, retrySchedule: [10_000, 60_000, 3_600_000] });
  const d = await server.api('webhooks.endpoints.sendTest', { endpointId: ep.id });
  const pages: [string, string, (p: Page) => Promise<void>][] = [
    ['timeline', '#/', async (p) => { await expect(p.getByRole('feed').locator('article').first()).toBeVisible(); }],
    ['timeline-filtered', '#/?group=off&types=comment_added,card_moved&range=custom&from=2000-01-01&to=2100-01-01', async (p) => { await expect(p.getByTestId('activity-excerpt').first()).toBeVisible(); }],
    ['boards', '#/boards', async (p) => { await expect(p.getByRole('link', { name: /Sprint board/ })).toBeVisible(); }],
    ['board', `#/boards/${board.id}`, async (p) => { await expect(p.getByTestId('card').first()).toBeVisible(); }],
    ['board-move-menu', `#/boards/${board.id}`, async (p) => {
      await p.locator(`[data-card-id="${card.id}"]`).getByRole('button', { name: /^Move/ }).click();
      await expect(p.getByRole('menu')).toBeVisible();
    }],
    ['board-drag', `#/boards/${board.id}`, async (p) => {
      const t = (await p.locator(`[data-card-id="${card.id}"]`).boundingBox())!;
      const done = (await p.getByRole('region', { name: `Column ${full.columns[2].name}` }).boundingBox())!;
      await p.mouse.move(t.x + 40, t.y + 10);
      await p.mouse.down();
      await p.mouse.move(t.x + 60, t.y + 20, { steps: 4 });
      await p.mouse.move(done.x + 100, done.y + 150, { steps: 10 });
      await expect(p.getByTestId('drag-overlay')).toBeVisible();
    }],
    ['card-panel', `#/boards/${board.id}?card=${card.id}`, async (p) => { await expect(p.getByRole('dialog').getByLabel('Title')).toBeVisible(); }],
    ['audit', '#/audit', async (p) => { await expect(p.getByRole('feed', { name: 'Card changes' }).locator('article').first()).toBeVisible(); }],
    ['audit-integrity', '#/audit?tab=integrity', async (p) => { await expect(p.getByRole('tabpanel')).toBeVisible(); }],
    ['card-history', `#/audit/cards/${card.id}`, async (p) => { await expect(p.getByRole('list', { name: 'Versions, newest first' })).toBeVisible(); }],
    ['webhooks', '#/webhooks', async (p) => { await expect(p.getByRole('link', { name: ep.url })).toBeVisible(); }],
    ['endpoint', `#/webhooks/endpoints/${ep.id}`, async (p) => { await expect(p.getByRole('list', { name: 'Deliveries' })).toBeVisible(); }],
    ['endpoint-edit', `#/webhooks/endpoints/${ep.id}`, async (p) => {
      await p.getByRole('button', { name: 'Edit' }).click();
      await p.getByLabel('URL').fill('http://10.0.0.7/hooks');
      await p.getByLabel('Network scope').selectOption('public');
      await expect(p.getByRole('alert')).toBeVisible();
    }],
    ['endpoint-disable', `#/webhooks/endpoints/${ep.id}`, async (p) => {
      await p.getByRole('button', { name: 'Disable' }).click();
      await expect(p.getByRole('dialog')).toBeVisible();
    }],
    ['endpoint-retry-failed', `#/webhooks/endpoints/${ep.id}`, async (p) => {
      await p.getByRole('button', { name: 'Retry undelivered…' }).click();
      await expect(p.getByRole('dialog')).toBeVisible();
    }],
    ['delivery', `#/webhooks/deliveries/${d.id}`, async (p) => { await expect(p.getByRole('heading', { name: 'Delivery of webhook.test' })).toBeVisible(); }],
    ['jobs', '#/jobs', async (p) => { await expect(p.getByRole('heading', { name: 'Queues' })).toBeVisible(); }],
    ['reports', '#/reports?range=90', async (p) => { await expect(p.locator('#daily-title')).toBeVisible(); }],
    ['tracking', '#/tracking?range=7', async (p) => { await expect(p.getByRole('heading', { name: 'Top routes' })).toBeVisible(); }],
    ['settings', '#/settings', async (p) => { await expect(p.getByRole('switch').first()).toBeVisible(); }],
  ];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [name, hash, ready] of pages) {
      await page.goto(`${server.url}#/`);
      await page.goto(`${server.url}${hash}`);
      await ready(page);
      await page.waitForTimeout(400);
      await save(page, `${name}-${scheme}`);
      await page.mouse.up();
      await page.keyboard.press('Escape');
    }
  }
  if (readme) {
    await page.emulateMedia({ colorScheme: 'light' });
    const out = '.github/screenshots';
    const shots: [string, string, (p: Page) => Promise<void>][] = [
      ['timeline', '#/', pages[0][2]],
      ['board', `#/boards/${board.id}`, pages[3][2]],
      ['audit', '#/audit', pages[7][2]],
      ['reports', '#/reports?range=90', pages[17][2]],
      ['card-history', `#/boards/${board.id}?card=${card.id}`, async (p) => {
        await pages[6][2](p);
        await p.getByRole('dialog').getByRole('heading', { name: 'History' }).evaluate((el) => el.scrollIntoView({ block: 'start' }));
        await expect(p.getByRole('list', { name: 'Versions, newest first' })).toBeVisible();
      }],
      ['endpoint-settings', `#/webhooks/endpoints/${ep.id}`, pages[12][2]],
    ];
    for (const [name, hash, ready] of shots) {
      await page.goto(`${server.url}#/`);
      await page.goto(`${server.url}${hash}`);
      await ready(page);
      await page.waitForTimeout(400);
      await page.screenshot({ path: path.join(out, `${name}.png`) });
      await page.keyboard.press('Escape');
    }
  }
});
