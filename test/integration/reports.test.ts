// Report figures against direct counts over the event tables, and rollups that stay exact across moves, edits and
// deletions (compared with a rebuild from scratch by GROUP BY).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../main/app.ts';
import { checkRollups, dayOf, dumpRollups, naiveSummary, rebuildRollups, type Scope } from '../../db/reports.ts';
import { caller, openTestApp, sqlCount, sqlRow, sqlRows } from '../support/workspace.ts';
import { summary } from '../../main/reports/summary.ts';

let app: App;
let c: Awaited<ReturnType<typeof caller>>;

beforeAll(async () => {
  app = await openTestApp({ events: 1500 });
  c = await caller(app);
});
afterAll(async () => {
  await app.close();
});

/** Rollups as maintained, then rebuilt from scratch: both must be the same rows (compared first without writing). */
async function expectRollupsExact() {
  const maintained = await dumpRollups(app.store);
  expect(maintained.length).toBeGreaterThan(0);
  const check = await checkRollups(app.store);
  expect(check.maintained).toEqual(maintained);
  expect(check.rebuilt).toEqual(maintained);
  expect(await dumpRollups(app.store)).toEqual(maintained); // the check changed nothing
  await rebuildRollups(app.store);
  expect(await dumpRollups(app.store)).toEqual(maintained);
}

const iso = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);

async function expectMatchesNaive(scope: Scope, fromDay: number, toDay: number) {
  const s = await summary(app.store, { scope, fromDay, toDay }, 1000);
  const n = await naiveSummary(app.store, scope, { fromDay, toDay }, 1000);
  const naiveCounts = Object.fromEntries(n.counts.map((x) => [x.event_type, x.n]));
  for (const [t, v] of Object.entries(s.counts)) expect(v, `${scope.scope} ${t}`).toBe(naiveCounts[t] ?? 0);
  expect(s.total).toBe(n.counts.reduce((a, x) => a + x.n, 0));
  const naiveDaily = new Map(n.daily.map((d) => [iso(d.day), d.n]));
  for (const d of s.daily) expect(d.count, d.day).toBe(naiveDaily.get(d.day) ?? 0);
  expect(new Map(s.mostActiveBoards.map((b) => [b.id, b.count]))).toEqual(new Map(n.boards.map((b) => [b.id, b.n])));
  expect(new Map(s.mostActiveUsers.map((u) => [u.id, u.count]))).toEqual(new Map(n.users.map((u) => [u.id, u.n])));
  return s;
}

describe('report rollups', () => {
  it('are maintained by the seed exactly as a rebuild computes them', async () => {
    await expectRollupsExact();
  });

  it('a check tells maintained rollups that drifted from a rebuild, and changes nothing', async () => {
    const accountId = (await c.call('session.get', {})).account.id;
    const cell = await sqlRow<{ day: number; event_type: string }>(
      app,
      "SELECT day, event_type FROM report_daily WHERE scope = 'account' AND scope_id = ? ORDER BY day DESC, event_type LIMIT 1",
      accountId,
    );
    await sqlRows(app, "UPDATE report_daily SET count = count + 1 WHERE scope = 'account' AND scope_id = ? AND day = ? AND event_type = ?", accountId, cell.day, cell.event_type);
    const drifted = await dumpRollups(app.store);
    const check = await checkRollups(app.store);
    expect(check.maintained).toEqual(drifted);
    expect(check.rebuilt).not.toEqual(drifted);
    expect(check.rebuilt.length).toBe(drifted.length);
    expect(await dumpRollups(app.store)).toEqual(drifted); // rolled back
    await rebuildRollups(app.store);
    expect(await dumpRollups(app.store)).toEqual(check.rebuilt);
  });

  it('match direct counts over the event tables for the account, a project and a board, on several ranges', async () => {
    const session = await c.call('session.get', {});
    const accountId = session.account.id;
    const span = await sqlRow<{ lo: number; hi: number }>(app, 'SELECT min(created_at) AS lo, max(created_at) AS hi FROM activities WHERE account_id = ?', accountId);
    const lo = dayOf(span.lo);
    const hi = dayOf(span.hi);
    const projects = (await c.call('projects.list', {})).items;
    const boards = (await c.call('boards.list', {})).items;
    const scopes: Scope[] = [
      { accountId, scope: 'account', scopeId: accountId },
      { accountId, scope: 'project', scopeId: projects[0].id },
      { accountId, scope: 'board', scopeId: boards[1].id },
    ];
    for (const scope of scopes) {
      for (const [f, t] of [[lo, hi], [hi - 6, hi], [lo + 10, lo + 40], [hi + 1, hi + 5]]) {
        await expectMatchesNaive(scope, f, t);
      }
    }
    const all = await expectMatchesNaive(scopes[0], lo, hi);
    expect(all.counts.card_moved).toBe(await sqlCount(app, 'SELECT count(*) AS n FROM card_moved WHERE account_id = ?', accountId));
    expect(all.total).toBeGreaterThan(500);
  });

  it('answer reports.summary through the contract, scoped to the session account', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 120 * 86_400_000).toISOString().slice(0, 10);
    const s = await c.call('reports.summary', { from, to: today });
    const accountId = (await c.call('session.get', {})).account.id;
    expect(s.total).toBe(await sqlCount(app, 'SELECT count(*) AS n FROM activities WHERE account_id = ?', accountId));
    expect(s.daily).toHaveLength(s.days);
    expect(s.daily.reduce((a, d) => a + d.count, 0)).toBe(s.total);
    expect(Object.keys(s.counts).sort()).toEqual(['card_created', 'card_moved', 'card_updated', 'comment_added', 'member_invited', 'project_archived']);
    expect(s.mostActiveUsers[0].count).toBeGreaterThan(0);
    const daily = await c.call('reports.daily', { from, to: today });
    expect(daily.items.reduce((a, d) => a + d.card_moved, 0)).toBe(s.counts.card_moved);

    // Another account's board answers not_found; a reversed range is invalid input.
    const accounts = (await c.call('session.get', {})).accounts;
    const other = await caller(app, { session: { accountId: accounts[1].id, userId: (await c.call('session.get', {})).user.id } });
    const foreignBoard = (await other.call('boards.list', {})).items[0].id;
    expect((await c.raw('reports.summary', { from, to: today, boardId: foreignBoard }) as any).error.code).toBe('not_found');
    expect((await c.raw('reports.summary', { from: today, to: from }) as any).error.code).toBe('invalid_input');
    expect((await c.raw('reports.summary', { from: 'yesterday', to: today }) as any).error.code).toBe('invalid_input');
  });

  it('a check and a rebuild while commands commit side by side see one consistent state (no false drift)', async () => {
    const board = (await c.call('boards.list', {})).items.find((b) => !b.archived)!;
    const full = await c.call('boards.get', { boardId: board.id });
    const cards = full.columns.flatMap((col) => col.cards).slice(0, 4);
    let moving = true;
    const mover = async (card: (typeof cards)[number]) => {
      let column = card.columnId;
      let n = 0;
      while (moving || n < 3) {
        column = full.columns.find((col) => col.id !== column)!.id;
        await c.call('cards.move', { cardId: card.id, toColumnId: column });
        n++;
      }
      return n;
    };
    const movers = cards.map(mover);
    const seen: boolean[] = [];
    for (let i = 0; i < 6; i++) {
      const { maintained, rebuilt } = await checkRollups(app.store);
      seen.push(maintained.length === rebuilt.length && maintained.every((l, k) => l === rebuilt[k]));
      if (i % 2) await rebuildRollups(app.store);
    }
    moving = false;
    const moves = await Promise.all(movers);
    expect(moves.every((n) => n >= 3)).toBe(true);
    expect(seen).toEqual([true, true, true, true, true, true]);
    await expectRollupsExact();
  });

  it('stay exact across moves, edits, comments, invitations and archives', async () => {
    const board = (await c.call('boards.list', {})).items.find((b) => !b.archived)!;
    const full = await c.call('boards.get', { boardId: board.id });
    const card = full.columns.flatMap((col) => col.cards)[0];
    const today = new Date().toISOString().slice(0, 10);
    const before = await c.call('reports.summary', { from: today, to: today, boardId: board.id });
    const target = full.columns.find((col) => col.id !== card.columnId)!;
    await c.call('cards.move', { cardId: card.id, toColumnId: target.id });
    await c.call('cards.update', { cardId: card.id, title: 'Renamed for the report test' });
    await c.call('comments.add', { cardId: card.id, body: 'Counting this.' });
    await c.call('members.invite', { email: 'rollup@example.test', name: 'Roll Up', role: 'member' });
    const after = await c.call('reports.summary', { from: today, to: today, boardId: board.id });
    expect(after.counts.card_moved).toBe(before.counts.card_moved + 1);
    expect(after.counts.card_updated).toBe(before.counts.card_updated + 1);
    expect(after.counts.comment_added).toBe(before.counts.comment_added + 1);
    expect(after.counts.member_invited).toBe(0); // not a board event
    await expectRollupsExact();
  });

  it('stay exact when event rows are deleted or an activity is re-assigned (SQL triggers)', async () => {
    const accountId = (await c.call('session.get', {})).account.id;
    const total = () => sqlCount(app, "SELECT sum(count) AS n FROM report_daily WHERE scope = 'account' AND scope_id = ?", accountId);
    const totalBefore = await total();
    const victims = await sqlRows<{ id: string }>(app, 'SELECT id FROM card_moved WHERE account_id = ? ORDER BY created_at, id LIMIT 25', accountId);
    const comments = await sqlRows<{ id: string }>(app, 'SELECT id FROM comment_added WHERE account_id = ? ORDER BY created_at DESC, id DESC LIMIT 5', accountId);
    await app.store.transaction(async (tx) => {
      for (const v of victims) await sqlRows(tx, 'DELETE FROM card_moved WHERE id = ?', v.id);
      for (const v of comments) await sqlRows(tx, 'DELETE FROM comment_added WHERE id = ?', v.id);
    });
    expect(await total()).toBe(totalBefore - victims.length - comments.length);
    expect(await sqlCount(app, "SELECT count(*) AS n FROM activities WHERE subject_type = 'card_moved' AND subject_id = ?", victims[0].id)).toBe(0);
    // An activity moved to another board and day (a data fix) moves its counts.
    const boards = (await c.call('boards.list', {})).items;
    const act = await sqlRow<{ id: string; board_id: string }>(app, 'SELECT id, board_id FROM activities WHERE account_id = ? AND board_id IS NOT NULL ORDER BY id LIMIT 1', accountId);
    const other = boards.find((b) => b.id !== act.board_id)!;
    await sqlRows(app, 'UPDATE activities SET board_id = ?, created_at = created_at - 86400000 WHERE id = ?', other.id, act.id);
    await expectRollupsExact();
  });
});
