// `npm run bench record`: the cost of recording an event through the real domain command, on each store.
//
// 20,000 card moves through `moveCard` (main/domain/cards.ts: guards, position bookkeeping, the card update, the
// card_moved row, its activity, the in-transaction hooks and the follow-up jobs) against raw driver statements
// writing the same rows (card update + card_moved + activity + fan-out job), one transaction per move on both
// sides, interleaved in chunks of 1,000 so that machine noise falls on every side alike. Then as many comments
// through `addComment` (the comment, the commenter's subscription, comment_added, its activity, hooks, jobs)
// against raw statements writing comment + subscription + event + activity + fan-out job.
//
// SQLite (as since the first figure): raw better-sqlite3 prepared statements on a file opened the same way (WAL,
// synchronous=FULL).
// PostgreSQL: raw `pg` (one client, BEGIN, the four statements, COMMIT) on a throwaway server of its own
// (test/support/postgres.ts), each side in its own database. Twice: as that server runs (commits not flushed:
// the cost is round trips, the worst case for the ratio), and with durable commits (fsync, synchronous_commit
// on: what a hub runs, and what the SQLite figure measures).
//
// BENCH_STORE=sqlite|postgres picks one store (default: both); RECORD_BENCH_COMMANDS=move|comment one command
// (default: both); RECORD_BENCH_COUNT the count of each (20,000).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { v7 } from 'uuid';
import { openStore } from '../../db/open.ts';
import { rawFirst, rawRun } from '../../db/sql.ts';
import { sqliteConnectionOf } from '../../db/store-sqlite.ts';
import type { Store } from '../../db/store.ts';
import { moveCard } from '../../main/domain/cards.ts';
import { addComment } from '../../main/domain/comments.ts';
import type { DomainContext } from '../../main/domain/context.ts';
import { followUps, inTransactionHooks } from '../../main/domain/hooks.ts';
import { createProject } from '../../main/domain/projects.ts';
import { createAccount } from '../../main/demo.ts';
import { PushBus } from '../../main/push.ts';
import { startPostgresServer } from '../support/postgres.ts';

const COUNT = Number(process.env.RECORD_BENCH_COUNT ?? 20_000);
const BOARDS = 20;
const CARDS_PER_BOARD = 60;
const CHUNK = 1000;

interface Workspace {
  store: Store;
  ctx: DomainContext;
  /** Per board: its project, and per column the card ids in position order. */
  boards: { id: string; projectId: string; columns: { id: string; cards: string[] }[] }[];
  /** Every card, with its board. */
  cards: { id: string; board: Workspace['boards'][number] }[];
}

async function setup(store: Store): Promise<Workspace> {
  const { accountId, userId } = await createAccount(store, { name: 'Bench', owner: { name: 'Ana Lima', email: 'ana@bench.test' } });
  const ctx: DomainContext = { store, session: { accountId, userId }, push: new PushBus() };
  const boards: Workspace['boards'] = [];
  await store.transaction(async (tx) => {
    for (let b = 0; b < BOARDS; b++) {
      const { project, board } = await createProject(ctx, { name: `Project ${b}` });
      const columns = board.columns.map((c) => ({ id: c.id, cards: [] as string[] }));
      for (let i = 0; i < CARDS_PER_BOARD; i++) {
        const column = columns[i % columns.length];
        const id = v7();
        await rawRun(
          tx,
          `INSERT INTO cards (id, account_id, board_id, column_id, position, title, description, assignee_id, due_date, creator_id, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, '', NULL, NULL, ?, ?, ?)`,
          [id, accountId, board.board.id, column.id, column.cards.length, `Card ${b}.${i}`, userId, Date.now(), Date.now()],
        );
        column.cards.push(id);
      }
      boards.push({ id: board.board.id, projectId: project.id, columns });
    }
  });
  const cards = boards.flatMap((board) => board.columns.flatMap((c) => c.cards.map((id) => ({ id, board }))));
  return { store, ctx, boards, cards };
}

/**
 * The i-th move, the same on every side: round-robin over boards, the last card of one column goes to the end
 * of the next column (so the position bookkeeping touches no other card and every side updates one card row).
 */
function plan(w: Workspace, i: number) {
  const board = w.boards[i % w.boards.length];
  const round = Math.floor(i / w.boards.length);
  const from = board.columns[round % board.columns.length];
  const to = board.columns[(round + 1) % board.columns.length];
  const cardId = from.cards.pop()!;
  const fromPosition = from.cards.length;
  const toPosition = to.cards.length;
  to.cards.push(cardId);
  return { board, cardId, from, to, fromPosition, toPosition };
}
/** A command measured: the domain call, and the raw statements with their rows (the same values on every side). */
interface Command {
  name: string;
  /** The domain command it goes through. */
  via: string;
  /** What the raw side writes. */
  rawRows: string;
  domain(w: Workspace, i: number): Promise<void>;
  sql: string[];
  rows(w: Workspace, i: number): unknown[][];
  /** Every side wrote `n` of them, fully. */
  check(w: Workspace, label: string, n: number): Promise<void>;
}

const count = async (w: Workspace, sql: string) => Number((await rawFirst<{ n: number }>(w.store, sql))!.n);
const SQL_ACTIVITY = 'INSERT INTO activities (id, account_id, subject_type, subject_id, creator_id, board_id, project_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';
const SQL_JOB = 'INSERT INTO jobs (id, account_id, queue, kind, args, priority, run_at, created_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)';
/** The raw side's activity row of an event, as the domain writes it. */
const activityRow = (w: Workspace, table: string, eventId: string, board: Workspace['boards'][number], at: number) => [v7({ msecs: at }), w.ctx.session.accountId, table, eventId, w.ctx.session.userId, board.id, board.projectId, at];
const fanOutRow = (w: Workspace, table: string, eventId: string, at: number) => [v7({ msecs: at }), w.ctx.session.accountId, 'webhooks', 'webhooks.fanout', JSON.stringify({ table, eventId }), at, at];

async function eventsWritten(w: Workspace, label: string, table: string, n: number) {
  const events = await count(w, `SELECT count(*) AS n FROM ${table}`);
  const activities = await count(w, `SELECT count(*) AS n FROM activities WHERE subject_type = '${table}'`);
  const jobs = await count(w, `SELECT count(*) AS n FROM jobs WHERE kind = 'webhooks.fanout'`);
  if (events !== n || activities !== n || jobs !== n) throw new Error(`${label}: ${events} events, ${activities} activities, ${jobs} jobs`);
}

const moves: Command = {
  name: 'card moves',
  via: 'moveCard',
  rawRows: 'card + event + activity + job',
  async domain(w, i) {
    const m = plan(w, i);
    const card = await moveCard(w.ctx, { cardId: m.cardId, toColumnId: m.to.id });
    if (card.position !== m.toPosition) throw new Error(`move ${i}: position ${card.position}, expected ${m.toPosition}`);
  },
  sql: [
    'UPDATE cards SET column_id = ?, position = ?, updated_at = ? WHERE account_id = ? AND id = ?',
    'INSERT INTO card_moved (id, account_id, creator_id, created_at, card_id, from_column_id, to_column_id, from_position, to_position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    SQL_ACTIVITY,
    SQL_JOB,
  ],
  rows(w, i) {
    const m = plan(w, i);
    const { accountId, userId } = w.ctx.session;
    const at = Date.now();
    const eventId = v7({ msecs: at });
    return [
      [m.to.id, m.toPosition, at, accountId, m.cardId],
      [eventId, accountId, userId, at, m.cardId, m.from.id, m.to.id, m.fromPosition, m.toPosition],
      activityRow(w, 'card_moved', eventId, m.board, at),
      fanOutRow(w, 'card_moved', eventId, at),
    ];
  },
  async check(w, label, n) {
    await eventsWritten(w, label, 'card_moved', n);
    // Positions stay contiguous on every side.
    const gaps = await count(w, `SELECT count(*) AS n FROM (SELECT column_id, max(position) + 1 - count(*) AS gap FROM cards GROUP BY column_id) AS g WHERE gap <> 0`);
    if (gaps) throw new Error(`${label}: ${gaps} columns with position gaps`);
  },
};

/** The i-th comment, on every card in turn: the commenter is subscribed at the first (later ones change nothing). */
const comments: Command = {
  name: 'comments',
  via: 'addComment',
  rawRows: 'comment + subscription + event + activity + job',
  async domain(w, i) {
    await addComment(w.ctx, { cardId: w.cards[i % w.cards.length].id, body: `Comment ${i}: the fix is on staging.` });
  },
  sql: [
    'INSERT INTO comments (id, account_id, card_id, author_id, body, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    'INSERT INTO card_subscriptions (id, account_id, card_id, user_id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (card_id, user_id) DO NOTHING',
    'INSERT INTO comment_added (id, account_id, creator_id, created_at, comment_id, card_id) VALUES (?, ?, ?, ?, ?, ?)',
    SQL_ACTIVITY,
    SQL_JOB,
  ],
  rows(w, i) {
    const card = w.cards[i % w.cards.length];
    const { accountId, userId } = w.ctx.session;
    const at = Date.now();
    const commentId = v7({ msecs: at });
    const eventId = v7({ msecs: at });
    return [
      [commentId, accountId, card.id, userId, `Comment ${i}: the fix is on staging.`, at],
      [v7({ msecs: at }), accountId, card.id, userId, at],
      [eventId, accountId, userId, at, commentId, card.id],
      activityRow(w, 'comment_added', eventId, card.board, at),
      fanOutRow(w, 'comment_added', eventId, at),
    ];
  },
  async check(w, label, n) {
    await eventsWritten(w, label, 'comment_added', n);
    const written = await count(w, 'SELECT count(*) AS n FROM comments');
    const subscribed = await count(w, 'SELECT count(DISTINCT card_id) AS n FROM card_subscriptions');
    if (written !== n || subscribed !== Math.min(n, w.cards.length)) throw new Error(`${label}: ${written} comments, ${subscribed} cards subscribed to`);
  },
};

async function viaDomain(w: Workspace, c: Command, from: number, to: number): Promise<number> {
  const t = performance.now();
  for (let i = from; i < to; i++) await c.domain(w, i);
  return performance.now() - t;
}

/** The same command with only the foundation's follow-up (the webhook fan-out) and no area hooks. */
async function viaDomainBare(w: Workspace, c: Command, from: number, to: number): Promise<number> {
  const areaHooks = [...inTransactionHooks];
  const areaFollowUps = followUps.slice(1);
  inTransactionHooks.splice(0);
  followUps.splice(1);
  try {
    return await viaDomain(w, c, from, to);
  } finally {
    inTransactionHooks.push(...areaHooks);
    followUps.push(...areaFollowUps);
  }
}

/** Raw better-sqlite3: prepared statements on the workspace's own connection, one transaction per command. */
function rawSqlite(w: Workspace, c: Command) {
  const sqlite = sqliteConnectionOf(w.store)!;
  const statements = c.sql.map((s) => sqlite.prepare(s));
  const one = sqlite.transaction((rows: unknown[][]) => {
    rows.forEach((params, i) => statements[i].run(...params));
  });
  return async (from: number, to: number) => {
    const t = performance.now();
    for (let i = from; i < to; i++) one(c.rows(w, i));
    return performance.now() - t;
  };
}

/** Raw pg: one client, the same statements between BEGIN and COMMIT. */
async function rawPg(w: Workspace, url: string, c: Command) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const texts = c.sql.map((s) => {
    let n = 0;
    return s.replace(/\?/g, () => `$${++n}`);
  });
  const run = async (from: number, to: number) => {
    const t = performance.now();
    for (let i = from; i < to; i++) {
      const rows = c.rows(w, i);
      await client.query('BEGIN');
      for (let s = 0; s < texts.length; s++) await client.query(texts[s], rows[s]);
      await client.query('COMMIT');
    }
    return performance.now() - t;
  };
  return { run, close: () => client.end() };
}

interface Sides {
  raw: (from: number, to: number) => Promise<number>;
  domain: Workspace;
  bare: Workspace;
}

/** Interleave the three sides chunk by chunk; print events/s and the ratio of each to the raw time. */
async function measure(title: string, c: Command, sides: Sides, n: number, workspaces: { raw: Workspace }) {
  let rawMs = 0;
  let domainMs = 0;
  let bareMs = 0;
  for (let from = 0; from < n; from += CHUNK) {
    const to = Math.min(n, from + CHUNK);
    rawMs += await sides.raw(from, to);
    domainMs += await viaDomain(sides.domain, c, from, to);
    bareMs += await viaDomainBare(sides.bare, c, from, to);
  }
  await c.check(workspaces.raw, 'raw', n);
  await c.check(sides.domain, 'domain', n);
  await c.check(sides.bare, 'foundation only', n);
  const rate = (ms: number) => n / (ms / 1000);
  const line = (label: string, ms: number) =>
    console.log(`  ${label.padEnd(74)} ${rate(ms).toFixed(0).padStart(6)} events/s  ${((ms / n) * 1000).toFixed(0).padStart(5)} µs/event  ratio to raw ${(ms / rawMs).toFixed(2)}×`);
  console.log(`${title}: ${n.toLocaleString('en')} ${c.name}, one transaction each`);
  line(title.startsWith('SQLite') ? `raw prepared statements (${c.rawRows})` : `raw pg (BEGIN, ${c.rawRows}, COMMIT)`, rawMs);
  line(`${c.via}, foundation only (fan-out job, no area hooks)`, bareMs);
  line(`${c.via}, as registered (${inTransactionHooks.length} in-tx hooks, ${followUps.length} follow-ups)`, domainMs);
}

const commands = (process.env.RECORD_BENCH_COMMANDS ?? 'move,comment').split(',').map((name) => {
  const c = { move: moves, comment: comments }[name.trim()];
  if (!c) throw new Error(`RECORD_BENCH_COMMANDS: ${name} is not move or comment`);
  return c;
});

async function onSqlite() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chronicle-bench-record-'));
  const stores: Store[] = [];
  try {
    const open = async (name: string) => {
      const store = await openStore(path.join(dir, name));
      stores.push(store);
      const c = sqliteConnectionOf(store)!;
      if (c.pragma('journal_mode', { simple: true }) !== 'wal' || c.pragma('synchronous', { simple: true }) !== 2) {
        throw new Error('every file must be WAL + synchronous=FULL');
      }
      return setup(store);
    };
    for (const c of commands) {
      const domain = await open(`${c.name}-domain.db`);
      const raw = await open(`${c.name}-raw.db`);
      const bare = await open(`${c.name}-bare.db`);
      await measure('SQLite (WAL + synchronous=FULL)', c, { raw: rawSqlite(raw, c), domain, bare }, COUNT, { raw });
    }
  } finally {
    for (const s of stores) await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function onPostgres() {
  const server = await startPostgresServer();
  const admin = new pg.Client({ connectionString: server.url() });
  await admin.connect();
  try {
    for (const durable of [false, true]) {
      if (durable) {
        // What a hub runs: every COMMIT waits for its WAL to reach the disk.
        await admin.query(`ALTER SYSTEM SET fsync = on`);
        await admin.query(`ALTER SYSTEM SET full_page_writes = on`);
        await admin.query(`ALTER SYSTEM SET synchronous_commit = on`);
        await admin.query('SELECT pg_reload_conf()');
        await new Promise((r) => setTimeout(r, 500));
      }
      const settings = (await admin.query(`SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) AS s FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit')`)).rows[0].s as string;
      if (durable && !/fsync=on/.test(settings)) {
        // Options given on the server's command line win over ALTER SYSTEM.
        console.log(`PostgreSQL with durable commits: not measured: the throwaway server keeps ${settings} from its command line (test/support/postgres.ts starts it so).`);
        continue;
      }
      for (const c of commands) {
        const stores: Store[] = [];
        const open = async () => {
          const url = await server.createDatabase();
          const store = await openStore(url);
          stores.push(store);
          return { url, w: await setup(store) };
        };
        const domain = await open();
        const raw = await open();
        const bare = await open();
        const direct = await rawPg(raw.w, raw.url, c);
        try {
          await measure(`PostgreSQL ${durable ? 'with durable commits' : 'as the test server runs'} (${settings})`, c, { raw: direct.run, domain: domain.w, bare: bare.w }, COUNT, { raw: raw.w });
        } finally {
          await direct.close();
          for (const s of stores) await s.close();
        }
      }
    }
  } finally {
    await admin.end();
    server.stop();
  }
}

export default async function () {
  const which = process.env.BENCH_STORE ?? 'both';
  if (which === 'sqlite' || which === 'both') await onSqlite();
  if (which === 'postgres' || which === 'both') await onPostgres();
}
