import { expect, startServer, test } from './fixtures.ts';

async function sprintBoard(server: { api(m: string, i?: unknown): Promise<any> }) {
  const boards = await server.api('boards.list', {});
  const board = boards.items.find((b: { name: string }) => b.name === 'Sprint board');
  return server.api('boards.get', { boardId: board.id });
}

test('a move in one window appears in another window’s board timeline without reload', async ({ browser, server }) => {
  const board = await sprintBoard(server);
  const [from, to] = board.columns;
  const card = from.cards[0];

  const watcher = await browser.newContext();
  const watching = await watcher.newPage();
  await watching.goto(`${server.url}#/?boardId=${board.id}`);
  await expect(watching.getByRole('heading', { name: 'Timeline · Sprint board' })).toBeVisible();
  await expect(watching.getByTestId('activity-description').first()).toBeVisible();

  const mover = await browser.newContext();
  const moving = await mover.newPage();
  await moving.goto(`${server.url}#/boards/${board.id}`);
  await moving.locator(`[data-card-id="${card.id}"]`).getByRole('button', { name: /^Move .* to…$/ }).click();
  await moving.getByRole('menuitem', { name: to.name }).click();

  const expected = `Ana Lima moved ${card.title} from ${from.name} to ${to.name}`;
  await expect(watching.getByTestId('activity-description').first()).toHaveText(expected);
  await expect(watching.getByText('new', { exact: true }).first()).toBeVisible();
  // The mover's own board shows the card in its new column.
  await expect(moving.getByRole('region', { name: `Column ${to.name}` }).getByText(card.title).first()).toBeVisible();
  await watcher.close();
  await mover.close();
});

test('dragging a card onto another column moves it and records the event', async ({ page, server }) => {
  const board = await sprintBoard(server);
  const [, doing, done] = board.columns;
  const card = doing.cards[0];
  await page.goto(`${server.url}#/boards/${board.id}`);
  const tile = page.locator(`[data-testid="card"][data-card-title="${card.title}"]`).first();
  const target = page.getByRole('region', { name: `Column ${done.name}` });
  const a = (await tile.boundingBox())!;
  const b = (await target.boundingBox())!;
  await page.mouse.move(a.x + 20, a.y + 10);
  await page.mouse.down();
  await page.mouse.move(a.x + 40, a.y + 20, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + 60, { steps: 15 });
  await page.mouse.up();
  await expect.poll(async () => (await server.api('cards.get', { cardId: card.id })).columnId).toBe(done.id);
  const feed = await server.api('activity.list', { boardId: board.id, limit: 1 });
  expect(feed.items[0].description).toBe(`Ana Lima moved ${card.title} from ${doing.name} to ${done.name}`);
});

test('editing a card and commenting show up in the board activity', async ({ page, server }) => {
  const board = await sprintBoard(server);
  const card = board.columns[0].cards[1];
  await page.goto(`${server.url}#/boards/${board.id}?card=${card.id}`);
  const panel = page.getByRole('dialog');
  await expect(panel).toHaveAccessibleName(`Card ${card.title}`);
  await panel.getByLabel('Title').fill('Renamed in the e2e test');
  await panel.getByRole('button', { name: 'Save changes' }).click();
  await panel.getByLabel('Add a comment').fill('Looks right from the browser.');
  await panel.getByRole('button', { name: 'Comment' }).click();
  await expect(panel.getByRole('listitem').filter({ hasText: 'Looks right from the browser.' })).toBeVisible();
  await expect(panel.getByLabel('Add a comment')).toHaveValue('');
  await panel.getByRole('button', { name: 'Close card' }).click();
  const activity = page.getByRole('complementary', { name: 'Board activity' });
  await expect(activity.getByText('Ana Lima commented on Renamed in the e2e test')).toBeVisible();
  await expect(activity.getByText('Ana Lima changed the title of Renamed in the e2e test')).toBeVisible();
});

test('timeline filters live in the URL and survive a reload, with several event types at once', async ({ page, server }) => {
  await page.goto(`${server.url}#/?group=off`);
  await page.getByRole('button', { name: /Event types/ }).click();
  const list = page.getByRole('listbox');
  await list.getByRole('option', { name: 'Comments' }).click();
  await list.getByRole('option', { name: 'Card moves' }).click();
  await page.keyboard.press('Escape');
  await expect(page).toHaveURL(/types=comment_added(%2C|,)card_moved/);
  await page.reload();
  await expect(page.getByTestId('type-picker')).toHaveText('2 event types');
  await expect(page.getByTestId('activity-description').first()).toBeVisible();
  const descriptions = await page.getByTestId('activity-description').allTextContents();
  expect(descriptions.length).toBeGreaterThan(5);
  for (const d of descriptions) expect(d).toMatch(/ commented on | moved /);
  expect(descriptions.some((d) => / commented on /.test(d))).toBe(true);
  expect(descriptions.some((d) => / moved /.test(d))).toBe(true);
});

test('a custom time range lives in the URL and bounds the feed', async ({ page, server }) => {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const from = day(Date.now() - 20 * 86_400_000);
  const to = day(Date.now() - 10 * 86_400_000);
  await page.goto(`${server.url}#/?group=off&range=custom&from=${from}&to=${to}`);
  await expect(page.getByLabel(/^From/)).toHaveValue(from);
  await expect(page.getByLabel(/^To/)).toHaveValue(to);
  await expect(page.getByTestId('activity-description').first()).toBeVisible();
  const times = await page.getByRole('feed', { name: 'Activity' }).locator('time').evaluateAll((els) => els.map((e) => e.getAttribute('datetime')!));
  expect(times.length).toBeGreaterThan(0);
  // The browser runs in UTC here: whole days from `from` to `to`.
  for (const t of times) {
    expect(t >= `${from}T00:00:00`).toBe(true);
    expect(t < new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString()).toBe(true);
  }
  await page.getByLabel(/^From/).fill(day(Date.now() - 5 * 86_400_000));
  await expect(page.getByRole('alert')).toContainText('“From” is after “To”');
});

test('card titles in the timeline are links, Enter on a row opens its subject, and comments show an excerpt', async ({ page, server }) => {
  const board = await sprintBoard(server);
  const card = board.columns[0].cards[2];
  const body = 'The retry button works in Firefox too; checked on 128 ESR with a slow network.';
  await server.api('comments.add', { cardId: card.id, body });
  await page.goto(`${server.url}#/?group=off`);
  const feed = page.getByRole('feed', { name: 'Activity' });
  const row = feed.locator('article').first();
  await expect(row).toContainText(`commented on ${card.title}`);
  await expect(row.getByTestId('activity-excerpt')).toHaveText(body);
  // The title is a link to the card.
  const link = row.getByRole('link', { name: card.title, exact: true });
  await expect(link).toHaveAttribute('href', `#/boards/${board.id}?card=${card.id}`);
  // Enter on the row opens it.
  await row.focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`#/boards/${board.id}\\?card=${card.id}`));
  await expect(page.getByRole('dialog', { name: `Card ${card.title}` })).toBeVisible();
  await page.keyboard.press('Escape');
  await page.goto(`${server.url}#/?group=off&types=card_moved`);
  const moved = feed.locator('article').first();
  const title = await moved.locator('[data-subject-link]').textContent();
  await moved.getByRole('link', { name: title!, exact: true }).click();
  await expect(page.getByRole('dialog', { name: `Card ${title}` })).toBeVisible();
});

test('the timeline scrolls through every page of a long history (virtualized)', async ({ page, server }) => {
  await page.goto(`${server.url}#/`);
  const feed = page.getByRole('feed', { name: 'Activity' });
  await expect(feed).toBeVisible();
  // Only the visible rows are in the DOM, however long the history.
  expect(await page.getByTestId('activity-description').count()).toBeLessThan(60);
  // Arrow keys move one row per press (retried: the first page may still be settling its "new" marks).
  await expect(async () => {
    await feed.locator('[data-index="0"]').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect(feed.locator('[data-index="2"]')).toBeFocused({ timeout: 1000 });
    await page.keyboard.press('ArrowUp');
    await expect(feed.locator('[data-index="1"]')).toBeFocused({ timeout: 1000 });
  }).toPass({ timeout: 10_000 });
  for (let i = 0; i < 40; i++) {
    await feed.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    if (await page.getByText('That is everything').isVisible()) break;
    await page.waitForTimeout(150);
  }
  await expect(page.getByText('That is everything')).toBeVisible();
});

test('switching account shows the other account’s boards only', async ({ page, server }) => {
  await page.goto(`${server.url}#/boards`);
  await expect(page.getByRole('link', { name: /Sprint board/ })).toBeVisible();
  await page.getByLabel('Account').selectOption({ label: 'Globex Ops' });
  await expect(page.getByRole('link', { name: /Ops board/ })).toBeVisible();
  await expect(page.getByRole('link', { name: /Sprint board/ })).toHaveCount(0);
});

test('an archived project’s board is read-only', async ({ page, server }) => {
  const projects = await server.api('projects.list', {});
  const archived = projects.items.find((p: { archived: boolean }) => p.archived);
  await page.goto(`${server.url}#/boards/${archived.boards[0].id}`);
  await expect(page.getByText('archived (read-only)')).toBeVisible();
  await expect(page.getByText('Move…')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Add a card' })).toHaveCount(0);
});

test('an empty workspace offers the demo workspace', async ({ page }) => {
  const empty = await startServer({ demo: false });
  try {
    await page.goto(empty.url);
    await expect(page.getByRole('heading', { name: 'Welcome to Chronicle' })).toBeVisible();
    await page.getByRole('button', { name: 'Load the demo workspace' }).click();
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('activity-description').first()).toBeVisible();
  } finally {
    await empty.stop();
  }
});
