// The audit area in Chromium against the real `chronicle serve`: the trail with URL filters, a card's history
// (word diffs, compare, as-of, revert with confirmation), the integrity panel on an intact and a tampered
// workspace, bundle export with progress, and a bundle opened read-only with its banner.
import AxeBuilder from '@axe-core/playwright';
import Database from 'better-sqlite3';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { expect, startServer, test, type Server } from './fixtures.ts';

const shots = path.join(os.tmpdir(), 'chronicle-audit-screens');
fs.mkdirSync(shots, { recursive: true });
const shot = (name: string) => path.join(shots, `${name}.png`);

/** `chronicle serve --bundle FILE` (no --db): the read-only review host. */
async function serveBundle(file: string): Promise<{ url: string; base: string; token: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ['main/bin/chronicle.mjs', 'serve', '--bundle', file, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`serve --bundle exited with ${code}: ${stderr}`)));
  });
  const u = new URL(url);
  return {
    url, base: u.origin, token: u.searchParams.get('token')!,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

async function someCard(server: Server) {
  const boards = await server.api('boards.list', {});
  const board = boards.items.find((b: { archived: boolean }) => !b.archived);
  const full = await server.api('boards.get', { boardId: board.id });
  const card = full.columns.flatMap((c: { cards: unknown[] }) => c.cards)[0] as { id: string; title: string; description: string };
  return { board: full, card };
}

test('the audit trail filters by person and attribute, kept in the URL', async ({ page, server }) => {
  const members = await server.api('members.list', {});
  const person = members.items[1].user;
  await page.goto(server.url);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
  const feed = page.getByRole('feed', { name: 'Card changes' });
  await expect(feed.locator('article').first()).toBeVisible();
  await page.getByLabel('Person').selectOption(person.id);
  await page.getByLabel('Attribute').selectOption('description');
  await expect(page).toHaveURL(/person=/);
  await expect(page).toHaveURL(/attribute=description/);
  const first = feed.locator('article').first();
  await expect(first).toContainText(person.name);
  await expect(first.locator('[data-attribute="description"]')).toBeVisible();
  await expect(first.locator('del, ins').first()).toBeVisible();
  await page.screenshot({ path: shot('trail-filtered') });
  await page.reload();
  await expect(page.getByLabel('Attribute')).toHaveValue('description');
  await expect(feed.locator('article').first()).toContainText(person.name);
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(page).not.toHaveURL(/attribute=/);
});

test('a card’s history: word diff, compare, as of, and revert with confirmation', async ({ page, server }) => {
  const { card, board } = await someCard(server);
  const before = 'The export hangs when the file is large and the progress bar stops.';
  await server.api('cards.update', { cardId: card.id, description: before, title: 'Export hangs' });
  await server.api('cards.update', { cardId: card.id, description: 'The export hangs when the file is larger than 2 GB and the progress bar stops at 90%.' });
  const other = board.columns.find((c: { id: string; cards: { id: string }[] }) => !c.cards.some((x) => x.id === card.id)) ?? board.columns[1];
  await server.api('cards.move', { cardId: card.id, toColumnId: other.id }).catch(() => undefined);
  await server.api('cards.update', { cardId: card.id, title: 'Export hangs on big files' });

  await page.goto(`${server.url}#/audit/cards/${card.id}`);
  await expect(page.getByRole('heading', { name: 'History · Export hangs on big files' })).toBeVisible();
  const versions = page.getByRole('list', { name: 'Versions, newest first' }).locator('> li');
  await expect(versions.first()).toContainText('Current');
  // The description change is a word diff: struck old words, marked new ones.
  const descChange = page.locator('li [data-attribute="description"]').filter({ hasText: '2 GB' }).first();
  await expect(descChange.locator('del').filter({ hasText: 'large' })).toBeVisible();
  await expect(descChange.locator('ins').filter({ hasText: '2' })).toBeVisible();
  await page.screenshot({ path: shot('card-history'), fullPage: true });

  // Compare the newest with a version three back.
  await versions.nth(0).getByRole('checkbox').check();
  await versions.nth(3).getByRole('checkbox').check();
  const compare = page.getByRole('region', { name: 'Compare two versions' });
  await expect(compare.locator('[data-attribute="title"]')).toBeVisible();

  // As of: the slider all the way left shows the card as created.
  const slider = page.getByLabel('Step through versions');
  await slider.focus();
  await page.keyboard.press('Home');
  const hist = await server.api('audit.cardHistory', { cardId: card.id, limit: 200 });
  const created = hist.items.at(-1);
  expect(created.kind).toBe('card_created');
  const asOf = await server.api('audit.cardAt', { cardId: card.id, at: created.createdAt });
  await expect(page.getByRole('region', { name: 'As of' })).toContainText(asOf.state.title);
  await expect(page.getByRole('region', { name: 'As of' })).toContainText(created.changes.title[1]);
  await page.screenshot({ path: shot('card-history-compare-asof'), fullPage: true });

  // Revert to the version before the last title change, confirming in the dialog.
  const target = versions.nth(1);
  const targetNumber = Number(/Version (\d+)/.exec((await target.textContent())!)![1]);
  expect(targetNumber).toBe(hist.items.length - 1);
  await target.getByRole('button', { name: 'Revert to this' }).click();
  const dialog = page.getByRole('dialog', { name: 'Revert this card?' });
  await expect(dialog).toContainText('What changes');
  await expect(dialog.locator('[data-attribute="title"]')).toBeVisible();
  await page.screenshot({ path: shot('revert-confirm') });
  await dialog.getByRole('button', { name: 'Revert card' }).click();
  await expect(dialog).toBeHidden();
  // A revert reads as a revert, naming the version it went back to (not as a plain edit).
  await expect(versions.first().getByTestId('version-what')).toHaveText(`reverted the card to version ${targetNumber}`);
  await expect(versions.first()).toContainText(`Version ${hist.items.length + 1}`);
  await expect(versions.first().locator('[data-attribute="title"]')).toContainText('Export hangs');
  await page.goto(`${server.url}#/audit?card=${card.id}`);
  await expect(page.getByRole('feed', { name: 'Card changes' }).locator('article').first()).toContainText(`reverted to version ${targetNumber}`);
  const now = await server.api('cards.get', { cardId: card.id });
  expect(now.title).toBe('Export hangs');
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: shot('card-history-dark') });
});

test('the integrity panel verifies the chain, and a signed bundle is exported with the workspace’s fingerprint', async ({ page, server }) => {
  await page.goto(`${server.url}#/audit?tab=integrity`);
  await page.getByRole('button', { name: 'Verify the chain' }).click();
  await expect(page.getByText('The record is intact.')).toBeVisible();
  await expect(page.getByText(/All [\d,]+ links verify/)).toBeVisible();
  await page.screenshot({ path: shot('integrity-ok') });

  await page.getByRole('tab', { name: 'Review bundles' }).click();
  await expect(page).toHaveURL(/tab=bundles/);
  const fingerprint = (await page.locator('code').filter({ hasText: /^([0-9A-F]{4} ){15}[0-9A-F]{4}$/ }).first().textContent())!;
  await page.getByRole('button', { name: 'Export bundle' }).click();
  await expect(page.getByText(/Bundle written/)).toBeVisible();
  await expect(page.getByText(/\.chronicle-bundle$/)).toBeVisible();
  await expect(page.locator('code').filter({ hasText: fingerprint })).toHaveCount(2);
  await page.screenshot({ path: shot('export-done') });
});

test('a tampered workspace: the first broken link explained in words', async ({ page }) => {
  const server = await startServer();
  try {
    const session = await server.api('session.get', {});
    const s = new Database(server.dbFile);
    const link = s.prepare("SELECT seq, event_id FROM audit_chain WHERE account_id = ? AND event_table = 'card_updated' AND event_id IN (SELECT id FROM card_updated WHERE changes LIKE '%\"title\"%') ORDER BY seq LIMIT 1 OFFSET 5").get(session.account.id) as { seq: number; event_id: string };
    s.prepare(`UPDATE card_updated SET changes = json_set(changes, '$.title[1]', 'Forged') WHERE id = ?`).run(link.event_id);
    s.close();
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${server.url}#/audit?tab=integrity`);
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'The record was altered' });
    await expect(alert).toContainText(`at link #${link.seq}`);
    await expect(alert).toContainText('changed after it was recorded');
    await alert.getByText('Details').click();
    await expect(alert).toContainText(link.event_id);
    await page.screenshot({ path: shot('integrity-broken-dark') });
  } finally {
    await server.stop();
  }
});

test('a bundle opened with serve --bundle is read-only, with a banner, and still verifies', async ({ page, server }) => {
  const session = await server.api('session.get', {});
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chronicle-bundle-e2e-'));
  const bundle = path.join(dir, 'review.chronicle-bundle');
  const out = spawnSync(process.execPath, ['main/bin/chronicle.mjs', 'audit', 'export', '--db', server.dbFile, '--out', bundle, '--account', session.account.id], { encoding: 'utf8' });
  expect(out.status, out.stderr).toBe(0);
  const review = await serveBundle(bundle);
  try {
    await page.goto(review.url);
    const banner = page.getByRole('status').filter({ hasText: 'Review bundle of' });
    await expect(banner).toContainText(session.account.name);
    await expect(banner).toContainText('every change is refused');
    // Timelines and audit work.
    await expect(page.getByRole('feed', { name: 'Activity' }).locator('article').first()).toBeVisible();
    await page.screenshot({ path: shot('bundle-banner-timeline') });
    await page.goto(`${review.url}#/audit`);
    const first = page.getByRole('feed', { name: 'Card changes' }).locator('article').first();
    await first.getByRole('link').first().click();
    await expect(page.getByRole('list', { name: 'Versions, newest first' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Revert to this' })).toHaveCount(0);
    await page.goto(`${review.url}#/audit?tab=integrity`);
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    await expect(page.getByText('The record is intact.')).toBeVisible();
    await expect(page.getByRole('list', { name: 'Bundle checks' })).toContainText('signed by the key with fingerprint');
    await page.getByRole('tab', { name: 'Review bundles' }).click();
    await expect(page.getByText('This is a review bundle')).toBeVisible();
    await page.screenshot({ path: shot('bundle-manifest') });
    // Writes are refused through the host with a clear message.
    const res = await fetch(`${review.base}/api/cards.update`, {
      method: 'POST',
      headers: { authorization: `Bearer ${review.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ cardId: '019a0000-0000-7000-8000-000000000001', title: 'x' }),
    });
    expect(res.status).toBe(403);
    expect((await res.json()).error).toMatchObject({ code: 'read_only', message: expect.stringContaining('read-only') });
  } finally {
    await review.stop();
  }
});

test('Every change lists invitations with the role granted, archives, comments and card creation, filtered in the URL', async ({ page, server }) => {
  const stamp = Date.now().toString(36);
  await server.api('members.invite', { email: `audit-${stamp}@example.com`, name: `Invitee ${stamp}`, role: 'admin' });
  const project = await server.api('projects.create', { name: `Archive me ${stamp}` });
  await server.api('projects.archive', { projectId: project.id, reason: `Done with it ${stamp}` });
  const board = (await server.api('boards.list', {})).items.find((b: { archived: boolean }) => !b.archived);
  const full = await server.api('boards.get', { boardId: board.id });
  const assignee = (await server.api('members.list', {})).items.find((m: { role: string }) => m.role === 'member').user;
  const card = await server.api('cards.create', { boardId: board.id, columnId: full.columns[0].id, title: `Audited card ${stamp}`, description: 'Written at creation', assigneeId: assignee.id, dueDate: '2026-12-31' });
  await server.api('comments.add', { cardId: card.id, body: `A remark worth keeping ${stamp}` });

  await page.goto(`${server.url}#/audit`);
  await page.getByRole('tab', { name: 'Every change' }).click();
  const feed = page.getByRole('feed', { name: 'Every change' });
  // An invitation is pending until accepted: the trail shows it sent, with the role it grants.
  const invite = feed.locator('article[data-type="invitation_sent"]').filter({ hasText: `Invitee ${stamp}` });
  await expect(invite).toContainText('Role granted: admin');
  await expect(feed.locator('article[data-type="project_archived"]').filter({ hasText: `Archive me ${stamp}` })).toContainText(`Reason: Done with it ${stamp}`);
  await expect(feed.locator('article[data-type="comment_added"]').filter({ hasText: `A remark worth keeping ${stamp}` })).toBeVisible();
  const created = feed.locator('article[data-type="card_created"]').filter({ hasText: `Audited card ${stamp}` });
  await expect(created).toBeVisible();
  await expect(created.getByRole('link', { name: 'Card history' })).toHaveAttribute('href', `#/audit/cards/${card.id}`);

  // Its created version carries every initial field, the assignee too.
  await created.getByRole('link', { name: 'Card history' }).click();
  const first = page.getByRole('list', { name: 'Versions, newest first' }).locator('> li').last();
  await expect(first).toContainText('Version 1');
  await expect(first.locator('[data-attribute="assignee_id"]')).toContainText(assignee.name);
  await expect(first.locator('[data-attribute="description"]')).toContainText('Written at creation');
  await expect(first.locator('[data-attribute="due_date"]')).toBeVisible();
  await page.goBack();

  // The filter is in the URL: a reload shows invitations only.
  await page.getByRole('combobox', { name: /^Change/ }).selectOption('invitation_sent');
  await expect(page).toHaveURL(/tab=all/);
  await expect(page).toHaveURL(/type=invitation_sent/);
  await page.reload();
  await expect(feed.locator('article').first()).toBeVisible();
  expect(await feed.locator('article:not([data-type="invitation_sent"])').count()).toBe(0);
  // Kinds are named by the event registry (activity.types), in the filter and on each row.
  await expect(page.getByRole('combobox', { name: /^Change/ })).toHaveValue('invitation_sent');
  await expect(page.getByRole('combobox', { name: /^Change/ }).locator('option:checked')).toHaveText('Invitation sent');
  await expect(feed.locator('article').first()).toContainText('Invitation sent');
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(300);
    const results = await new AxeBuilder({ page }).analyze();
    expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id), `axe (${scheme})`).toEqual([]);
    if (process.env.CHRONICLE_SHOTS) await page.screenshot({ path: `${process.env.CHRONICLE_SHOTS}/audit-every-change-${scheme}.png` });
  }
});
