// reports: 1,000,000 events over 365 days. reports.summary from the daily rollups (p50/p99, 30 and 365 days,
// whole account and one board) against the naive GROUP BY over the six event tables in the same run (and, as a
// stronger baseline, a GROUP BY over the indexed `activities` table).
//
// The events are bulk-loaded with SQL (event rows + activities), then the rollups are built with rebuildRollups;
// the integration tests prove that the per-event hook maintains exactly what a rebuild computes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../db/open.ts';
import { DAY_MS, naiveSummary, rebuildRollups, type Scope } from '../../db/reports.ts';
import { newId } from '../../db/ids.ts';
import { prng } from '../../main/demo.ts';
import { summary } from '../../main/reports/summary.ts';
import type { Sqlite } from '../../db/sql.ts';
import { createApp } from '../../main/app.ts';
import { seedDemo } from '../../main/demo.ts';
import { moveCard } from '../../main/domain/cards.ts';
import { inTransactionHooks } from '../../main/domain/hooks.ts';
import { rollupHook } from '../../main/reports/rollups.ts';
import { PushBus } from '../../main/push.ts';

const EVENTS = Number(process.env.REPORTS_BENCH_EVENTS ?? 1_000_000);
const DAYS = 365;

function load(sqlite: Sqlite, now: number) {
  const rand = prng(42);
  const start = now - DAYS * DAY_MS;
  const accountId = newId(start);
  const users: string[] = [];
  const projects: string[] = [];
  const boards: { id: string; project: string; columns: string[] }[] = [];
  const cards: { id: string; board: string; project: string }[] = [];
  sqlite.pragma('foreign_keys = OFF');
  sqlite.transaction(() => {
    sqlite.prepare('INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)').run(accountId, 'Bench', start);
    for (let i = 0; i < 20; i++) {
      const id = newId(start);
      users.push(id);
      sqlite.prepare('INSERT INTO users (id, account_id, name, email, created_at) VALUES (?, ?, ?, ?, ?)').run(id, accountId, `User ${i}`, `u${i}@bench.test`, start);
      sqlite.prepare('INSERT INTO memberships (id, account_id, user_id, role, created_at) VALUES (?, ?, ?, ?, ?)').run(newId(start), accountId, id, i === 0 ? 'owner' : 'member', start);
    }
    for (let p = 0; p < 5; p++) {
      const pid = newId(start);
      projects.push(pid);
      sqlite.prepare('INSERT INTO projects (id, account_id, name, created_at) VALUES (?, ?, ?, ?)').run(pid, accountId, `Project ${p}`, start);
      for (let b = 0; b < 4; b++) {
        const bid = newId(start);
        const cols = [0, 1, 2].map(() => newId(start));
        boards.push({ id: bid, project: pid, columns: cols });
        sqlite.prepare('INSERT INTO boards (id, account_id, project_id, name, created_at) VALUES (?, ?, ?, ?, ?)').run(bid, accountId, pid, `Board ${p}.${b}`, start);
        cols.forEach((c, i) => sqlite.prepare('INSERT INTO columns (id, account_id, board_id, name, position, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(c, accountId, bid, `C${i}`, i, start));
        for (let k = 0; k < 25; k++) {
          const cid = newId(start);
          cards.push({ id: cid, board: bid, project: pid });
          sqlite.prepare('INSERT INTO cards (id, account_id, board_id, column_id, position, title, creator_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(cid, accountId, bid, cols[0], k, `Card ${k}`, users[0], start, start);
        }
      }
    }
  })();
  const ins = {
    card_created: sqlite.prepare('INSERT INTO card_created (id, account_id, creator_id, created_at, card_id, board_id, column_id, title) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    card_moved: sqlite.prepare('INSERT INTO card_moved (id, account_id, creator_id, created_at, card_id, from_column_id, to_column_id, from_position, to_position) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0)'),
    card_updated: sqlite.prepare(`INSERT INTO card_updated (id, account_id, creator_id, created_at, card_id, changes) VALUES (?, ?, ?, ?, ?, '{"title":["a","b"]}')`),
    comment_added: sqlite.prepare('INSERT INTO comment_added (id, account_id, creator_id, created_at, comment_id, card_id) VALUES (?, ?, ?, ?, ?, ?)'),
    member_invited: sqlite.prepare(`INSERT INTO member_invited (id, account_id, creator_id, created_at, membership_id, invitee_id, role) VALUES (?, ?, ?, ?, ?, ?, 'member')`),
    project_archived: sqlite.prepare(`INSERT INTO project_archived (id, account_id, creator_id, created_at, project_id, reason) VALUES (?, ?, ?, ?, ?, 'Bench')`),
    activity: sqlite.prepare('INSERT INTO activities (id, account_id, subject_type, subject_id, creator_id, board_id, project_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
  };
  // In time order, as a live workspace writes them (UUIDv7 keys then append to their indexes).
  const times = Float64Array.from({ length: EVENTS }, () => start + Math.floor(rand.next() * DAYS * DAY_MS)).sort();
  const chunk = 100_000;
  sqlite.pragma('synchronous = OFF');
  for (let done = 0; done < EVENTS; done += chunk) {
    sqlite.transaction(() => {
      for (let i = done; i < Math.min(EVENTS, done + chunk); i++) {
        const at = times[i];
        const user = users[rand.int(users.length)];
        const card = cards[rand.int(cards.length)];
        const r = rand.next();
        const id = newId(at);
        let table: string;
        let board: string | null = card.board;
        let project: string | null = card.project;
        if (r < 0.12) {
          table = 'card_created';
          ins.card_created.run(id, accountId, user, at, card.id, card.board, boards[0].columns[0], 'x');
        } else if (r < 0.52) {
          table = 'card_moved';
          ins.card_moved.run(id, accountId, user, at, card.id, 'a', 'b');
        } else if (r < 0.77) {
          table = 'card_updated';
          ins.card_updated.run(id, accountId, user, at, card.id);
        } else if (r < 0.97) {
          table = 'comment_added';
          ins.comment_added.run(id, accountId, user, at, id, card.id);
        } else if (r < 0.99) {
          table = 'member_invited';
          board = null;
          project = null;
          ins.member_invited.run(id, accountId, user, at, id, users[rand.int(users.length)]);
        } else {
          table = 'project_archived';
          board = null;
          ins.project_archived.run(id, accountId, user, at, card.project);
        }
        ins.activity.run(newId(at), accountId, table, id, user, board, project, at);
      }
    })();
  }
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = FULL');
  return { accountId, boards, start };
}

function percentile(xs: number[], p: number) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

function time(runs: number, fn: () => unknown, warm = true) {
  if (warm) fn(); // prepared statements, page cache
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    xs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return { p50: percentile(xs, 50), p99: percentile(xs, 99) };
}

/** The summary's figures straight from `activities` (indexed by account and time): a stronger baseline. */
function activitiesSummary(sqlite: Sqlite, accountId: string, fromMs: number, toMs: number, boardId?: string) {
  const f = boardId ? 'AND board_id = ?' : '';
  const p = boardId ? [accountId, fromMs, toMs, boardId] : [accountId, fromMs, toMs];
  const w = `FROM activities WHERE account_id = ? AND created_at >= ? AND created_at < ? ${f}`;
  sqlite.prepare(`SELECT subject_type, count(*) ${w} GROUP BY 1`).all(...p);
  sqlite.prepare(`SELECT created_at / ${DAY_MS}, count(*) ${w} GROUP BY 1`).all(...p);
  sqlite.prepare(`SELECT board_id, count(*) AS n ${w} AND board_id IS NOT NULL GROUP BY 1 ORDER BY n DESC LIMIT 10`).all(...p);
  sqlite.prepare(`SELECT creator_id, count(*) AS n ${w} GROUP BY 1 ORDER BY n DESC LIMIT 10`).all(...p);
}

const fmt = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(0));

export default async function reportsBench() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chronicle-bench-reports-'));
  const file = path.join(dir, 'bench.db');
  const sqlite = openDatabase(file);
  const now = Math.floor(Date.now() / DAY_MS) * DAY_MS + DAY_MS - 1;
  let t = Date.now();
  const { accountId, boards } = load(sqlite, now);
  console.log(`loaded ${EVENTS.toLocaleString('en')} events over ${DAYS} days in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  t = Date.now();
  rebuildRollups(sqlite);
  const rows = (sqlite.prepare('SELECT (SELECT count(*) FROM report_daily) + (SELECT count(*) FROM report_user_daily) AS n').get() as { n: number }).n;
  console.log(`rollups built in ${((Date.now() - t) / 1000).toFixed(1)} s: ${rows.toLocaleString('en')} rollup rows for ${EVENTS.toLocaleString('en')} events`);
  sqlite.pragma('optimize');

  const toDay = Math.floor(now / DAY_MS);
  const cases: { label: string; days: number; scope: Scope; runs: number; naiveRuns: number }[] = [
    { label: 'account, 30 days', days: 30, scope: { accountId, scope: 'account', scopeId: accountId }, runs: 300, naiveRuns: 5 },
    { label: 'account, 365 days', days: 365, scope: { accountId, scope: 'account', scopeId: accountId }, runs: 100, naiveRuns: 2 },
    { label: 'one board, 365 days', days: 365, scope: { accountId, scope: 'board', scopeId: boards[3].id }, runs: 100, naiveRuns: 3 },
  ];
  console.log('\ncase                 | rollups p50 / p99 (ms) | naive event tables p50 / p99 (ms) | ratio p50 | activities GROUP BY p50 (ms) | ratio p50');
  for (const c of cases) {
    const range = { fromDay: toDay - c.days + 1, toDay };
    const fast = time(c.runs, () => summary(sqlite, { scope: c.scope, ...range }));
    let b: ReturnType<typeof naiveSummary> | null = null;
    const naive = time(c.naiveRuns, () => (b = naiveSummary(sqlite, c.scope, range)), c.days < 365);
    const acts = time(c.naiveRuns, () => activitiesSummary(sqlite, accountId, range.fromDay * DAY_MS, (range.toDay + 1) * DAY_MS, c.scope.scope === 'board' ? c.scope.scopeId : undefined), c.days < 365);
    // Same figures both ways (a quick sanity check on the bench data).
    const a = summary(sqlite, { scope: c.scope, ...range });
    if (a.total !== b!.counts.reduce((s, x) => s + x.n, 0)) throw new Error(`${c.label}: rollup total ${a.total} differs from the naive count`);
    console.log(
      `${c.label.padEnd(20)} | ${`${fmt(fast.p50)} / ${fmt(fast.p99)}`.padEnd(22)} | ${`${fmt(naive.p50)} / ${fmt(naive.p99)}`.padEnd(33)} | ${`${(naive.p50 / fast.p50).toFixed(0)}×`.padEnd(9)} | ${fmt(acts.p50).padEnd(28)} | ${(acts.p50 / fast.p50).toFixed(0)}×`,
    );
  }
  sqlite.close();
  await hookCost();
  if (process.env.REPORTS_BENCH_KEEP) console.log(`kept ${file}`);
  else fs.rmSync(dir, { recursive: true, force: true });
}

/** What maintaining the rollups costs a command: cards.move with and without the hook, interleaved. */
async function hookCost() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chronicle-bench-hook-'));
  const app = await createApp({ dbFile: path.join(dir, 'hook.db'), background: false });
  seedDemo(app.sqlite, { seed: 5, events: 300 });
  const session = app.defaultSession()!;
  const ctx = { sqlite: app.sqlite, session, push: new PushBus() };
  const board = app.sqlite.prepare('SELECT b.id FROM boards b JOIN projects p ON p.id = b.project_id WHERE b.account_id = ? AND p.archived_at IS NULL LIMIT 1').get(session.accountId) as { id: string };
  const columns = (app.sqlite.prepare('SELECT id FROM columns WHERE board_id = ? ORDER BY position').all(board.id) as { id: string }[]).map((c) => c.id);
  const card = app.sqlite.prepare('SELECT id, column_id FROM cards WHERE board_id = ? LIMIT 1').get(board.id) as { id: string; column_id: string };
  let column = card.column_id;
  const move = () => {
    column = columns.find((c) => c !== column)!;
    moveCard(ctx, { cardId: card.id, toColumnId: column });
  };
  const rounds = 10;
  const per = 200;
  let withHook = 0;
  let without = 0;
  const at = inTransactionHooks.indexOf(rollupHook);
  for (let r = 0; r < rounds; r++) {
    let t = performance.now();
    for (let i = 0; i < per; i++) move();
    withHook += performance.now() - t;
    inTransactionHooks.splice(at, 1);
    t = performance.now();
    for (let i = 0; i < per; i++) move();
    without += performance.now() - t;
    inTransactionHooks.splice(at, 0, rollupHook);
  }
  const n = rounds * per;
  console.log(`\ncards.move (a full command: guards, event, activity, hooks, jobs; synchronous=FULL): ${(withHook / n).toFixed(3)} ms with the rollup hook, ${(without / n).toFixed(3)} ms without (${withHook >= without ? '+' : ''}${(((withHook - without) / without) * 100).toFixed(0)}%; the commit's fsync dominates)`);
  await app.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
