// `npm run bench feed`: pages of the activity feed over 1,000,000 activities, on each store.
//
// Builds a workspace with one large account (1M activities over six event types, every subject a real event row
// pointing at real cards, columns, people and projects) and a small second account, then times pages of 50
// through the real `listFeed` (main/feed.ts: the keyset query plus the subjects and names of the page) against a
// raw baseline measured in the same run: the same keyset query returning only the ids, through the bare driver.
// (On a hub listFeed is two statements a page: the page with its event rows, then its names; on SQLite one more
// per event type on the page. See db/feed.ts.)
//
// SQLite (as since the first figure): a file, loaded with prepared statements in transactions of 50,000 with the
// activities indexes dropped and rebuilt, no ANALYZE (the app never runs it).
// PostgreSQL: a throwaway server of its own (test/support/postgres.ts), the same rows (the same generator and
// seed) bulk-loaded COPY-style (`INSERT … SELECT FROM unnest(arrays)`, 10,000 rows a statement, foreign-key
// triggers off for the load, the activities indexes built after it), then ANALYZE, as a hub's autovacuum would.
//
// BENCH_STORE=sqlite|postgres picks one store (default: both).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { v7 } from 'uuid';
import { listActivitiesWithSubjects } from '../../db/feed.ts';
import { openStore } from '../../db/open.ts';
import { sqliteConnectionOf } from '../../db/store-sqlite.ts';
import type { Db, ExecResult, Store } from '../../db/store.ts';
import { prng } from '../../main/demo.ts';
import { decodeCursor, encodeCursor, listFeed } from '../../main/feed.ts';
import type { ParsedInput } from '../../preload/contract.ts';
import { startPostgresServer } from '../support/postgres.ts';
import { bulkColumns, pgBulkLoad } from './support.ts';

const TOTAL = Number(process.env.FEED_BENCH_ROWS ?? 1_000_000);
const PAGES = 500;
const LIMIT = 50;
const DAY = 86_400_000;

type Filter = Omit<ParsedInput<'activity.list'>, 'cursor' | 'limit'>;

const typeMix: [string, number][] = [
  ['card_moved', 0.45],
  ['card_updated', 0.25],
  ['comment_added', 0.15],
  ['card_created', 0.145],
  ['member_invited', 0.004],
  ['project_archived', 0.001],
];

const columns = bulkColumns;
type Table = keyof typeof columns;
type Rows = Partial<Record<Table, unknown[][]>>;

/** Where the generated rows go: one `load` per transaction, the activities indexes off around the bulk part. */
interface Loader {
  load(rows: Rows): Promise<void>;
  beforeBulk(): Promise<void>;
  afterBulk(): Promise<void>;
}

/** The dataset, the same for a seed on every store: rows are handed to the loader in transactions of 50,000. */
async function generate(loader: Loader) {
  const rand = prng(2026);
  const end = Date.UTC(2026, 10, 1);
  const start = end - 365 * DAY;
  const id = (at: number) => v7({ msecs: at });

  // The workspace: 2 accounts, 12 people, 6 projects, 12 boards of 4 columns, 3,000 cards, 2,000 comments.
  const accounts = [id(start), id(start)];
  const users: string[][] = [[], []];
  const projects: string[][] = [[], []];
  const boards: { id: string; projectId: string; columns: string[] }[][] = [[], []];
  const cards: { id: string; boardId: string; columnId: string }[][] = [[], []];
  const comments: { id: string; cardId: string }[][] = [[], []];
  const memberships: string[][] = [[], []];
  const base: Required<Pick<Rows, 'accounts' | 'users' | 'memberships' | 'projects' | 'boards' | 'columns' | 'cards' | 'comments'>> = {
    accounts: [], users: [], memberships: [], projects: [], boards: [], columns: [], cards: [], comments: [],
  };
  for (const a of [0, 1]) {
    const big = a === 0;
    base.accounts.push([accounts[a], big ? 'Bench Corp' : 'Small Co', start]);
    for (let u = 0; u < (big ? 10 : 2); u++) {
      const uid = id(start);
      users[a].push(uid);
      base.users.push([uid, accounts[a], `Person ${a}-${u}`, `p${a}-${u}@bench.test`, start]);
      const mid = id(start);
      memberships[a].push(mid);
      base.memberships.push([mid, accounts[a], uid, u === 0 ? 'owner' : 'member', start]);
    }
    for (let p = 0; p < (big ? 5 : 1); p++) {
      const pid = id(start);
      projects[a].push(pid);
      base.projects.push([pid, accounts[a], `Project ${p}`, null, null, start]);
      for (let b = 0; b < 2; b++) {
        const bid = id(start);
        base.boards.push([bid, accounts[a], pid, `Board ${p}.${b}`, start]);
        const cols = ['To do', 'Doing', 'Review', 'Done'].map((name, position) => {
          const cid = id(start);
          base.columns.push([cid, accounts[a], bid, name, position, start]);
          return cid;
        });
        boards[a].push({ id: bid, projectId: pid, columns: cols });
      }
    }
    const nCards = big ? 2500 : 500;
    for (let c = 0; c < nCards; c++) {
      const b = boards[a][c % boards[a].length];
      const cid = id(start);
      const columnId = b.columns[0];
      base.cards.push([cid, accounts[a], b.id, columnId, Math.floor(c / boards[a].length), `Card ${c}`, '', null, null, users[a][c % users[a].length], start, start]);
      cards[a].push({ id: cid, boardId: b.id, columnId });
    }
    for (let c = 0; c < (big ? 1500 : 500); c++) {
      const target = cards[a][c];
      const mid = id(start);
      base.comments.push([mid, accounts[a], target.id, users[a][0], `Comment ${c}`, start]);
      comments[a].push({ id: mid, cardId: target.id });
    }
  }
  await loader.load(base);

  await loader.beforeBulk();
  const cumulative = typeMix.map((_, i) => typeMix.slice(0, i + 1).reduce((sum, [, x]) => sum + x, 0));
  const cardById = [new Map(cards[0].map((c) => [c.id, c])), new Map(cards[1].map((c) => [c.id, c]))];
  const boardById = [new Map(boards[0].map((b) => [b.id, b])), new Map(boards[1].map((b) => [b.id, b]))];
  const pickType = () => {
    const r = rand.next();
    for (let i = 0; i < typeMix.length; i++) if (r < cumulative[i]) return typeMix[i][0];
    return typeMix[0][0];
  };
  const BATCH = 50_000;
  let t = start;
  const step = (365 * DAY) / TOTAL;
  for (let done = 0; done < TOTAL; done += BATCH) {
    const rows = {
      card_created: [] as unknown[][], card_moved: [] as unknown[][], card_updated: [] as unknown[][], comment_added: [] as unknown[][],
      member_invited: [] as unknown[][], project_archived: [] as unknown[][], activities: [] as unknown[][],
    };
    for (let i = done; i < Math.min(TOTAL, done + BATCH); i++) {
      // Mostly spread out; one row in ten lands in a burst of rows sharing the same millisecond.
      if (rand.next() >= 0.1) t = Math.max(t, start + Math.floor(i * step));
      const a = rand.next() < 0.97 ? 0 : 1;
      const type = pickType();
      const creator = rand.pick(users[a]);
      const eid = id(t);
      let boardId: string | null = null;
      let projectId: string | null = null;
      if (type === 'member_invited') {
        const m = rand.int(memberships[a].length);
        rows.member_invited.push([eid, accounts[a], creator, t, memberships[a][m], users[a][m], 'member']);
      } else if (type === 'project_archived') {
        projectId = rand.pick(projects[a]);
        rows.project_archived.push([eid, accounts[a], creator, t, projectId, 'Archived for the benchmark.']);
      } else {
        const useComment = type === 'comment_added';
        const c = useComment ? rand.pick(comments[a]) : null;
        const card = c ? cardById[a].get(c.cardId)! : rand.pick(cards[a]);
        const b = boardById[a].get(card.boardId)!;
        boardId = b.id;
        projectId = b.projectId;
        if (type === 'card_created') rows.card_created.push([eid, accounts[a], creator, t, card.id, b.id, b.columns[0], `Card`]);
        else if (type === 'card_moved') {
          const from = rand.int(4);
          const to = (from + 1 + rand.int(3)) % 4;
          rows.card_moved.push([eid, accounts[a], creator, t, card.id, b.columns[from], b.columns[to], rand.int(20), rand.int(20)]);
        } else if (type === 'card_updated') rows.card_updated.push([eid, accounts[a], creator, t, card.id, '{"title":["Old","New"]}']);
        else rows.comment_added.push([eid, accounts[a], creator, t, c!.id, card.id]);
      }
      rows.activities.push([id(t), accounts[a], type, eid, creator, boardId, projectId, t]);
    }
    await loader.load(rows);
  }
  await loader.afterBulk();
  return { accountId: accounts[0], users: users[0], projects: projects[0], boards: boards[0] };
}

const insertSql = (table: Table, mark: (i: number) => string) =>
  `INSERT INTO ${table} (${Object.keys(columns[table]).join(', ')}) VALUES (${Object.keys(columns[table]).map((_, i) => mark(i)).join(', ')})`;

/** SQLite: prepared statements on the store's connection, one transaction per load, indexes rebuilt after. */
function sqliteLoader(store: Store): Loader {
  const sqlite = sqliteConnectionOf(store)!;
  const statements = new Map<Table, { run(...params: unknown[]): unknown }>();
  const statement = (table: Table) => {
    let st = statements.get(table);
    if (!st) statements.set(table, (st = sqlite.prepare<unknown[]>(insertSql(table, () => '?'))));
    return st;
  };
  let indexSql: string[] = [];
  return {
    async load(rows) {
      sqlite.transaction(() => {
        for (const [table, list] of Object.entries(rows) as [Table, unknown[][]][]) for (const r of list) statement(table).run(...r);
      })();
    },
    async beforeBulk() {
      // Bulk load: drop the activities indexes, insert in large transactions, rebuild them (the migration's own SQL).
      indexSql = (sqlite.prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'activities' AND sql IS NOT NULL`).all() as { sql: string }[]).map((r) => r.sql);
      for (const sql of indexSql) sqlite.exec(`DROP INDEX ${/INDEX (\w+)/.exec(sql)![1]}`);
      sqlite.pragma('synchronous = OFF');
    },
    async afterBulk() {
      for (const sql of indexSql) sqlite.exec(sql);
      // No ANALYZE: the app never runs it, so the planner works without sqlite_stat1 here too.
      sqlite.pragma('synchronous = FULL');
    },
  };
}

/** PostgreSQL: multi-row inserts from arrays on a client of its own, then the indexes, then ANALYZE. */
function postgresLoader(client: pg.Client): Loader {
  const bulk = pgBulkLoad(client, columns);
  return { load: (rows) => bulk.insert(rows), beforeBulk: () => bulk.withoutChecks(), afterBulk: () => bulk.restore() };
}

/** The raw baseline's SQL: the same keyset query (one ordered range per type when there are several, merged), ids only. */
function rawIdsSql(accountId: string, f: Filter, before: { createdAt: number; id: string } | undefined, limit: number) {
  const branch = (types: readonly string[] | undefined) => {
    const where = ['account_id = ?'];
    const params: unknown[] = [accountId];
    if (f.boardId) (where.push('board_id = ?'), params.push(f.boardId));
    if (f.projectId) (where.push('project_id = ?'), params.push(f.projectId));
    if (f.creatorId) (where.push('creator_id = ?'), params.push(f.creatorId));
    if (types?.length === 1) (where.push('subject_type = ?'), params.push(types[0]));
    else if (types?.length) (where.push(`subject_type IN (${types.map(() => '?').join(', ')})`), params.push(...types));
    if (f.from) (where.push('created_at >= ?'), params.push(Date.parse(f.from)));
    if (f.to) (where.push('created_at < ?'), params.push(Date.parse(f.to)));
    if (before) (where.push('(created_at, id) < (?, ?)'), params.push(before.createdAt, before.id));
    params.push(limit);
    return { sql: `SELECT id, created_at FROM activities WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`, params };
  };
  if (!f.types || f.types.length <= 1) return branch(f.types);
  const branches = f.types.map((t) => branch([t]));
  return {
    sql: `SELECT id FROM (${branches.map((b, i) => `SELECT * FROM (${b.sql}) AS b${i}`).join(' UNION ALL ')}) AS merged ORDER BY created_at DESC, id DESC LIMIT ?`,
    params: [...branches.flatMap((b) => b.params), limit],
  };
}

const toDollar = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

/** A Db on a store that keeps the statements sent through it (to show the plan of what the feed ran). */
function recording(store: Store) {
  const seen: { sql: string; params: readonly unknown[] }[] = [];
  const db: Db = {
    dialect: store.dialect,
    q: store.q,
    execCompiled<R>(sql: string, params: readonly unknown[]): Promise<ExecResult<R>> {
      seen.push({ sql, params });
      return store.execCompiled<R>(sql, params);
    },
    execArrays: (sql, params) => store.execArrays(sql, params),
    script: (sql) => store.script(sql),
  };
  return { db, seen };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

interface Target {
  label: string;
  store: Store;
  /** The raw baseline: ids of one page through the bare driver. */
  rawIds(sql: string, params: unknown[]): Promise<unknown[]>;
  /** One line about the plan the store chose for a feed statement. */
  plan(sql: string, params: readonly unknown[]): Promise<string>;
}

async function run(target: Target, built: Awaited<ReturnType<typeof generate>>) {
  const { store } = target;
  const { accountId, users, projects, boards } = built;
  const end = Date.UTC(2026, 10, 1);
  // Cursor positions: random rows of each filter (a deep cursor anywhere in the history).
  const sampleCursors = async (where: string, ...params: unknown[]) => {
    const sql = `SELECT created_at, id FROM activities WHERE account_id = ? ${where} ORDER BY random() LIMIT ${PAGES}`;
    const rows = (await store.execCompiled<{ created_at: number; id: string }>(store.dialect === 'postgres' ? toDollar(sql) : sql, [accountId, ...params])).rows;
    return rows.map((r) => ({ createdAt: Number(r.created_at), id: r.id }));
  };

  const board = boards[3].id;
  const scenarios: { name: string; filter: Filter; mode: 'walk' | 'deep'; where?: [string, ...unknown[]] }[] = [
    { name: 'all, first 500 pages (walk)', filter: {}, mode: 'walk' },
    { name: 'all, random deep cursors', filter: {}, mode: 'deep', where: [''] },
    { name: 'board, walk', filter: { boardId: board }, mode: 'walk' },
    { name: 'board, random deep cursors', filter: { boardId: board }, mode: 'deep', where: ['AND board_id = ?', board] },
    { name: 'project, random deep cursors', filter: { projectId: projects[1] }, mode: 'deep', where: ['AND project_id = ?', projects[1]] },
    { name: 'creator, random deep cursors', filter: { creatorId: users[2] }, mode: 'deep', where: ['AND creator_id = ?', users[2]] },
    { name: 'type card_moved, random deep', filter: { types: ['card_moved'] }, mode: 'deep', where: [`AND subject_type = 'card_moved'`] },
    { name: 'rare types (invited+archived), walk', filter: { types: ['member_invited', 'project_archived'] }, mode: 'walk' },
    { name: 'two types, random deep', filter: { types: ['comment_added', 'card_created'] }, mode: 'deep', where: [`AND subject_type IN ('comment_added', 'card_created')`] },
    { name: 'board + rare type, walk', filter: { boardId: board, types: ['project_archived', 'card_created'] }, mode: 'walk' },
    {
      name: 'one week (from/to), walk',
      filter: { from: new Date(end - 60 * DAY).toISOString(), to: new Date(end - 53 * DAY).toISOString() },
      mode: 'walk',
    },
    {
      name: 'creator + from, random deep',
      filter: { creatorId: users[4], from: new Date(end - 200 * DAY).toISOString() },
      mode: 'deep',
      where: ['AND creator_id = ? AND created_at >= ?', users[4], end - 200 * DAY],
    },
  ];

  const allFeed: number[] = [];
  const allRaw: number[] = [];
  const plans: string[] = [];
  console.log(`\n${target.label}`);
  console.log(`${'scenario'.padEnd(40)} ${'pages'.padStart(5)} ${'feed p50'.padStart(9)} ${'feed p99'.padStart(9)} ${'raw p50'.padStart(8)} ${'raw p99'.padStart(8)}  ratio p50/p99`);
  for (const s of scenarios) {
    const feedMs: number[] = [];
    const rawMs: number[] = [];
    const cursors = s.mode === 'deep' ? await sampleCursors(...(s.where as [string, ...unknown[]])) : [];
    let cursor: { createdAt: number; id: string } | undefined;
    // Warm-up (statements prepared, first index pages cached), not counted.
    for (let i = 0; i < 5; i++) {
      await listFeed(store, accountId, { ...s.filter, limit: LIMIT } as ParsedInput<'activity.list'>);
      const r = rawIdsSql(accountId, s.filter, undefined, LIMIT + 1);
      await target.rawIds(r.sql, r.params);
    }
    // The plan of the feed's first statement at a deep cursor (the page; on a hub, with its event rows).
    const probe = recording(store);
    const deepCursor = cursors[0] ?? { createdAt: end - 100 * DAY, id: 'ffffffff-ffff-7fff-bfff-ffffffffffff' };
    await listActivitiesWithSubjects(probe.db, {
      accountId, boardId: s.filter.boardId, projectId: s.filter.projectId, creatorId: s.filter.creatorId, types: s.filter.types,
      fromMs: s.filter.from ? Date.parse(s.filter.from) : undefined, toMs: s.filter.to ? Date.parse(s.filter.to) : undefined,
      before: deepCursor, limit: LIMIT + 1,
    });
    plans.push(`${s.name.padEnd(40)} ${await target.plan(probe.seen[0].sql, probe.seen[0].params)}`);
    for (let i = 0; i < PAGES; i++) {
      if (s.mode === 'deep') cursor = cursors[i % cursors.length];
      const input = { ...s.filter, limit: LIMIT, cursor: cursor ? encodeCursor(cursor.createdAt, cursor.id) : undefined } as ParsedInput<'activity.list'>;
      // Alternate the order so neither side always runs on a warm cache.
      let page: Awaited<ReturnType<typeof listFeed>> | undefined;
      let ids: unknown[] = [];
      const runFeed = async () => {
        const a = performance.now();
        page = await listFeed(store, accountId, input);
        feedMs.push(performance.now() - a);
      };
      const runRaw = async () => {
        const r = rawIdsSql(accountId, s.filter, cursor, LIMIT + 1);
        const a = performance.now();
        ids = await target.rawIds(r.sql, r.params);
        rawMs.push(performance.now() - a);
      };
      if (i % 2) (await runFeed(), await runRaw());
      else (await runRaw(), await runFeed());
      const items = page!.items;
      if (items.length !== Math.min(LIMIT, ids.length)) throw new Error(`${s.name}: feed returned ${items.length} items, raw ${ids.length}`);
      if (items[0] && items[0].id !== (ids[0] as { id: string }).id) throw new Error(`${s.name}: feed and raw disagree`);
      if (s.mode === 'walk') {
        if (!page!.nextCursor) cursor = undefined; // wrapped: start again from the top
        else cursor = decodeCursor(page!.nextCursor);
      }
    }
    allFeed.push(...feedMs);
    allRaw.push(...rawMs);
    const f50 = pct(feedMs, 50), f99 = pct(feedMs, 99), r50 = pct(rawMs, 50), r99 = pct(rawMs, 99);
    console.log(
      `${s.name.padEnd(40)} ${String(PAGES).padStart(5)} ${f50.toFixed(2).padStart(9)} ${f99.toFixed(2).padStart(9)} ${r50.toFixed(3).padStart(8)} ${r99.toFixed(3).padStart(8)}  ${(f50 / r50).toFixed(1)}× / ${(f99 / r99).toFixed(1)}×`,
    );
  }
  const f50 = pct(allFeed, 50), f99 = pct(allFeed, 99), r50 = pct(allRaw, 50), r99 = pct(allRaw, 99);
  console.log(
    `\n${target.label}: all ${allFeed.length} pages of ${LIMIT}: listFeed p50 ${f50.toFixed(2)} ms, p99 ${f99.toFixed(2)} ms; raw keyset ids p50 ${r50.toFixed(3)} ms, p99 ${r99.toFixed(3)} ms; ratio p50 ${(f50 / r50).toFixed(1)}×, p99 ${(f99 / r99).toFixed(1)}× (aim: p99 < 10 ms: ${f99 < 10 ? 'met' : 'NOT met'})`,
  );
  console.log(`plans of the feed's first statement at a deep cursor:\n  ${plans.join('\n  ')}`);
}

async function onSqlite() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chronicle-bench-feed-'));
  const store = await openStore(path.join(dir, 'feed.db'));
  try {
    const t0 = performance.now();
    const built = await generate(sqliteLoader(store));
    const sqlite = sqliteConnectionOf(store)!;
    const count = (sqlite.prepare('SELECT count(*) AS n FROM activities').get() as { n: number }).n;
    console.log(`SQLite: built ${count.toLocaleString('en')} activities (+ event rows) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await run(
      {
        label: 'SQLite (one file)',
        store,
        rawIds: async (sql, params) => sqlite.prepare(sql).all(...params),
        plan: async (sql, params) =>
          (sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params.map((p) => (typeof p === 'boolean' ? Number(p) : p))) as { detail: string }[])
            .map((r) => r.detail)
            .filter((d) => /activities/.test(d))
            .join(' | '),
      },
      built,
    );
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function onPostgres() {
  const server = await startPostgresServer();
  const url = await server.createDatabase('feed_bench');
  const store = await openStore(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const t0 = performance.now();
    const built = await generate(postgresLoader(client));
    const count = Number((await client.query('SELECT count(*) AS n FROM activities')).rows[0].n);
    console.log(`\nPostgreSQL: built ${count.toLocaleString('en')} activities (+ event rows) in ${((performance.now() - t0) / 1000).toFixed(1)} s (bulk load, indexes, ANALYZE)`);
    await run(
      {
        label: 'PostgreSQL (local server, pool of 10; raw: one pg client)',
        store,
        rawIds: async (sql, params) => (await client.query(toDollar(sql), params)).rows,
        plan: async (sql, params) => {
          const r = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (FORMAT JSON) ${sql}`, params as unknown[]);
          const json = r.rows[0]['QUERY PLAN'];
          type Node = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: Node[] };
          const root = (typeof json === 'string' ? JSON.parse(json) : json)[0].Plan as Node;
          const out: string[] = [];
          const lookups = new Set<string>();
          const walk = (n: Node) => {
            if (n['Relation Name'] === 'activities' || /Sort|Append|Merge/.test(n['Node Type'])) out.push(`${n['Node Type']}${n['Index Name'] ? ` ${n['Index Name']}` : ''}`);
            else if (n['Relation Name']) lookups.add(`${n['Node Type']} ${n['Index Name'] ?? n['Relation Name']}`);
            for (const c of n.Plans ?? []) walk(c);
          };
          walk(root);
          return out.join(' | ') + (lookups.size ? `; event rows: ${[...lookups].join(', ')}` : '');
        },
      },
      built,
    );
  } finally {
    await client.end();
    await store.close();
    server.stop();
  }
}

export default async function () {
  const which = process.env.BENCH_STORE ?? 'both';
  if (which === 'sqlite' || which === 'both') await onSqlite();
  if (which === 'postgres' || which === 'both') await onPostgres();
}
