// Report figures against direct counts over the event tables, and rollups that stay exact across moves, edits and
// deletions (compared with a rebuild from scratch by GROUP BY).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../main/app.ts';
import { dayOf, dumpRollups, naiveSummary, rebuildRollups, type Scope } from '../../db/reports.ts';
import { caller, openTestApp } from '../support/workspace.ts';
import { resolveRange, summary } from '../../main/reports/summary.ts';

let app: App;
let c: ReturnType<typeof caller>;

beforeAll(async () => {
  app = await openTestApp({ events: 1500 });
  c = caller(app);
});
afterAll(async () => {
  await app.close();
});

/** Rollups as maintained, then rebuilt from scratch: both must be the same rows. */
function expectRollupsExact() {
  const maintained = dumpRollups(app.sqlite);
  expect(maintained.length).toBeGreaterThan(0);
  rebuildRollups(app.sqlite);
  expect(dumpRollups(app.sqlite)).toEqual(maintained);
}

const iso = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);

function expectMatchesNaive(scope: Scope, fromDay: number, toDay: number) {
  const s = summary(app.sqlite, { scope, fromDay, toDay }, 1000);
  const n = naiveSummary(app.sqlite, scope, { fromDay, toDay }, 1000);
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
  it('are maintained by the seed exactly as a rebuild computes them', () => {
    expectRollupsExact();
  });

  it('match direct counts over the event tables for the account, a project and a board, on several ranges', async () => {
    const session = await c.call('session.get', {});
    const accountId = session.account.id;
    const span = app.sqlite.prepare('SELECT min(created_at) AS lo, max(created_at) AS hi FROM activities WHERE account_id = ?').get(accountId) as { lo: number; hi: number };
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
        expectMatchesNaive(scope, f, t);
      }
    }
    const all = expectMatchesNaive(scopes[0], lo, hi);
    const direct = app.sqlite.prepare('SELECT count(*) AS n FROM card_moved WHERE account_id = ?').get(accountId) as { n: number };
    expect(all.counts.card_moved).toBe(direct.n);
    expect(all.total).toBeGreaterThan(500);
  });

  it('answer reports.summary through the contract, scoped to the session account', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 120 * 86_400_000).toISOString().slice(0, 10);
    const s = await c.call('reports.summary', { from, to: today });
    const accountId = (await c.call('session.get', {})).account.id;
    const direct = app.sqlite.prepare('SELECT count(*) AS n FROM activities WHERE account_id = ?').get(accountId) as { n: number };
    expect(s.total).toBe(direct.n);
    expect(s.daily).toHaveLength(s.days);
    expect(s.daily.reduce((a, d) => a + d.count, 0)).toBe(s.total);
    expect(Object.keys(s.counts).sort()).toEqual(['card_created', 'card_moved', 'card_updated', 'comment_added', 'member_invited', 'project_archived']);
    expect(s.mostActiveUsers[0].count).toBeGreaterThan(0);
    const daily = await c.call('reports.daily', { from, to: today });
    expect(daily.items.reduce((a, d) => a + d.card_moved, 0)).toBe(s.counts.card_moved);

    // Another account's board answers not_found; a reversed range is invalid input.
    const accounts = (await c.call('session.get', {})).accounts;
    const other = caller(app, { session: null as never });
    other.slot.session = { accountId: accounts[1].id, userId: (await c.call('session.get', {})).user.id };
    const foreignBoard = (await other.call('boards.list', {})).items[0].id;
    expect((await c.raw('reports.summary', { from, to: today, boardId: foreignBoard }) as any).error.code).toBe('not_found');
    expect((await c.raw('reports.summary', { from: today, to: from }) as any).error.code).toBe('invalid_input');
    expect((await c.raw('reports.summary', { from: 'yesterday', to: today }) as any).error.code).toBe('invalid_input');
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
    expectRollupsExact();
  });

  it('stay exact when event rows are deleted or an activity is re-assigned (SQL triggers)', async () => {
    const accountId = (await c.call('session.get', {})).account.id;
    const totalBefore = (app.sqlite.prepare("SELECT sum(count) AS n FROM report_daily WHERE scope = 'account' AND scope_id = ?").get(accountId) as { n: number }).n;
    const victims = app.sqlite.prepare('SELECT id FROM card_moved WHERE account_id = ? ORDER BY created_at LIMIT 25').all(accountId) as { id: string }[];
    const comments = app.sqlite.prepare('SELECT id FROM comment_added WHERE account_id = ? ORDER BY created_at DESC LIMIT 5').all(accountId) as { id: string }[];
    app.sqlite.transaction(() => {
      for (const v of victims) app.sqlite.prepare('DELETE FROM card_moved WHERE id = ?').run(v.id);
      for (const v of comments) app.sqlite.prepare('DELETE FROM comment_added WHERE id = ?').run(v.id);
    })();
    const totalAfter = (app.sqlite.prepare("SELECT sum(count) AS n FROM report_daily WHERE scope = 'account' AND scope_id = ?").get(accountId) as { n: number }).n;
    expect(totalAfter).toBe(totalBefore - victims.length - comments.length);
    expect(app.sqlite.prepare("SELECT count(*) AS n FROM activities WHERE subject_type = 'card_moved' AND subject_id = ?").get(victims[0].id)).toEqual({ n: 0 });
    // An activity moved to another board and day (a data fix) moves its counts.
    const boards = (await c.call('boards.list', {})).items;
    const act = app.sqlite.prepare("SELECT id, board_id FROM activities WHERE account_id = ? AND board_id IS NOT NULL LIMIT 1").get(accountId) as { id: string; board_id: string };
    const other = boards.find((b) => b.id !== act.board_id)!;
    app.sqlite.prepare('UPDATE activities SET board_id = ?, created_at = created_at - 86400000 WHERE id = ?').run(other.id, act.id);
    expectRollupsExact();
  });
});
