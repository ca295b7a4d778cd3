// `npm run bench feed`: pages of the activity feed over 1,000,000 activities.
//
// Builds a workspace file with one large account (1M activities over six event types, every subject a real
// event row pointing at real cards, columns, people and projects) and a small second account, then times pages
// of 50 through the real `listFeed` (main/feed.ts: the keyset query plus the subjects and names of the page)
// against a raw baseline measured in the same run: the same keyset query returning only the ids.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { v7 } from 'uuid';
import { openDatabase } from '../../db/open.ts';
import type { Sqlite } from '../../db/sql.ts';
import { prng } from '../../main/demo.ts';
import { encodeCursor, listFeed } from '../../main/feed.ts';
import type { ParsedInput } from '../../preload/contract.ts';

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

export function build(file: string) {
  const sqlite = openDatabase(file);
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
  sqlite.transaction(() => {
    const ins = (sql: string) => sqlite.prepare(sql);
    const account = ins('INSERT INTO accounts VALUES (?, ?, ?)');
    const user = ins('INSERT INTO users VALUES (?, ?, ?, ?, ?)');
    const membership = ins('INSERT INTO memberships VALUES (?, ?, ?, ?, ?)');
    const project = ins('INSERT INTO projects VALUES (?, ?, ?, NULL, NULL, ?)');
    const board = ins('INSERT INTO boards VALUES (?, ?, ?, ?, ?)');
    const column = ins('INSERT INTO columns VALUES (?, ?, ?, ?, ?, ?)');
    const card = ins('INSERT INTO cards VALUES (?, ?, ?, ?, ?, ?, \'\', NULL, NULL, ?, ?, ?)');
    const comment = ins('INSERT INTO comments VALUES (?, ?, ?, ?, ?, ?)');
    for (const a of [0, 1]) {
      const big = a === 0;
      account.run(accounts[a], big ? 'Bench Corp' : 'Small Co', start);
      for (let u = 0; u < (big ? 10 : 2); u++) {
        const uid = id(start);
        users[a].push(uid);
        user.run(uid, accounts[a], `Person ${a}-${u}`, `p${a}-${u}@bench.test`, start);
        const mid = id(start);
        memberships[a].push(mid);
        membership.run(mid, accounts[a], uid, u === 0 ? 'owner' : 'member', start);
      }
      for (let p = 0; p < (big ? 5 : 1); p++) {
        const pid = id(start);
        projects[a].push(pid);
        project.run(pid, accounts[a], `Project ${p}`, start);
        for (let b = 0; b < (big ? 2 : 2); b++) {
          const bid = id(start);
          board.run(bid, accounts[a], pid, `Board ${p}.${b}`, start);
          const cols = ['To do', 'Doing', 'Review', 'Done'].map((name, position) => {
            const cid = id(start);
            column.run(cid, accounts[a], bid, name, position, start);
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
        card.run(cid, accounts[a], b.id, columnId, Math.floor(c / boards[a].length), `Card ${c}`, users[a][c % users[a].length], start, start);
        cards[a].push({ id: cid, boardId: b.id, columnId });
      }
      for (let c = 0; c < (big ? 1500 : 500); c++) {
        const target = cards[a][c];
        const mid = id(start);
        comment.run(mid, accounts[a], target.id, users[a][0], `Comment ${c}`, start);
        comments[a].push({ id: mid, cardId: target.id });
      }
    }
  })();

  // Bulk load: drop the activities indexes, insert in large transactions, rebuild them (the migration's own SQL).
  const indexSql = (sqlite.prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'activities' AND sql IS NOT NULL`).all() as { sql: string }[]).map((r) => r.sql);
  for (const sql of indexSql) sqlite.exec(`DROP INDEX ${/INDEX (\w+)/.exec(sql)![1]}`);
  sqlite.pragma('synchronous = OFF');
  const ev = {
    card_created: sqlite.prepare('INSERT INTO card_created VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    card_moved: sqlite.prepare('INSERT INTO card_moved VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    card_updated: sqlite.prepare('INSERT INTO card_updated VALUES (?, ?, ?, ?, ?, ?)'),
    comment_added: sqlite.prepare('INSERT INTO comment_added VALUES (?, ?, ?, ?, ?, ?)'),
    member_invited: sqlite.prepare('INSERT INTO member_invited VALUES (?, ?, ?, ?, ?, ?, ?)'),
    project_archived: sqlite.prepare('INSERT INTO project_archived VALUES (?, ?, ?, ?, ?, ?)'),
  };
  const activity = sqlite.prepare('INSERT INTO activities VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
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
    sqlite.transaction(() => {
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
          ev.member_invited.run(eid, accounts[a], creator, t, memberships[a][m], users[a][m], 'member');
        } else if (type === 'project_archived') {
          projectId = rand.pick(projects[a]);
          ev.project_archived.run(eid, accounts[a], creator, t, projectId, 'Archived for the benchmark.');
        } else {
          const useComment = type === 'comment_added';
          const c = useComment ? rand.pick(comments[a]) : null;
          const card = c ? cardById[a].get(c.cardId)! : rand.pick(cards[a]);
          const b = boardById[a].get(card.boardId)!;
          boardId = b.id;
          projectId = b.projectId;
          if (type === 'card_created') ev.card_created.run(eid, accounts[a], creator, t, card.id, b.id, b.columns[0], `Card`);
          else if (type === 'card_moved') {
            const from = rand.int(4);
            const to = (from + 1 + rand.int(3)) % 4;
            ev.card_moved.run(eid, accounts[a], creator, t, card.id, b.columns[from], b.columns[to], rand.int(20), rand.int(20));
          } else if (type === 'card_updated') ev.card_updated.run(eid, accounts[a], creator, t, card.id, '{"title":["Old","New"]}');
          else ev.comment_added.run(eid, accounts[a], creator, t, c!.id, card.id);
        }
        activity.run(id(t), accounts[a], type, eid, creator, boardId, projectId, t);
      }
    })();
  }
  for (const sql of indexSql) sqlite.exec(sql);
  // No ANALYZE: the app never runs it, so the planner works without sqlite_stat1 here too.
  sqlite.pragma('synchronous = FULL');
  return { sqlite, accountId: accounts[0], users: users[0], projects: projects[0], boards: boards[0] };
}

/**
 * The raw baseline: the same keyset query (row-value keyset; one ordered range per type when there are several,
 * merged), returning only the ids, through a plain prepared statement.
 */
function rawIds(sqlite: Sqlite, accountId: string, f: Filter, before: { createdAt: number; id: string } | undefined, limit: number) {
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
  if (!f.types || f.types.length <= 1) {
    const b = branch(f.types);
    return sqlite.prepare(b.sql).all(...b.params);
  }
  const branches = f.types.map((t) => branch([t]));
  const sql = `SELECT id FROM (${branches.map((b) => `SELECT * FROM (${b.sql})`).join(' UNION ALL ')}) ORDER BY created_at DESC, id DESC LIMIT ?`;
  return sqlite.prepare(sql).all(...branches.flatMap((b) => b.params), limit);
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

export default async function () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chronicle-bench-feed-'));
  const file = path.join(dir, 'feed.db');
  const t0 = performance.now();
  const { sqlite, accountId, users, projects, boards } = build(file);
  const count = (sqlite.prepare('SELECT count(*) AS n FROM activities').get() as { n: number }).n;
  console.log(`built ${count.toLocaleString('en')} activities (+ event rows) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const end = Date.UTC(2026, 10, 1);
  // Cursor positions: random rows of each filter (a deep cursor anywhere in the history).
  const sampleCursors = (where: string, ...params: unknown[]) => {
    const rows = sqlite.prepare(`SELECT created_at, id FROM activities WHERE account_id = ? ${where} ORDER BY random() LIMIT ${PAGES}`).all(accountId, ...params) as { created_at: number; id: string }[];
    return rows.map((r) => ({ createdAt: r.created_at, id: r.id }));
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
  console.log(`\n${'scenario'.padEnd(40)} ${'pages'.padStart(5)} ${'feed p50'.padStart(9)} ${'feed p99'.padStart(9)} ${'raw p50'.padStart(8)} ${'raw p99'.padStart(8)}  ratio p50/p99`);
  for (const s of scenarios) {
    const feedMs: number[] = [];
    const rawMs: number[] = [];
    const cursors = s.mode === 'deep' ? sampleCursors(...(s.where as [string, ...unknown[]])) : [];
    let cursor: { createdAt: number; id: string } | undefined;
    // Warm-up (statements prepared, first index pages cached), not counted.
    for (let i = 0; i < 5; i++) {
      listFeed(sqlite, accountId, { ...s.filter, limit: LIMIT } as ParsedInput<'activity.list'>);
      rawIds(sqlite, accountId, s.filter, undefined, LIMIT + 1);
    }
    for (let i = 0; i < PAGES; i++) {
      if (s.mode === 'deep') cursor = cursors[i % cursors.length];
      const input = { ...s.filter, limit: LIMIT, cursor: cursor ? encodeCursor(cursor.createdAt, cursor.id) : undefined } as ParsedInput<'activity.list'>;
      // Alternate the order so neither side always runs on a warm cache.
      let page: ReturnType<typeof listFeed> | undefined;
      let ids: unknown[] = [];
      const runFeed = () => {
        const a = performance.now();
        page = listFeed(sqlite, accountId, input);
        feedMs.push(performance.now() - a);
      };
      const runRaw = () => {
        const a = performance.now();
        ids = rawIds(sqlite, accountId, s.filter, cursor, LIMIT + 1);
        rawMs.push(performance.now() - a);
      };
      if (i % 2) (runFeed(), runRaw());
      else (runRaw(), runFeed());
      const items = page!.items;
      if (items.length !== Math.min(LIMIT, ids.length)) throw new Error(`${s.name}: feed returned ${items.length} items, raw ${ids.length}`);
      if (items[0] && items[0].id !== (ids[0] as { id: string }).id) throw new Error(`${s.name}: feed and raw disagree`);
      if (s.mode === 'walk') {
        if (!page!.nextCursor) cursor = undefined; // wrapped: start again from the top
        else {
          const last = items[items.length - 1];
          cursor = { createdAt: Date.parse(last.createdAt), id: last.id };
        }
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
    `\nall ${allFeed.length} pages of ${LIMIT}: listFeed p50 ${f50.toFixed(2)} ms, p99 ${f99.toFixed(2)} ms; raw keyset ids p50 ${r50.toFixed(3)} ms, p99 ${r99.toFixed(3)} ms; ratio p50 ${(f50 / r50).toFixed(1)}×, p99 ${(f99 / r99).toFixed(1)}× (aim: p99 < 10 ms: ${f99 < 10 ? 'met' : 'NOT met'})`,
  );
  sqlite.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
