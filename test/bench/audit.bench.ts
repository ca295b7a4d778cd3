// `npm run bench audit`: on each store, the audit trail of one account with 1,000,000 chained events.
//
// - verify: the whole chain through verifyChain (rows/s), against raw SHA-256 over exactly the preimages it hashes,
//   in the same run; the verifier's reads alone are timed too (and, beside them, the chain-ordered join
//   readChainChunk, the one-statement alternative).
// - card history of a card with 10,000 versions: p99 per page of 50 through cardHistory, against a raw indexed
//   read of the same page through the bare driver.
// - the account-wide audit list: p99 per page of 100 (all, one attribute, one person).
// - export: a signed review bundle of the whole account (exportBundle: a fresh SQLite file, the rows copied from
//   one snapshot, signed), against a raw read of the same rows through the bare driver; on SQLite the copy also
//   against how the export made its file before (an online backup of the workspace file, then VACUUM of the copy).
//
// The chain is generated once per store (not measured): SQLite with prepared statements in transactions of
// 100,000 rows (as since the first figure); PostgreSQL on a throwaway server of its own (test/support/postgres.ts)
// with COPY-style inserts (`INSERT … SELECT FROM unnest(arrays)`), the activities indexes built after the load,
// then ANALYZE, as a hub's autovacuum would.
//
// AUDIT_BENCH_EVENTS scales it (default 1,000,000); BENCH_STORE=sqlite|postgres picks one store (default: both).
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { chainReader, readChainChunk, verifyColumnOffsets } from '../../db/audit.ts';
import { GENESIS, canonicalRow, canonicalValues, isChainedTable, linkHash, linkPreimage } from '../../db/audit-canonical.ts';
import { openStore } from '../../db/open.ts';
import { sqliteConnectionOf } from '../../db/store-sqlite.ts';
import type { Store } from '../../db/store.ts';
import { exportBundle, type ExportPhase } from '../../main/audit/bundle.ts';
import { auditList, cardHistory } from '../../main/audit/history.ts';
import { verifyChain } from '../../main/audit/verify.ts';
import { prng } from '../../main/demo.ts';
import { startPostgresServer } from '../support/postgres.ts';
import { bulkColumns, pgBulkLoad } from './support.ts';

const EVENTS = Number(process.env.AUDIT_BENCH_EVENTS ?? 1_000_000);
const HOT_VERSIONS = Math.min(10_000, Math.floor(EVENTS / 20));
const CARDS = Math.min(2_000, Math.floor(EVENTS / 10));

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (n: number) => `${n.toFixed(2)} ms`;
const secs = (n: number) => `${(n / 1000).toFixed(2)} s`;
const uuid = (n: number) => {
  const h = n.toString(16).padStart(20, '0');
  return `019a0000-0000-7${h.slice(0, 3)}-8${h.slice(3, 6)}-${h.slice(8, 20)}`;
};

const columns = bulkColumns;
type Table = keyof typeof columns;
type Rows = Partial<Record<Table, unknown[][]>>;
const ordered = (table: Table, row: Record<string, unknown>) => Object.keys(columns[table]).map((c) => row[c] ?? null);

interface Loader {
  load(rows: Rows): Promise<void>;
  finish(): Promise<void>;
}

interface Built {
  account: string;
  users: string[];
  hot: string;
  hotVersions: number;
  links: number;
}

/** One account, a board of three columns, CARDS cards, then card updates and moves up to EVENTS, all chained. */
export async function generate(loader: Loader): Promise<Built> {
  const rand = prng(11);
  let id = 1;
  const t0 = Date.parse('2025-01-01T00:00:00Z');
  const account = uuid(id++);
  const users = [uuid(id++), uuid(id++), uuid(id++), uuid(id++)];
  const project = uuid(id++);
  const board = uuid(id++);
  const cols = [uuid(id++), uuid(id++), uuid(id++)];
  await loader.load({
    accounts: [[account, 'Bench', t0]],
    users: users.map((u, i) => [u, account, `User ${i}`, `u${i}@bench.test`, t0]),
    memberships: users.map((u, i) => [uuid(id++), account, u, i === 0 ? 'owner' : 'member', t0]),
    projects: [[project, account, 'Bench', null, null, t0]],
    boards: [[board, account, project, 'Board', t0]],
    columns: cols.map((c, i) => [c, account, board, `Column ${i}`, i, t0]),
  });
  const cards = Array.from({ length: CARDS }, () => uuid(id++));
  const hot = cards[0];
  const cardColumn = new Map<string, number>(cards.map((c) => [c, 0]));
  const cardRows = new Map<string, unknown[]>();
  let seq = 0;
  let prev = GENESIS;
  let clock = t0;
  const hotEvery = Math.max(1, Math.floor((EVENTS - CARDS) / HOT_VERSIONS));
  let hotDone = 0;
  const BATCH = 100_000;
  let made = 0;
  while (made < EVENTS) {
    const rows: Required<Pick<Rows, 'card_created' | 'card_updated' | 'card_moved' | 'audit_chain' | 'activities'>> = {
      card_created: [], card_updated: [], card_moved: [], audit_chain: [], activities: [],
    };
    const link = (table: 'card_created' | 'card_updated' | 'card_moved', row: Record<string, unknown> & { id: string; created_at: number; creator_id: string }) => {
      seq++;
      const hash = linkHash(prev, table, canonicalRow(table, row));
      rows[table].push(ordered(table, row));
      rows.audit_chain.push([account, seq, table, row.id, prev, hash, row.created_at]);
      rows.activities.push([uuid(id++), account, table, row.id, row.creator_id, board, project, row.created_at]);
      prev = hash;
    };
    const end = Math.min(EVENTS, made + BATCH);
    for (; made < end; made++) {
      clock += 1 + rand.int(2000);
      const creator = users[rand.int(users.length)];
      if (made < CARDS) {
        const card = cards[made];
        cardRows.set(card, [card, account, board, cols[0], made, `Card ${made}`, 'Start.', null, null, creator, clock, clock]);
        link('card_created', { id: uuid(id++), account_id: account, creator_id: creator, created_at: clock, card_id: card, board_id: board, column_id: cols[0], title: `Card ${made}` });
        continue;
      }
      const card = hotDone < HOT_VERSIONS && made % hotEvery === 0 ? (hotDone++, hot) : cards[1 + rand.int(CARDS - 1)];
      if (rand.next() < 0.25) {
        const from = cardColumn.get(card)!;
        const to = (from + 1 + rand.int(2)) % 3;
        cardColumn.set(card, to);
        link('card_moved', { id: uuid(id++), account_id: account, creator_id: creator, created_at: clock, card_id: card, from_column_id: cols[from], to_column_id: cols[to], from_position: 0, to_position: 0 });
      } else {
        const changes = rand.next() < 0.5
          ? { title: [`Card v${made - 1}`, `Card v${made}`] }
          : { description: [`Text ${made - 1} with several words in it.`, `Text ${made} with several more words in it.`] };
        link('card_updated', { id: uuid(id++), account_id: account, creator_id: creator, created_at: clock, card_id: card, changes: JSON.stringify(changes) });
      }
    }
    // Cards go in with the first batch, before the events that refer to them.
    if (cardRows.size) {
      await loader.load({ cards: [...cardRows.values()], ...rows });
      cardRows.clear();
    } else await loader.load(rows);
  }
  await loader.finish();
  return { account, users, hot, hotVersions: hotDone, links: seq };
}

export function sqliteLoader(store: Store): Loader {
  const sqlite = sqliteConnectionOf(store)!;
  sqlite.pragma('synchronous = OFF');
  sqlite.pragma('foreign_keys = OFF');
  const statements = new Map<Table, Database.Statement>();
  const stmt = (t: Table) => {
    let s = statements.get(t);
    if (!s) statements.set(t, (s = sqlite.prepare(`INSERT INTO ${t} (${Object.keys(columns[t]).join(', ')}) VALUES (${Object.keys(columns[t]).map(() => '?').join(', ')})`)));
    return s;
  };
  return {
    async load(rows) {
      sqlite.transaction(() => {
        for (const [t, list] of Object.entries(rows) as [Table, unknown[][]][]) for (const r of list) stmt(t).run(r);
      })();
    },
    async finish() {
      sqlite.pragma('wal_checkpoint(TRUNCATE)');
      sqlite.pragma('synchronous = FULL');
      sqlite.pragma('foreign_keys = ON');
    },
  };
}

export function postgresLoader(client: pg.Client): Loader {
  const bulk = pgBulkLoad(client, columns);
  let started = false;
  return {
    async load(rows) {
      if (!started) await bulk.withoutChecks();
      started = true;
      await bulk.insert(rows);
    },
    finish: () => bulk.restore(),
  };
}

interface Target {
  label: string;
  store: Store;
  /** A raw query through the bare driver (`?` placeholders). */
  raw(sql: string, params: unknown[]): Promise<unknown[]>;
  /** The export as it was before (SQLite only): online backup of the workspace, then VACUUM of the copy. */
  previousExport?(file: string): Promise<void>;
}

async function measure(t: Target, built: Built, dataDir: string): Promise<void> {
  const { store } = t;
  const { account } = built;
  const seq = built.links;
  console.log(`\n${t.label}`);

  // ---- verify ------------------------------------------------------------------------------------------------
  // Warm the cache once so both measurements read from memory.
  for (let after = 0; after < seq; after += 50_000) await readChainChunk(store, account, after, seq, 50_000);
  const vStart = performance.now();
  const result = await verifyChain(store, account);
  const verifyMs = performance.now() - vStart;
  if (!result.ok || result.checked !== seq) throw new Error(`verify failed: ${JSON.stringify(result.firstBroken)}`);

  // Raw baseline: SHA-256 of exactly the preimages the verifier hashes (built outside the timer).
  let rawMs = 0;
  let bytes = 0;
  for (let after = 0; after < seq; after += 50_000) {
    const rows = await readChainChunk(store, account, after, seq, 50_000);
    const pre: string[] = rows.map((row) => {
      const table = row[1] as string;
      if (!isChainedTable(table)) throw new Error(table);
      return linkPreimage(row[3] as string, table, canonicalValues(table, row, verifyColumnOffsets[table]));
    });
    for (const p of pre) bytes += Buffer.byteLength(p);
    const h0 = performance.now();
    for (const p of pre) createHash('sha256').update(p, 'utf8').digest('hex');
    rawMs += performance.now() - h0;
  }
  // The verifier's reads alone, in its chunks of 2,000, to show where the time goes; and the one-statement join.
  const r0 = performance.now();
  const reader = chainReader(store, account);
  for (let after = 0; after < seq; ) {
    const steps = await reader.read(after, seq, 2_000);
    after = steps[steps.length - 1].seq;
  }
  const readMs = performance.now() - r0;
  const j0 = performance.now();
  for (let after = 0; after < seq; after += 2_000) await readChainChunk(store, account, after, seq, 2_000);
  const joinMs = performance.now() - j0;
  console.log(`verify ${seq.toLocaleString('en')} links: ${secs(verifyMs)} = ${Math.round(seq / (verifyMs / 1000)).toLocaleString('en')} rows/s`);
  console.log(`raw SHA-256 over the same ${(bytes / 1e6).toFixed(0)} MB (${seq.toLocaleString('en')} digests): ${secs(rawMs)} = ${Math.round(seq / (rawMs / 1000)).toLocaleString('en')} rows/s`);
  console.log(`ratio verify / raw SHA-256: ${(verifyMs / rawMs).toFixed(2)}x   (of which reading links and rows: ${secs(readMs)}; the chain-ordered join instead: ${secs(joinMs)})`);

  // ---- card history of the hot card ----------------------------------------------------------------------------
  const pageTimes: number[] = [];
  const rawTimes: number[] = [];
  const rawPage = 'SELECT id, creator_id, created_at, changes FROM card_updated WHERE card_id = ? AND (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT 50';
  let pages = 0;
  for (let round = 0; round < 3; round++) {
    let cursor: string | undefined;
    let key = { t: Number.MAX_SAFE_INTEGER, i: 'g' };
    do {
      const a = performance.now();
      const page = await cardHistory(store, account, { cardId: built.hot, cursor, limit: 50 });
      pageTimes.push(performance.now() - a);
      cursor = page.nextCursor;
      pages++;
      const b = performance.now();
      const rows = (await t.raw(rawPage, [built.hot, key.t, key.i])) as { id: string; created_at: number }[];
      rawTimes.push(performance.now() - b);
      const last = rows[rows.length - 1];
      if (last) key = { t: Number(last.created_at), i: last.id };
    } while (cursor);
  }
  console.log(
    `card history, ${built.hotVersions.toLocaleString('en')} versions, pages of 50 (${pages} pages over 3 rounds): p50 ${ms(pct(pageTimes, 50))}, p99 ${ms(pct(pageTimes, 99))}; ` +
      `raw indexed page read p99 ${ms(pct(rawTimes, 99))} (ratio p99 ${(pct(pageTimes, 99) / pct(rawTimes, 99)).toFixed(1)}x)`,
  );

  // ---- account-wide audit list on the same account ------------------------------------------------------------
  const listTimes: Record<string, number[]> = { all: [], attribute: [], person: [] };
  for (const [name, filter] of [['all', {}], ['attribute', { attribute: 'description' }], ['person', { personId: built.users[2] }]] as const) {
    let cursor: string | undefined;
    for (let i = 0; i < 100; i++) {
      const a = performance.now();
      const page = await auditList(store, account, { ...filter, cursor, limit: 100 });
      listTimes[name].push(performance.now() - a);
      cursor = page.nextCursor;
    }
  }
  console.log(
    `audit list, pages of 100 (100 pages each): all p99 ${ms(pct(listTimes.all, 99))}, attribute=description p99 ${ms(pct(listTimes.attribute, 99))}, one person p99 ${ms(pct(listTimes.person, 99))}`,
  );

  // ---- export ----------------------------------------------------------------------------------------------------
  const out = path.join(dataDir, 'bench.chronicle-bundle');
  const phaseAt: Partial<Record<ExportPhase, number>> = {};
  const e0 = performance.now();
  const bundle = await exportBundle(store, {
    accountId: account, out, dataDir,
    onProgress: (phase) => void (phaseAt[phase] ??= performance.now()),
  });
  const exportMs = performance.now() - e0;
  // Raw baseline: the rows the bundle holds, read through the bare driver (the floor of any export).
  const x0 = performance.now();
  let rows = 0;
  for (const table of ['audit_chain', 'card_created', 'card_updated', 'card_moved', 'activities', 'cards', 'users', 'memberships', 'columns', 'boards', 'projects']) {
    rows += (await t.raw(`SELECT * FROM ${table} WHERE account_id = ?`, [account])).length;
  }
  const rawReadMs = performance.now() - x0;
  const copyMs = (phaseAt.sign ?? 0) - (phaseAt.copy ?? 0);
  console.log(
    `export of the account as a signed bundle (${(bundle.bytes / 1e6).toFixed(0)} MB): ${secs(exportMs)} (copy ${secs(copyMs)}, sign ${secs(exportMs - copyMs)}); ` +
      `raw read of the same ${rows.toLocaleString('en')} rows ${secs(rawReadMs)} (ratio ${(exportMs / rawReadMs).toFixed(1)}x)`,
  );
  if (t.previousExport) {
    // The signing part (digests, manifest) is the same work as before; what changed is how the file is made.
    const p0 = performance.now();
    await t.previousExport(path.join(dataDir, 'previous.db'));
    const prevMs = performance.now() - p0;
    console.log(`  the file as the export made it before (online backup of the workspace, then VACUUM of the copy): ${secs(prevMs)}; this copy / that: ${(copyMs / prevMs).toFixed(2)}x`);
  }
  fs.rmSync(out, { force: true });
}

async function onSqlite() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chronicle-audit-bench-'));
  const file = path.join(dir, 'bench.db');
  const store = await openStore(file);
  try {
    const g0 = performance.now();
    const built = await generate(sqliteLoader(store));
    console.log(`SQLite: generated ${built.links.toLocaleString('en')} chained events (hot card: ${built.hotVersions.toLocaleString('en')} versions) in ${secs(performance.now() - g0)}; file ${(fs.statSync(file).size / 1e6).toFixed(0)} MB`);
    const sqlite = sqliteConnectionOf(store)!;
    await measure(
      {
        label: 'SQLite (one file; raw: better-sqlite3 prepared statements on the same connection)',
        store,
        raw: async (sql, params) => sqlite.prepare(sql).all(...params),
        previousExport: async (copy) => {
          await sqlite.backup(copy);
          const db = new Database(copy);
          db.pragma('journal_mode = DELETE');
          db.exec('VACUUM');
          db.close();
          fs.rmSync(copy, { force: true });
        },
      },
      built,
      dir,
    );
  } finally {
    await store.close();
    if (process.env.AUDIT_BENCH_KEEP) console.log(`kept ${file}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `?` → `$n` for the bare pg client. */
const dollars = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

async function onPostgres() {
  const server = await startPostgresServer();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chronicle-audit-bench-'));
  const url = await server.createDatabase('audit_bench');
  const store = await openStore(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const g0 = performance.now();
    const built = await generate(postgresLoader(client));
    console.log(`\nPostgreSQL: generated ${built.links.toLocaleString('en')} chained events (hot card: ${built.hotVersions.toLocaleString('en')} versions) in ${secs(performance.now() - g0)} (bulk load, indexes, ANALYZE)`);
    await measure(
      {
        label: 'PostgreSQL (local server, pool of 10; raw: one bare pg client)',
        store,
        raw: async (sql, params) => (await client.query(dollars(sql), params)).rows,
      },
      built,
      dir,
    );
  } finally {
    await client.end();
    await store.close();
    server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export default async function () {
  const which = process.env.BENCH_STORE ?? 'both';
  if (which === 'sqlite' || which === 'both') await onSqlite();
  if (which === 'postgres' || which === 'both') await onPostgres();
}
