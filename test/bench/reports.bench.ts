// reports: 1,000,000 events over 365 days, on each store. reports.summary from the daily rollups (p50/p99, 30 and
// 365 days, whole account and one board) against the naive GROUP BY over the six event tables in the same run
// (and, as a stronger baseline, a GROUP BY over the indexed `activities` table). Both sides run through the same
// store (db/ functions on one connection), so the ratio is what the rollups save, not what a driver costs.
//
// The events are bulk-loaded with SQL (event rows + activities, multi-row INSERTs, foreign-key checks off while
// loading), then the rollups are built with rebuildRollups; the integration tests prove that the per-event hook
// maintains exactly what a rebuild computes. Then: what maintaining the rollups costs a command (cards.move with
// and without the hook, interleaved).
//
// SQLite: a file opened as the app opens it (WAL, synchronous=FULL for the command part).
// PostgreSQL: a throwaway server of its own (test/support/postgres.ts), as that server runs: without fsync (set on
// its command line), so the command part measures round trips and server work, not disk flushes.
//
// BENCH_STORE=sqlite|postgres picks one store (default: both). REPORTS_BENCH_EVENTS sets the size.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openStore } from '../../db/open.ts';
import { DAY_MS, naiveSummary, rebuildRollups, type Scope } from '../../db/reports.ts';
import { newId } from '../../db/ids.ts';
import { rawAll, rawFirst, rawRun } from '../../db/sql.ts';
import { SqliteStore } from '../../db/store-sqlite.ts';
import type { Store, Tx } from '../../db/store.ts';
import { createApp } from '../../main/app.ts';
import { prng, seedDemo } from '../../main/demo.ts';
import { moveCard } from '../../main/domain/cards.ts';
import type { DomainContext } from '../../main/domain/context.ts';
import { inTransactionHooks } from '../../main/domain/hooks.ts';
import { rollupHook } from '../../main/reports/rollups.ts';
import { summary } from '../../main/reports/summary.ts';
import { PushBus } from '../../main/push.ts';
import { startPostgresServer } from '../support/postgres.ts';

const EVENTS = Number(process.env.REPORTS_BENCH_EVENTS ?? 1_000_000);
const DAYS = 365;
/** Rows per INSERT while loading. */
const ROWS = 400;

const COLUMNS: Record<string, string[]> = {
  card_created: ['id', 'account_id', 'creator_id', 'created_at', 'card_id', 'board_id', 'column_id', 'title'],
  card_moved: ['id', 'account_id', 'creator_id', 'created_at', 'card_id', 'from_column_id', 'to_column_id', 'from_position', 'to_position'],
  card_updated: ['id', 'account_id', 'creator_id', 'created_at', 'card_id', 'changes'],
  comment_added: ['id', 'account_id', 'creator_id', 'created_at', 'comment_id', 'card_id'],
  member_invited: ['id', 'account_id', 'creator_id', 'created_at', 'membership_id', 'invitee_id', 'role'],
  project_archived: ['id', 'account_id', 'creator_id', 'created_at', 'project_id', 'reason'],
  activities: ['id', 'account_id', 'subject_type', 'subject_id', 'creator_id', 'board_id', 'project_id', 'created_at'],
};

/** Buffers rows per table and writes them as multi-row INSERTs. */
class Loader {
  private buffers = new Map<string, unknown[][]>();
  constructor(private readonly tx: Tx) {}
  async add(table: string, row: unknown[]) {
    let b = this.buffers.get(table);
    if (!b) this.buffers.set(table, (b = []));
    b.push(row);
    if (b.length >= ROWS) await this.flush(table);
  }
  async flush(table: string) {
    const b = this.buffers.get(table);
    if (!b?.length) return;
    const cols = COLUMNS[table];
    const one = `(${cols.map(() => '?').join(', ')})`;
    await rawRun(this.tx, `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${b.map(() => one).join(', ')}`, b.flat());
    this.buffers.set(table, []);
  }
  async flushAll() {
    for (const t of this.buffers.keys()) await this.flush(t);
  }
}

/** Foreign-key checks off for a bulk load: SQLite per connection (outside a transaction), PostgreSQL per transaction. */
async function loadTransaction(store: Store, fn: (l: Loader) => Promise<void>) {
  await store.transaction(async (tx) => {
    if (tx.dialect === 'postgres') await tx.script('SET LOCAL session_replication_role = replica');
    const l = new Loader(tx);
    await fn(l);
    await l.flushAll();
  });
}

async function load(store: Store, now: number) {
  const rand = prng(42);
  const start = now - DAYS * DAY_MS;
  const accountId = newId(start);
  const users: string[] = [];
  const memberships: string[] = [];
  const boards: { id: string; project: string; columns: string[] }[] = [];
  const cards: { id: string; board: string; project: string; columns: string[] }[] = [];
  if (store instanceof SqliteStore) {
    store.pragma('foreign_keys = OFF');
    store.pragma('synchronous = OFF');
  }
  await store.transaction(async (tx) => {
    const r = (sql: string, ...p: unknown[]) => rawRun(tx, sql, p);
    await r('INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)', accountId, 'Bench', start);
    for (let i = 0; i < 20; i++) {
      const id = newId(start);
      users.push(id);
      await r('INSERT INTO users (id, account_id, name, email, created_at) VALUES (?, ?, ?, ?, ?)', id, accountId, `User ${i}`, `u${i}@bench.test`, start);
      const m = newId(start);
      memberships.push(m);
      await r('INSERT INTO memberships (id, account_id, user_id, role, created_at) VALUES (?, ?, ?, ?, ?)', m, accountId, id, i === 0 ? 'owner' : 'member', start);
    }
    for (let p = 0; p < 5; p++) {
      const pid = newId(start);
      await r('INSERT INTO projects (id, account_id, name, created_at) VALUES (?, ?, ?, ?)', pid, accountId, `Project ${p}`, start);
      for (let b = 0; b < 4; b++) {
        const bid = newId(start);
        const cols = [0, 1, 2].map(() => newId(start));
        boards.push({ id: bid, project: pid, columns: cols });
        await r('INSERT INTO boards (id, account_id, project_id, name, created_at) VALUES (?, ?, ?, ?, ?)', bid, accountId, pid, `Board ${p}.${b}`, start);
        for (const [i, c] of cols.entries()) await r('INSERT INTO columns (id, account_id, board_id, name, position, created_at) VALUES (?, ?, ?, ?, ?, ?)', c, accountId, bid, `C${i}`, i, start);
        for (let k = 0; k < 25; k++) {
          const cid = newId(start);
          cards.push({ id: cid, board: bid, project: pid, columns: cols });
          await r(
            'INSERT INTO cards (id, account_id, board_id, column_id, position, title, creator_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
            cid, accountId, bid, cols[0], k, `Card ${k}`, users[0], start, start,
          );
        }
      }
    }
  });
  // In time order, as a live workspace writes them (UUIDv7 keys then append to their indexes).
  const times = Float64Array.from({ length: EVENTS }, () => start + Math.floor(rand.next() * DAYS * DAY_MS)).sort();
  const chunk = 100_000;
  for (let done = 0; done < EVENTS; done += chunk) {
    await loadTransaction(store, async (l) => {
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
          await l.add(table, [id, accountId, user, at, card.id, card.board, card.columns[0], 'x']);
        } else if (r < 0.52) {
          table = 'card_moved';
          await l.add(table, [id, accountId, user, at, card.id, card.columns[0], card.columns[1], 0, 0]);
        } else if (r < 0.77) {
          table = 'card_updated';
          await l.add(table, [id, accountId, user, at, card.id, '{"title":["a","b"]}']);
        } else if (r < 0.97) {
          table = 'comment_added';
          await l.add(table, [id, accountId, user, at, id, card.id]);
        } else if (r < 0.99) {
          table = 'member_invited';
          board = null;
          project = null;
          const who = rand.int(users.length);
          await l.add(table, [id, accountId, user, at, memberships[who], users[who], 'member']);
        } else {
          table = 'project_archived';
          board = null;
          await l.add(table, [id, accountId, user, at, card.project, 'Bench']);
        }
        await l.add('activities', [newId(at), accountId, table, id, user, board, project, at]);
      }
    });
  }
  if (store instanceof SqliteStore) {
    store.pragma('foreign_keys = ON');
    store.pragma('synchronous = FULL');
  }
  return { accountId, boards, start };
}

function percentile(xs: number[], p: number) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

async function time(runs: number, fn: () => Promise<unknown>, warm = true) {
  if (warm) await fn(); // statement caches, page cache
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn();
    xs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return { p50: percentile(xs, 50), p99: percentile(xs, 99) };
}

/** The summary's figures straight from `activities` (indexed by account and time): a stronger baseline. */
async function activitiesSummary(store: Store, accountId: string, fromMs: number, toMs: number, boardId?: string) {
  const f = boardId ? 'AND board_id = ?' : '';
  const p = boardId ? [accountId, fromMs, toMs, boardId] : [accountId, fromMs, toMs];
  const w = `FROM activities WHERE account_id = ? AND created_at >= ? AND created_at < ? ${f}`;
  await rawAll(store, `SELECT subject_type, count(*) AS n ${w} GROUP BY 1`, p);
  await rawAll(store, `SELECT created_at / ${DAY_MS} AS day, count(*) AS n ${w} GROUP BY 1`, p);
  await rawAll(store, `SELECT board_id, count(*) AS n ${w} AND board_id IS NOT NULL GROUP BY 1 ORDER BY n DESC LIMIT 10`, p);
  await rawAll(store, `SELECT creator_id, count(*) AS n ${w} GROUP BY 1 ORDER BY n DESC LIMIT 10`, p);
}

const fmt = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(0));

/** Load, build the rollups, and time the three ways on one store. */
async function readBench(label: string, store: Store) {
  const now = Math.floor(Date.now() / DAY_MS) * DAY_MS + DAY_MS - 1;
  let t = Date.now();
  const { accountId, boards } = await load(store, now);
  console.log(`${label}: loaded ${EVENTS.toLocaleString('en')} events over ${DAYS} days in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  t = Date.now();
  await rebuildRollups(store);
  const rows = Number((await rawFirst<{ n: number }>(store, 'SELECT (SELECT count(*) FROM report_daily) + (SELECT count(*) FROM report_user_daily) AS n'))!.n);
  console.log(`rollups built in ${((Date.now() - t) / 1000).toFixed(1)} s: ${rows.toLocaleString('en')} rollup rows for ${EVENTS.toLocaleString('en')} events`);
  if (store instanceof SqliteStore) store.pragma('optimize');
  else await store.script('VACUUM ANALYZE');

  const toDay = Math.floor(now / DAY_MS);
  const cases: { label: string; days: number; scope: Scope; runs: number; naiveRuns: number }[] = [
    { label: 'account, 30 days', days: 30, scope: { accountId, scope: 'account', scopeId: accountId }, runs: 300, naiveRuns: 5 },
    { label: 'account, 365 days', days: 365, scope: { accountId, scope: 'account', scopeId: accountId }, runs: 100, naiveRuns: 2 },
    { label: 'one board, 365 days', days: 365, scope: { accountId, scope: 'board', scopeId: boards[3].id }, runs: 100, naiveRuns: 3 },
  ];
  console.log('\ncase                 | rollups p50 / p99 (ms) | naive event tables p50 / p99 (ms) | ratio p50 | activities GROUP BY p50 (ms) | ratio p50');
  for (const c of cases) {
    const range = { fromDay: toDay - c.days + 1, toDay };
    const fast = await time(c.runs, () => summary(store, { scope: c.scope, ...range }));
    let b: Awaited<ReturnType<typeof naiveSummary>> | null = null;
    const naive = await time(c.naiveRuns, async () => (b = await naiveSummary(store, c.scope, range)), c.days < 365);
    const acts = await time(
      c.naiveRuns,
      () => activitiesSummary(store, accountId, range.fromDay * DAY_MS, (range.toDay + 1) * DAY_MS, c.scope.scope === 'board' ? c.scope.scopeId : undefined),
      c.days < 365,
    );
    // Same figures both ways (a quick sanity check on the bench data).
    const a = await summary(store, { scope: c.scope, ...range });
    const naiveTotal = b!.counts.reduce((s, x) => s + Number(x.n), 0);
    if (a.total !== naiveTotal) throw new Error(`${c.label}: rollup total ${a.total} differs from the naive count ${naiveTotal}`);
    console.log(
      `${c.label.padEnd(20)} | ${`${fmt(fast.p50)} / ${fmt(fast.p99)}`.padEnd(22)} | ${`${fmt(naive.p50)} / ${fmt(naive.p99)}`.padEnd(33)} | ${`${(naive.p50 / fast.p50).toFixed(0)}×`.padEnd(9)} | ${fmt(acts.p50).padEnd(28)} | ${(acts.p50 / fast.p50).toFixed(0)}×`,
    );
  }
}

/** What maintaining the rollups costs a command: cards.move with and without the hook, interleaved. */
async function hookCost(label: string, location: string, dataDir: string) {
  const app = await createApp({ location, dataDir, background: false });
  try {
    await seedDemo(app.store, { seed: 5, events: 300 });
    const session = (await app.defaultSession())!;
    const ctx: DomainContext = { store: app.store, session, push: new PushBus() };
    const board = (await rawFirst<{ id: string }>(
      app.store,
      'SELECT b.id FROM boards b JOIN projects p ON p.id = b.project_id WHERE b.account_id = ? AND p.archived_at IS NULL ORDER BY b.id LIMIT 1',
      [session.accountId],
    ))!;
    const columns = (await rawAll<{ id: string }>(app.store, 'SELECT id FROM columns WHERE board_id = ? ORDER BY position', [board.id])).map((c) => c.id);
    const card = (await rawFirst<{ id: string; column_id: string }>(app.store, 'SELECT id, column_id FROM cards WHERE board_id = ? ORDER BY id LIMIT 1', [board.id]))!;
    let column = card.column_id;
    const move = async () => {
      column = columns.find((c) => c !== column)!;
      await moveCard(ctx, { cardId: card.id, toColumnId: column });
    };
    const rounds = 10;
    const per = 200;
    let withHook = 0;
    let without = 0;
    const at = inTransactionHooks.indexOf(rollupHook);
    for (let r = 0; r < rounds; r++) {
      let t = performance.now();
      for (let i = 0; i < per; i++) await move();
      withHook += performance.now() - t;
      inTransactionHooks.splice(at, 1);
      try {
        t = performance.now();
        for (let i = 0; i < per; i++) await move();
        without += performance.now() - t;
      } finally {
        inTransactionHooks.splice(at, 0, rollupHook);
      }
    }
    const n = rounds * per;
    console.log(
      `\n${label}: cards.move (a full command: guards, event, activity, hooks, jobs): ${(withHook / n).toFixed(3)} ms with the rollup hook, ${(without / n).toFixed(3)} ms without (${withHook >= without ? '+' : ''}${(((withHook - without) / without) * 100).toFixed(0)}%)`,
    );
  } finally {
    await app.close();
  }
}

async function onSqlite() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chronicle-bench-reports-'));
  const file = path.join(dir, 'bench.db');
  try {
    const store = await openStore(file);
    try {
      await readBench('SQLite (WAL)', store);
    } finally {
      await store.close();
    }
    await hookCost('SQLite (WAL + synchronous=FULL; the commit’s fsync dominates)', path.join(dir, 'hook.db'), dir);
  } finally {
    if (process.env.REPORTS_BENCH_KEEP) console.log(`kept ${file}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function onPostgres() {
  const server = await startPostgresServer();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chronicle-bench-reports-keys-'));
  const admin = new pg.Client({ connectionString: server.url() });
  await admin.connect();
  try {
    const store = await openStore(await server.createDatabase());
    try {
      await readBench('\nPostgreSQL', store);
    } finally {
      await store.close();
    }
    const settings = (await admin.query(`SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) AS s FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit')`)).rows[0].s;
    await hookCost(`PostgreSQL (${settings})`, await server.createDatabase(), dataDir);
  } finally {
    await admin.end();
    server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export default async function reportsBench() {
  const which = process.env.BENCH_STORE ?? 'both';
  if (which === 'sqlite' || which === 'both') await onSqlite();
  if (which === 'postgres' || which === 'both') await onPostgres();
}
