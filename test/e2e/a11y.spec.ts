// axe on every page of the console, in the light and the dark colour scheme: no serious or critical violation.
// Each page is also titled (document.title names it) and starts with a skip link to the main content.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, startServer, test, type Server } from './fixtures.ts';

const schemes = ['light', 'dark'] as const;

async function expectAxeClean(page: Page, what: string) {
  // Let transitions and live data settle: axe reads computed colours.
  await page.waitForTimeout(300);
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const summary = bad.map((v) => `${v.impact} ${v.id} (${v.nodes.length}): ${v.help}\n    ${v.nodes.slice(0, 4).map((n) => `${n.target.join(' ')} — ${n.failureSummary?.split('\n').slice(1, 2).join(' ')}`).join('\n    ')}`);
  expect.soft(summary, `axe on ${what}`).toEqual([]);
}

async function pages(server: Server) {
  const boards = (await server.api('boards.list', {})).items;
  const board = boards.find((b: { name: string }) => b.name === 'Sprint board');
  const full = await server.api('boards.get', { boardId: board.id });
  const card = full.columns[0].cards[0];
  const endpoints = (await server.api('webhooks.endpoints.list', {})).items;
  const endpoint = endpoints[0] ?? (await server.api('webhooks.endpoints.create', { url: 'http://127.0.0.1:9/hooks', eventTypes: ['*'], networkScope: 'loopback', description: 'axe check' }));
  const test = await server.api('webhooks.endpoints.sendTest', { endpointId: endpoint.id });
  const job = (await server.api('jobs.list', { limit: 1 })).items[0];
  return [
    { name: 'timeline', hash: '#/', title: /^Timeline · Chronicle$/, ready: (p: Page) => p.getByRole('feed', { name: 'Activity' }).locator('article').first() },
    { name: 'boards', hash: '#/boards', title: /^Boards · Chronicle$/, ready: (p: Page) => p.getByRole('link', { name: /Sprint board/ }) },
    { name: 'board', hash: `#/boards/${board.id}`, title: /^Sprint board · Chronicle$/, ready: (p: Page) => p.getByTestId('card').first() },
    { name: 'card panel', hash: `#/boards/${board.id}?card=${card.id}`, title: /^Sprint board · Chronicle$/, ready: (p: Page) => p.getByRole('dialog').getByLabel('Title') },
    { name: 'audit trail', hash: '#/audit', title: /^Audit · Chronicle$/, ready: (p: Page) => p.getByRole('feed', { name: 'Card changes' }).locator('article').first() },
    { name: 'audit every change', hash: '#/audit?tab=all', title: /^Audit · Chronicle$/, ready: (p: Page) => p.getByRole('feed', { name: 'Every change' }).locator('article').first() },
    { name: 'audit access changes', hash: '#/audit?tab=access', title: /^Audit · Chronicle$/, ready: (p: Page) => p.getByTestId('access-changes') },
    { name: 'people', hash: '#/people', title: /^People · Chronicle$/, ready: (p: Page) => p.getByRole('heading', { name: 'Personal access tokens' }) },
    { name: 'audit integrity', hash: '#/audit?tab=integrity', title: /^Audit · Chronicle$/, ready: (p: Page) => p.getByRole('button', { name: 'Verify the chain' }) },
    { name: 'audit bundles', hash: '#/audit?tab=bundles', title: /^Audit · Chronicle$/, ready: (p: Page) => p.getByRole('button', { name: 'Export bundle' }) },
    { name: 'card history', hash: `#/audit/cards/${card.id}`, title: /^History · .+ · Chronicle$/, ready: (p: Page) => p.getByRole('list', { name: 'Versions, newest first' }) },
    { name: 'webhooks', hash: '#/webhooks', title: /^Webhooks · Chronicle$/, ready: (p: Page) => p.getByRole('link', { name: endpoint.url }) },
    { name: 'endpoint', hash: `#/webhooks/endpoints/${endpoint.id}`, title: /^Endpoint .+ · Chronicle$/, ready: (p: Page) => p.getByRole('list', { name: 'Deliveries' }) },
    { name: 'delivery', hash: `#/webhooks/deliveries/${test.id}`, title: /^Delivery of webhook.test · Chronicle$/, ready: (p: Page) => p.getByRole('heading', { name: 'Delivery of webhook.test' }) },
    { name: 'jobs', hash: '#/jobs', title: /^Jobs · Chronicle$/, ready: (p: Page) => p.getByRole('heading', { name: 'Queues' }) },
    { name: 'job', hash: `#/jobs/${job.id}`, title: /^Job .+ · Chronicle$/, ready: (p: Page) => p.getByRole('heading', { name: 'Arguments' }) },
    { name: 'reports', hash: '#/reports?range=90', title: /^Reports · Chronicle$/, ready: (p: Page) => p.locator('#daily-title') },
    { name: 'tracking', hash: '#/tracking?range=7', title: /^Tracking · Chronicle$/, ready: (p: Page) => p.getByRole('heading', { name: 'Tracking', exact: true }) },
    { name: 'settings', hash: '#/settings', title: /^Settings · Chronicle$/, ready: (p: Page) => p.getByRole('switch', { name: 'Record usage tracking' }) },
    { name: 'not found', hash: '#/nowhere', title: /^Page not found · Chronicle$/, ready: (p: Page) => p.getByRole('heading', { name: 'Page not found' }) },
  ];
}

for (const scheme of schemes) {
  test(`every page is axe-clean, titled and skippable in the ${scheme} scheme`, async ({ page, server }) => {
    test.setTimeout(180_000);
    await page.emulateMedia({ colorScheme: scheme });
    for (const p of await pages(server)) {
      await page.goto(`${server.url}${p.hash}`);
      await expect(p.ready(page).first(), p.name).toBeVisible();
      await expect.soft(page, p.name).toHaveTitle(p.title);
      await expectAxeClean(page, `${p.name} (${scheme})`);
    }
    // The notifications inbox open over a page.
    await page.goto(`${server.url}#/`);
    await page.getByRole('button', { name: /^Notifications/ }).click();
    await expect(page.getByRole('dialog', { name: 'Notifications' })).toBeVisible();
    await expectAxeClean(page, `notifications (${scheme})`);
  });

  test(`the welcome page of an empty workspace is axe-clean in the ${scheme} scheme`, async ({ page }) => {
    const empty = await startServer({ demo: false });
    try {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(empty.url);
      await expect(page.getByRole('heading', { name: 'Welcome to Chronicle' })).toBeVisible();
      await expect.soft(page).toHaveTitle("Welcome · Chronicle");
      await expect(page.getByRole('main')).toBeVisible();
      await expectAxeClean(page, `welcome (${scheme})`);
    } finally {
      await empty.stop();
    }
  });
}

test('a skip link is the first stop and moves focus to the main content', async ({ page, server }) => {
  await page.goto(`${server.url}#/reports`);
  await expect(page.getByRole('heading', { name: 'Reports', exact: true })).toBeVisible();
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('main')).toBeFocused();
  // The next Tab lands inside the page, not in the sidebar.
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => Boolean(document.activeElement?.closest('main')))).toBe(true);
});

test('native controls follow the dark scheme (color-scheme)', async ({ page, server }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(`${server.url}#/reports?range=custom`);
  await expect(page.getByLabel('From')).toBeVisible();
  expect(await page.evaluate(() => getComputedStyle(document.documentElement).colorScheme)).toMatch(/dark/);
  expect(await page.getByLabel('From').evaluate((el) => getComputedStyle(el).colorScheme)).toMatch(/dark/);
});

test('the audit tabs move with the arrow keys', async ({ page, server }) => {
  await page.goto(`${server.url}#/audit`);
  const trail = page.getByRole('tab', { name: 'Trail' });
  await expect(trail).toHaveAttribute('aria-selected', 'true');
  await trail.focus();
  await page.keyboard.press('ArrowRight');
  const every = page.getByRole('tab', { name: 'Every change' });
  await expect(every).toBeFocused();
  await expect(every).toHaveAttribute('aria-selected', 'true');
  await expect(page).toHaveURL(/tab=all/);
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: 'Access changes' })).toBeFocused();
  await page.keyboard.press('ArrowRight');
  const integrity = page.getByRole('tab', { name: 'Integrity' });
  await expect(integrity).toBeFocused();
  await expect(integrity).toHaveAttribute('aria-selected', 'true');
  await expect(page).toHaveURL(/tab=integrity/);
  await expect(page.getByRole('tabpanel', { name: 'Integrity' })).toBeVisible();
  await page.keyboard.press('End');
  await expect(page.getByRole('tab', { name: 'Review bundles' })).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Home');
  await expect(trail).toHaveAttribute('aria-selected', 'true');
});
