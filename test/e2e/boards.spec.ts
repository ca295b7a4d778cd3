// Boards by keyboard and pointer in Chromium against `chronicle serve --demo`: Enter opens a card, a keyboard drag
// moves one column per arrow press, Move… acts only on an explicit choice, the card panel is a real modal, the
// dragged card floats above the columns, cards land where they are dropped (also within a column), the board
// fits 1400 px, and edits and archives show at once in every window.
import type { Page } from '@playwright/test';
import { expect, test, type Server } from './fixtures.ts';

type Col = { id: string; name: string; cards: { id: string; title: string; position: number; columnId: string }[] };

async function board(server: Server, name = 'Sprint board'): Promise<{ id: string; columns: Col[] }> {
  const boards = await server.api('boards.list', {});
  const b = boards.items.find((x: { name: string; archived: boolean }) => x.name === name && !x.archived);
  return server.api('boards.get', { boardId: b.id });
}
const cardOf = async (server: Server, id: string) => server.api('cards.get', { cardId: id });
const tile = (page: Page, card: { id: string }) => page.locator(`[data-card-id="${card.id}"]`);
const handleOf = (page: Page, id: string) => page.locator(`[data-card-id="${id}"]`).getByRole('button', { name: /^Drag / });
/** Focus a card's handle and pick it up with Space (waits until the drag has started). */
async function pickUp(page: Page, id: string) {
  const handle = handleOf(page, id);
  await handle.focus();
  await page.keyboard.press('Space');
  await expect(handle).toHaveAttribute('aria-pressed', 'true');
  // dnd-kit's keyboard sensor starts listening for the arrow keys in a setTimeout after the drag starts, and the
  // pressed state can show first: a key pressed in between was lost (seen once in CI). A timeout set now runs
  // after the sensor's.
  await page.evaluate(() => new Promise((done) => setTimeout(done, 0)));
}
const column = (page: Page, name: string) => page.getByRole('region', { name: `Column ${name}` });

test('Enter on a card’s title opens it; the panel keeps focus, closes on Escape and gives focus back', async ({ page, server }) => {
  const b = await board(server);
  const card = b.columns[0].cards[0];
  await page.goto(`${server.url}#/boards/${b.id}`);
  const title = tile(page, card).getByRole('button', { name: card.title, exact: true });
  await title.focus();
  await page.keyboard.press('Enter');
  const panel = page.getByRole('dialog', { name: `Card ${card.title}` });
  await expect(panel).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`card=${card.id}`));
  // No drag started: the card is where it was, and nothing was announced as picked up.
  expect((await cardOf(server, card.id)).columnId).toBe(b.columns[0].id);
  // Focus is inside the panel and stays there however far one tabs.
  await expect.poll(() => panel.evaluate((el) => el.contains(document.activeElement))).toBe(true);
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    expect(await panel.evaluate((el) => el.contains(document.activeElement)), `Tab ${i + 1} stays in the panel`).toBe(true);
  }
  await page.keyboard.press('Escape');
  await expect(panel).toBeHidden();
  await expect(page).not.toHaveURL(/card=/);
  await expect(title).toBeFocused();
});

test('a keyboard drag moves one column per arrow press and lands where it is dropped', async ({ page, server }) => {
  const b = await board(server);
  const [first, second, third] = b.columns;
  const card = first.cards[0];
  await page.goto(`${server.url}#/boards/${b.id}`);
  await pickUp(page, card.id);
  await page.keyboard.press('ArrowRight');
  // One press: the card is in the next column already (it moves with the keys, not 25 px at a time).
  await expect(column(page, second.name).locator(`[data-card-id="${card.id}"]`)).toHaveCount(1);
  await page.keyboard.press('Space');
  await expect.poll(async () => (await cardOf(server, card.id)).columnId).toBe(second.id);
  // It went in at the place it was dropped: the top, where it was in its old column.
  expect((await cardOf(server, card.id)).position).toBe(0);
  const feed = await server.api('activity.list', { boardId: b.id, limit: 1 });
  expect(feed.items[0].description).toBe(`Ana Lima moved ${card.title} from ${first.name} to ${second.name}`);

  // Two presses, two columns; Escape would cancel, Space drops.
  await pickUp(page, card.id);
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('Escape');
  await expect.poll(async () => (await cardOf(server, card.id)).columnId).toBe(second.id);
  await pickUp(page, card.id);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Space');
  await expect.poll(async () => (await cardOf(server, card.id)).columnId).toBe(third.id);
  expect((await cardOf(server, card.id)).position).toBe(1);
});

test('cards are reordered within a column by keyboard and by pointer', async ({ page, server }) => {
  const b = await board(server);
  const col = b.columns.find((c) => c.cards.length >= 3)!;
  const [a, second, third] = col.cards;
  await page.goto(`${server.url}#/boards/${b.id}`);
  await pickUp(page, a.id);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Space');
  await expect.poll(async () => (await cardOf(server, a.id)).position).toBe(2);
  expect((await cardOf(server, a.id)).columnId).toBe(col.id);
  expect((await cardOf(server, second.id)).position).toBe(0);
  await expect(column(page, col.name).getByTestId('card').nth(2)).toHaveAttribute('data-card-title', a.title);

  // Pointer: drag the third card (now first... the old second) onto the top slot.
  const source = tile(page, third);
  const target = column(page, col.name).getByTestId('card').first();
  const s = (await source.boundingBox())!;
  const t = (await target.boundingBox())!;
  await page.mouse.move(s.x + s.width / 2, s.y + 10);
  await page.mouse.down();
  await page.mouse.move(s.x + s.width / 2, s.y + 20, { steps: 4 });
  await page.mouse.move(t.x + t.width / 2, t.y + 4, { steps: 12 });
  await page.mouse.up();
  await expect.poll(async () => (await cardOf(server, third.id)).position).toBe(0);
  await expect(column(page, col.name).getByTestId('card').first()).toHaveAttribute('data-card-title', third.title);
});

test('a card dragged by pointer floats above the columns and lands at the drop place', async ({ page, server }) => {
  const b = await board(server);
  const [from, , done] = b.columns;
  const card = from.cards[1] ?? from.cards[0];
  const firstInDone = done.cards[0];
  await page.goto(`${server.url}#/boards/${b.id}`);
  const source = tile(page, card);
  const targetCard = tile(page, firstInDone);
  const s = (await source.boundingBox())!;
  const t = (await targetCard.boundingBox())!;
  const fromBox = (await column(page, from.name).boundingBox())!;
  await page.mouse.move(s.x + s.width / 2, s.y + 10);
  await page.mouse.down();
  await page.mouse.move(s.x + s.width / 2 + 10, s.y + 20, { steps: 4 });
  await page.mouse.move(t.x + t.width / 2, t.y + 6, { steps: 20 });
  // The overlay is drawn over the target column, outside its own column: nothing clips it.
  const overlay = page.getByTestId('drag-overlay');
  await expect(overlay).toBeVisible();
  const o = (await overlay.boundingBox())!;
  expect(o.x).toBeGreaterThan(fromBox.x + fromBox.width);
  expect(await overlay.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return Boolean(hit && el.contains(hit));
  })).toBe(true);
  await page.mouse.up();
  await expect.poll(async () => (await cardOf(server, card.id)).columnId).toBe(done.id);
  expect((await cardOf(server, card.id)).position).toBe(0);
});

test('Move… moves only on an explicit choice in its menu', async ({ page, server }) => {
  const b = await board(server);
  const [from, to] = b.columns;
  const card = from.cards[0];
  await page.goto(`${server.url}#/boards/${b.id}`);
  const trigger = page.locator(`[data-card-id="${card.id}"]`).getByRole('button', { name: `Move ${card.title} to…` });
  await trigger.focus();
  await page.keyboard.press('ArrowDown');
  const menu = page.getByRole('menu', { name: `Move ${card.title} to` });
  await expect(menu).toBeVisible();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await page.waitForTimeout(500);
  expect((await cardOf(server, card.id)).columnId).toBe(from.id);
  expect((await server.api('activity.list', { boardId: b.id, limit: 1 })).items[0].description).not.toContain(`moved ${card.title}`);
  await trigger.click();
  await menu.getByRole('menuitem', { name: to.name }).click();
  await expect.poll(async () => (await cardOf(server, card.id)).columnId).toBe(to.id);
  await expect(column(page, to.name).getByText(card.title)).toBeVisible();
  // Enter on an item is a choice too.
  await trigger.focus();
  await page.keyboard.press('Enter');
  await expect(menu).toBeVisible();
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await cardOf(server, card.id)).columnId).not.toBe(to.id);
});

test('at 1400 px the columns scroll sideways and the activity pane can be collapsed', async ({ page, server }) => {
  await page.setViewportSize({ width: 1400, height: 900 });
  const b = await board(server);
  const last = b.columns[b.columns.length - 1];
  await page.goto(`${server.url}#/boards/${b.id}`);
  const pane = page.getByRole('complementary', { name: 'Board activity' });
  await expect(pane).toBeVisible();
  const scroller = page.getByTestId('board-columns');
  await scroller.evaluate((el) => el.scrollTo({ left: el.scrollWidth }));
  const lastBox = (await column(page, last.name).boundingBox())!;
  const paneBox = (await pane.boundingBox())!;
  expect(lastBox.x + lastBox.width).toBeLessThanOrEqual(paneBox.x + 1);
  await pane.getByRole('button', { name: 'Hide board activity' }).click();
  await expect(pane).toBeHidden();
  const show = page.getByRole('button', { name: 'Show board activity' });
  await expect(show).toHaveAttribute('aria-expanded', 'false');
  // Every column is fully in view without the pane; the choice is remembered.
  const box = (await column(page, last.name).boundingBox())!;
  expect(box.x + box.width).toBeLessThanOrEqual((await show.boundingBox())!.x);
  await page.reload();
  await expect(page.getByRole('button', { name: 'Show board activity' })).toBeVisible();
  await page.getByRole('button', { name: 'Show board activity' }).click();
  await expect(pane).toBeVisible();
});

test('after Save changes the card’s history shows the edit and Current moves to it at once', async ({ page, server }) => {
  const b = await board(server);
  const card = b.columns[1].cards[0];
  await page.goto(`${server.url}#/boards/${b.id}?card=${card.id}`);
  const panel = page.getByRole('dialog', { name: `Card ${card.title}` });
  const versions = panel.getByRole('list', { name: 'Versions, newest first' }).locator('> li');
  await expect(versions.first()).toContainText('Current');
  const before = await versions.count();
  await panel.getByLabel('Title').fill(`${card.title} (edited)`);
  await panel.getByRole('button', { name: 'Save changes' }).click();
  await expect(versions.first().locator('[data-attribute="title"]')).toContainText('(edited)');
  await expect(versions.first()).toContainText('Current');
  await expect(versions).toHaveCount(before + 1);
  await expect(versions.nth(1)).not.toContainText('Current');
});

test('archiving a project makes its board read-only at once, in this window and in another', async ({ browser, server }) => {
  const project = await server.api('projects.create', { name: 'Soon archived' });
  const boardId = project.boards[0].id;
  const open = async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    // Each window has seen the board (it is in its cache), then went back to the list of boards.
    await page.goto(`${server.url}#/boards/${boardId}`);
    await expect(page.getByRole('button', { name: 'Add a card' }).first()).toBeVisible();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Boards' }).click();
    await expect(page.getByRole('heading', { name: 'Boards', exact: true })).toBeVisible();
    return { ctx, page };
  };
  const watcher = await open();
  const actor = await open();
  await actor.page.getByRole('button', { name: 'Archive Soon archived' }).click();
  const dialog = actor.page.getByRole('dialog', { name: /Archive “Soon archived”/ });
  await dialog.getByLabel('Reason').fill('Done with it');
  await dialog.getByRole('button', { name: 'Archive project' }).click();
  await expect(dialog).toBeHidden();
  await expect(watcher.page.getByText('Archived now: Done with it')).toBeVisible();
  for (const { page } of [actor, watcher]) {
    // At once: not after the cached board goes stale.
    await page.getByRole('link', { name: /^Soon archived/ }).first().click();
    await expect(page.getByText('archived (read-only)')).toBeVisible({ timeout: 1000 });
    await expect(page.getByRole('button', { name: 'Add a card' })).toHaveCount(0);
  }
  await watcher.ctx.close();
  await actor.ctx.close();
});

test('a reorder within a column shows at once in another open window', async ({ browser, page, server }) => {
  const b = await board(server, 'Bugs');
  const col = b.columns.find((c) => c.cards.length >= 2)!;
  const [first, second] = col.cards;
  const ctx = await browser.newContext();
  const watcher = await ctx.newPage();
  try {
    await watcher.goto(`${server.url}#/boards/${b.id}`);
    await expect(column(watcher, col.name).getByTestId('card').first()).toHaveAttribute('data-card-title', first.title);
    await page.goto(`${server.url}#/boards/${b.id}`);
    await pickUp(page, first.id);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Space');
    await expect.poll(async () => (await cardOf(server, first.id)).position).toBe(1);
    // The other window did nothing: the order arrives by push (a reorder records no event), well before the
    // board's cached copy would go stale.
    await expect(column(watcher, col.name).getByTestId('card').first()).toHaveAttribute('data-card-title', second.title, { timeout: 2000 });
    await expect(column(watcher, col.name).getByTestId('card').nth(1)).toHaveAttribute('data-card-title', first.title);
  } finally {
    await ctx.close();
  }
});
