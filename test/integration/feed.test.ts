// The activity feed over a real demo workspace (a SQLite file, a PostgreSQL database): filters, keyset
// pagination, cursor checks, limits, a fixed number of SQL statements per page, the query plans, account scoping
// and readable descriptions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventTableNames } from '../../db/events.ts';
import { listActivities, listActivitiesWithSubjects } from '../../db/feed.ts';
import { queryStats } from '../../db/sql.ts';
import type { Db, ExecResult, Store } from '../../db/store.ts';
import type { App } from '../../main/app.ts';
import { createCard, moveCard } from '../../main/domain/cards.ts';
import { addComment } from '../../main/domain/comments.ts';
import type { DomainContext } from '../../main/domain/context.ts';
import { encodeCursor, listFeed } from '../../main/feed.ts';
import type { Input, Output } from '../../preload/contract.ts';
import { caller, onPostgres, openTestApp, sqlRow, sqlRows } from '../support/workspace.ts';

let app: App;
let api: Awaited<ReturnType<typeof caller>>;
let acme: { accountId: string; userId: string };
let globexId: string;
const burstAt = Date.UTC(2026, 0, 15, 12, 0, 0);

const rows = <T = Record<string, unknown>>(sql: string, ...params: unknown[]) => sqlRows<T>(app, sql, ...params);
const row = async <T = Record<string, unknown>>(sql: string, ...params: unknown[]) => (await sqlRow<T>(app, sql, ...params)) as T;

type FeedInput = NonNullable<Input<'activity.list'>>;
type FeedItem = Output<'activity.list'>['items'][number];

/** Walk every page of a filter through the contract, returning the items in order and the number of pages. */
async function walk(input: Omit<FeedInput, 'cursor'>) {
  const items: FeedItem[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await api.call('activity.list', { ...input, ...(cursor ? { cursor } : {}) });
    pages++;
    if (input.limit) expect(page.items.length).toBeLessThanOrEqual(input.limit);
    if (page.nextCursor) expect(page.items.length).toBe(input.limit ?? 50);
    items.push(...page.items);
    cursor = page.nextCursor;
    expect(pages).toBeLessThan(10_000);
  } while (cursor);
  return { items, pages };
}

/** The ids a filter must return, newest first, straight from SQL. */
async function expected(where: string, ...params: unknown[]): Promise<string[]> {
  return (await rows<{ id: string }>(
    `SELECT id FROM activities WHERE account_id = ? ${where ? `AND ${where}` : ''} ORDER BY created_at DESC, id DESC`,
    acme.accountId,
    ...params,
  )).map((r) => r.id);
}

beforeAll(async () => {
  app = await openTestApp({ events: 1500 });
  api = await caller(app);
  acme = (await app.defaultSession())!;
  globexId = (await row<{ id: string }>(`SELECT id FROM accounts WHERE name = 'Globex Ops'`)).id;
  // A burst of 150 activities sharing one created_at (a bulk import, a fast script): the keyset must still
  // page through them one by one.
  const board = await row<{ id: string }>(
    `SELECT boards.id FROM boards JOIN projects ON projects.id = boards.project_id WHERE boards.account_id = ? AND projects.archived_at IS NULL ORDER BY boards.name LIMIT 1`,
    acme.accountId,
  );
  const columns = (await rows<{ id: string }>(`SELECT id FROM columns WHERE board_id = ? ORDER BY position`, board.id)).map((c) => c.id);
  const ctx: DomainContext = { store: app.store, session: acme, push: app.push, clock: () => burstAt };
  // One transaction around the 150 commands (each becomes a savepoint in it).
  await app.store.transaction(async () => {
    for (let i = 0; i < 50; i++) {
      const card = await createCard(ctx, { boardId: board.id, columnId: columns[0], title: `Burst ${i}` });
      await moveCard(ctx, { cardId: card.id, toColumnId: columns[1 + (i % (columns.length - 1))] });
      await addComment(ctx, { cardId: card.id, body: `Burst comment ${i}` });
    }
  });
  expect(await row(`SELECT count(*) AS n FROM activities WHERE created_at = ?`, burstAt)).toEqual({ n: 150 });
});
afterAll(async () => {
  await app.close();
});

describe('keyset pagination', () => {
  it('walks every row of the account exactly once, newest first, in pages of 7', async () => {
    const all = await expected('');
    expect(all.length).toBeGreaterThan(1000);
    const { items, pages } = await walk({ limit: 7 });
    const ids = items.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(all);
    expect(pages).toBe(Math.ceil(all.length / 7));
    for (let i = 1; i < items.length; i++) expect(items[i - 1].createdAt >= items[i].createdAt).toBe(true);
  });

  it('pages through 150 rows sharing one created_at without duplicates or gaps', async () => {
    const from = new Date(burstAt).toISOString();
    const to = new Date(burstAt + 1).toISOString();
    for (const limit of [1, 4, 49, 50, 200]) {
      const { items } = await walk({ from, to, limit });
      expect(items.map((i) => i.id)).toEqual(await expected('created_at = ?', burstAt));
      expect(new Set(items.map((i) => i.createdAt))).toEqual(new Set([from]));
    }
  });

  it('ends with a page without nextCursor, even when the last page is exactly full', async () => {
    const from = new Date(burstAt).toISOString();
    const to = new Date(burstAt + 1).toISOString();
    const first = await api.call('activity.list', { from, to, limit: 150 });
    expect(first.items).toHaveLength(150);
    expect(first.nextCursor).toBeUndefined();
    const short = await api.call('activity.list', { from, to, limit: 149 });
    expect(short.nextCursor).toBeDefined();
    const rest = await api.call('activity.list', { from, to, limit: 149, cursor: short.nextCursor });
    expect(rest.items).toHaveLength(1);
    expect(rest.nextCursor).toBeUndefined();
  });
});

describe('filters', () => {
  const cases: [string, () => Promise<{ input: Omit<FeedInput, 'cursor'>; ids: string[] }>][] = [
    ['board', async () => {
      const b = await row<{ id: string }>(`SELECT board_id AS id FROM activities WHERE account_id = ? AND board_id IS NOT NULL GROUP BY board_id ORDER BY count(*) DESC LIMIT 1`, acme.accountId);
      return { input: { boardId: b.id, limit: 50 }, ids: await expected('board_id = ?', b.id) };
    }],
    ['project', async () => {
      const p = await row<{ id: string }>(`SELECT project_id AS id FROM activities WHERE account_id = ? AND project_id IS NOT NULL GROUP BY project_id ORDER BY count(*) ASC LIMIT 1`, acme.accountId);
      return { input: { projectId: p.id, limit: 50 }, ids: await expected('project_id = ?', p.id) };
    }],
    ['creator', async () => {
      const u = await row<{ id: string }>(`SELECT id FROM users WHERE email = 'chen@acme.test'`);
      return { input: { creatorId: u.id, limit: 50 }, ids: await expected('creator_id = ?', u.id) };
    }],
    ['one type', async () => ({ input: { types: ['card_moved'], limit: 50 }, ids: await expected(`subject_type = 'card_moved'`) })],
    ['two types', async () => ({
      input: { types: ['member_invited', 'project_archived'], limit: 3 },
      ids: await expected(`subject_type IN ('member_invited', 'project_archived')`),
    })],
    ['from/to (from inclusive, to exclusive)', async () => {
      const times = (await rows<{ created_at: number }>(`SELECT created_at FROM activities WHERE account_id = ? ORDER BY created_at`, acme.accountId)).map((r) => r.created_at);
      const from = times[Math.floor(times.length * 0.25)];
      const to = times[Math.floor(times.length * 0.5)];
      return {
        input: { from: new Date(from).toISOString(), to: new Date(to).toISOString(), limit: 50 },
        ids: await expected('created_at >= ? AND created_at < ?', from, to),
      };
    }],
    ['board + creator + types + from', async () => {
      const a = await row<{ board_id: string; creator_id: string }>(
        `SELECT board_id, creator_id FROM activities WHERE account_id = ? AND subject_type = 'card_updated' GROUP BY board_id, creator_id ORDER BY count(*) DESC LIMIT 1`,
        acme.accountId,
      );
      const from = Date.now() - 60 * 86_400_000;
      return {
        input: { boardId: a.board_id, creatorId: a.creator_id, types: ['card_updated', 'comment_added'], from: new Date(from).toISOString(), limit: 5 },
        ids: await expected(`board_id = ? AND creator_id = ? AND subject_type IN ('card_updated', 'comment_added') AND created_at >= ?`, a.board_id, a.creator_id, from),
      };
    }],
  ];

  for (const [name, make] of cases) {
    it(`${name}: every matching row, exactly once, newest first`, async () => {
      const { input, ids } = await make();
      expect(ids.length, 'the case selects some rows').toBeGreaterThan(0);
      expect(ids.length, 'the case selects fewer rows than the account has').toBeLessThan((await expected('')).length);
      const { items } = await walk(input);
      expect(items.map((i) => i.id)).toEqual(ids);
      for (const item of items) {
        if (input.boardId) expect(item.board?.id).toBe(input.boardId);
        if (input.projectId) expect(item.project?.id).toBe(input.projectId);
        if (input.creatorId) expect(item.creator.id).toBe(input.creatorId);
        if (input.types) expect(input.types).toContain(item.subjectType);
      }
    });
  }

  it('an empty result is an empty page without a cursor', async () => {
    const page = await api.call('activity.list', { from: '2001-01-01T00:00:00Z', to: '2001-01-02T00:00:00Z' });
    expect(page).toEqual({ items: [] });
  });
});

describe('kinds of change', () => {
  it('activity.types names every event table of the feed, with the registry’s label and icon, each type once', async () => {
    const { items } = await api.call('activity.types', {});
    expect(items.map((t) => t.type).sort()).toEqual([...eventTableNames].sort());
    expect(items.find((t) => t.type === 'card_moved')).toEqual({ type: 'card_moved', label: 'Card moved', icon: 'arrow-right' });
    for (const t of items) expect(t.label, t.type).toMatch(/^[A-Z]/);
    // Every type the feed returns has a name to show.
    const page = await api.call('activity.list', { limit: 200 });
    for (const item of page.items) expect(items.map((t) => t.type)).toContain(item.subjectType);
  });
});

describe('input checks', () => {
  it('a tampered cursor answers invalid_input and points at the cursor', async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    const validId = (await rows<{ id: string }>(`SELECT id FROM activities LIMIT 1`))[0].id;
    for (const cursor of [
      'abc',
      '!!!!',
      b64('1768478400000'),
      b64(`1768478400000:not-a-uuid`),
      b64(`-5:${validId}`),
      b64(`12345678901234567:${validId}`),
      b64(`1768478400000:${validId}'; DROP TABLE activities; --`),
      b64(`1768478400000:${validId}`) + 'x',
    ]) {
      const r = await api.raw('activity.list', { cursor });
      expect(r.ok, cursor).toBe(false);
      if (r.ok) continue;
      expect(r.error.code).toBe('invalid_input');
      expect(r.error.issues?.[0].path).toEqual(['cursor']);
      expect(r.error.message).toMatch(/cursor is not valid/);
    }
    const tooLong = await api.raw('activity.list', { cursor: 'x'.repeat(201) });
    expect(!tooLong.ok && tooLong.error.code).toBe('invalid_input');
    // A well-formed cursor is just a position in the keyset: it answers the rows older than it.
    const page = await api.call('activity.list', { cursor: encodeCursor(burstAt, 'ffffffff-ffff-7fff-bfff-ffffffffffff'), limit: 200 });
    expect(page.items.map((i) => i.id)).toEqual((await expected('created_at <= ?', burstAt)).slice(0, 200));
  });

  it('limit must be a whole number from 1 to 200 (default 50)', async () => {
    for (const limit of [0, -1, 201, 2.5, '10', null]) {
      const r = await api.raw('activity.list', { limit });
      expect(r.ok, String(limit)).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('invalid_input');
        expect(r.error.issues?.[0].path).toEqual(['limit']);
      }
    }
    // A huge number names the list's bound first, not the safe-integer bound of every whole number.
    for (const limit of [1e308, 5000]) {
      const r = await api.raw('activity.list', { limit });
      expect(!r.ok && r.error.message, String(limit)).toBe('The request was not valid (limit: Too big: expected number to be <=200).');
    }
    expect((await api.call('activity.list', { limit: 1 })).items).toHaveLength(1);
    expect((await api.call('activity.list', { limit: 200 })).items).toHaveLength(200);
    expect((await api.call('activity.list', {})).items).toHaveLength(50);
  });

  it('a board, project or creator of another account answers not_found', async () => {
    const board = (await row<{ id: string }>(`SELECT id FROM boards WHERE account_id = ? LIMIT 1`, globexId)).id;
    const project = (await row<{ id: string }>(`SELECT id FROM projects WHERE account_id = ? LIMIT 1`, globexId)).id;
    const gus = (await row<{ id: string }>(`SELECT id FROM users WHERE email = 'gus@globex.test'`)).id;
    expect(await row(`SELECT count(*) AS n FROM activities WHERE board_id = ?`, board)).not.toEqual({ n: 0 });
    for (const input of [{ boardId: board }, { projectId: project }, { creatorId: gus }, { boardId: '019a0000-0000-7000-8000-000000000000' }]) {
      const r = await api.raw('activity.list', input);
      expect(r.ok, JSON.stringify(input)).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('not_found');
    }
  });

  it('never shows another account’s rows', async () => {
    const { items } = await walk({ limit: 200 });
    const foreign = new Set((await rows<{ id: string }>(`SELECT id FROM activities WHERE account_id = ?`, globexId)).map((r) => r.id));
    expect(foreign.size).toBeGreaterThan(0);
    expect(items.filter((i) => foreign.has(i.id))).toEqual([]);
  });
});

describe('cost per page', () => {
  const statements = async (input: Parameters<typeof listFeed>[2]) => {
    const before = queryStats.count;
    const page = await listFeed(app.store, acme.accountId, input);
    return { n: queryStats.count - before, page };
  };

  it('the number of SQL statements does not grow with the page size', async () => {
    // One type: both pages reference the same tables, so the count must be identical.
    const small = await statements({ types: ['card_moved'], limit: 10 });
    const large = await statements({ types: ['card_moved'], limit: 200 });
    expect(small.page.items).toHaveLength(10);
    expect(large.page.items).toHaveLength(200);
    expect(large.n).toBe(small.n);
    // All types, whatever the page size, and for a deep page too: the activities with their event rows (on a hub
    // one statement; on SQLite one, then one per event type on the page), then one for the names of every table
    // (users, cards, columns, projects, boards, comments for the excerpts).
    const bound = onPostgres ? 2 : 1 + 6 + 1;
    const mixed10 = await statements({ limit: 10 });
    const mixed200 = await statements({ limit: 200 });
    const last = mixed200.page.items[199];
    const deep = await statements({ limit: 200, cursor: encodeCursor(Date.parse(last.createdAt), last.id) });
    for (const s of [mixed10, mixed200, deep]) expect(s.n).toBeLessThanOrEqual(bound);
    expect(new Set(mixed200.page.items.map((i) => i.subjectType)).size).toBeGreaterThanOrEqual(4);
  });
});

describe('query plans', () => {
  /** A Db on the app's store that records every statement sent through it. */
  function recording(store: Store) {
    const seen: { sql: string; params: readonly unknown[] }[] = [];
    const db: Db = {
      dialect: store.dialect,
      q: store.q,
      execCompiled<R>(sql: string, params: readonly unknown[]): Promise<ExecResult<R>> {
        seen.push({ sql, params });
        return store.execCompiled<R>(sql, params);
      },
      execArrays(sql: string, params: readonly unknown[]) {
        seen.push({ sql, params });
        return store.execArrays(sql, params);
      },
      script: (sql: string) => store.script(sql),
    };
    return { db, seen };
  }

  /** What reads `activities` in a plan, per dialect, as { how, index, seek, sorted }. */
  async function activityReads(statement: { sql: string; params: readonly unknown[] }) {
    if (app.store.dialect === 'sqlite') {
      const plan = (await app.store.execCompiled<{ detail: string }>(`EXPLAIN QUERY PLAN ${statement.sql}`, statement.params)).rows.map((r) => r.detail);
      return {
        text: plan.join(' | '),
        events: plan.filter((d) => eventTable.test(d)).map((d) => ({ byKey: /^SEARCH (\w+) USING INDEX sqlite_autoindex_\1_1 \(id=\?\)$/.test(d), detail: d })),
        reads: plan.filter((d) => /activities/.test(d)).map((d) => ({
          // SEARCH activities USING INDEX activities_x (account_id=? AND (created_at,id)<(?,?))
          seek: /^SEARCH activities USING INDEX activities_\w+ \(.*\(created_at,id\)<\(\?,\?\)\)$/.test(d),
          detail: d,
        })),
        sorts: /TEMP B-TREE/.test(plan.join(' | ')),
      };
    }
    // PostgreSQL picks by statistics, and a test workspace is small enough that a scan of the whole table would
    // win: with scans and sorts priced out, the plan shows whether an index can seek the keyset at all (the
    // 1,000,000-row benchmark shows the planner choosing these plans by itself).
    return app.store.transaction(async (tx) => {
      await tx.script('SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off');
      const [{ 'QUERY PLAN': json }] = (await tx.execCompiled<{ 'QUERY PLAN': string | unknown[] }>(`EXPLAIN (FORMAT JSON) ${statement.sql}`, statement.params)).rows;
      const plan = (typeof json === 'string' ? JSON.parse(json) : json) as { Plan: PgNode }[];
      const nodes: PgNode[] = [];
      const walk = (n: PgNode) => (nodes.push(n), (n.Plans ?? []).forEach(walk));
      walk(plan[0].Plan);
      return {
        text: JSON.stringify(plan[0].Plan),
        reads: nodes.filter((n) => n['Relation Name'] === 'activities').map((n) => ({
          // Index Scan using activities_x, Index Cond: ((account_id = …) AND (ROW(created_at, id) < ROW(…, …)))
          seek: /^Index (Only )?Scan$/.test(n['Node Type']) && /^activities_\w+$/.test(n['Index Name'] ?? '') && /ROW\(created_at, id\) < ROW\(/.test(n['Index Cond'] ?? ''),
          detail: `${n['Node Type']} ${n['Index Name'] ?? ''} ${n['Index Cond'] ?? ''} ${n.Filter ?? ''}`,
        })),
        events: nodes.filter((n) => eventTableNames.includes(n['Relation Name'] as never)).map((n) => ({
          // the subject's row by primary key, per activity: Index Scan using card_moved_pkey, (id = a.subject_id)
          byKey: /^Index (Only )?Scan$/.test(n['Node Type']) && n['Index Name'] === `${n['Relation Name']}_pkey` && /\(id = a\.subject_id\)/.test(n['Index Cond'] ?? ''),
          detail: `${n['Node Type']} ${n['Index Name'] ?? ''} ${n['Index Cond'] ?? ''}`,
        })),
        sorts: nodes.some((n) => n['Node Type'] === 'Sort' || n['Node Type'] === 'Incremental Sort'),
      };
    });
  }
  const eventTable = new RegExp(`^(SEARCH|SCAN) (${eventTableNames.join('|')})\\b`);
  type PgNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; 'Index Cond'?: string; Filter?: string; Plans?: PgNode[] };

  it('every filter shape seeks its index range at the cursor: no scan from the newest row, no sort', async () => {
    const { db, seen } = recording(app.store);
    const board = await row<{ id: string; project_id: string }>(`SELECT id, project_id FROM boards WHERE account_id = ? ORDER BY id LIMIT 1`, acme.accountId);
    const before = { createdAt: burstAt, id: 'ffffffff-ffff-7fff-bfff-ffffffffffff' };
    const shapes = [
      {},
      { boardId: board.id },
      { projectId: board.project_id },
      { creatorId: acme.userId },
      { types: ['card_moved'] },
      { types: ['card_moved', 'comment_added', 'project_archived'] },
      { boardId: board.id, types: ['card_moved', 'comment_added'] },
      { creatorId: acme.userId, fromMs: burstAt - 86_400_000 },
    ];
    for (const shape of shapes) {
      seen.length = 0;
      await listActivities(db, { accountId: acme.accountId, ...shape, before, limit: 51 });
      expect(seen).toHaveLength(1);
      const { reads, sorts, text } = await activityReads(seen[0]);
      expect(reads.length, `${JSON.stringify(shape)}: ${text}`).toBe(Math.max(1, shape.types?.length ?? 1));
      for (const r of reads) expect(r.seek, `${JSON.stringify(shape)}: ${r.detail}`).toBe(true);
      // A single range needs no sort; several types are merged from their ordered ranges.
      if ((shape.types?.length ?? 1) === 1) expect(sorts, `${JSON.stringify(shape)}: ${text}`).toBe(false);

      // What the feed sends for the page with its event rows: the same page query (SQLite: then one read per
      // event type on the page; a hub: the page as a derived table, one key lookup per row in its subject's
      // table). The page keeps its seek; every event row is read by its key.
      seen.length = 0;
      const page = await listActivitiesWithSubjects(db, { accountId: acme.accountId, ...shape, before, limit: 51 });
      const typesOnPage = new Set(page.map((p) => p.activity.subject_type)).size;
      expect(seen).toHaveLength(onPostgres ? 1 : 1 + typesOnPage);
      const withSubjects = await activityReads(seen[0]);
      expect(withSubjects.reads.length, `${JSON.stringify(shape)}: ${withSubjects.text}`).toBe(Math.max(1, shape.types?.length ?? 1));
      for (const r of withSubjects.reads) expect(r.seek, `${JSON.stringify(shape)} with subjects: ${r.detail}`).toBe(true);
      const events = [];
      for (const st of seen) events.push(...(await activityReads(st)).events);
      expect(events.length, JSON.stringify(events)).toBe(onPostgres ? (shape.types?.length ?? eventTableNames.length) : typesOnPage);
      for (const e of events) expect(e.byKey, `${JSON.stringify(shape)}: ${e.detail}`).toBe(true);
    }
  });
});

describe('subjects', () => {
  it('every activity’s subject is its event row, whatever the mix of types on the page', async () => {
    for (const types of [undefined, ['card_moved', 'comment_added'], ['invitation_sent', 'invitation_accepted']]) {
      const page = await listActivitiesWithSubjects(app.store, { accountId: acme.accountId, types, limit: 200 });
      expect(page.length).toBeGreaterThan(0);
      if (!types) expect(new Set(page.map((p) => p.activity.subject_type)).size).toBeGreaterThanOrEqual(4);
      expect(page.map((p) => p.activity)).toEqual(await listActivities(app.store, { accountId: acme.accountId, types, limit: 200 }));
      for (const { activity, subject } of page) {
        expect(subject, activity.id).toEqual(await row(`SELECT * FROM ${activity.subject_type} WHERE id = ?`, activity.subject_id));
      }
    }
  });
});

describe('descriptions', () => {
  it('comments carry an excerpt of their body on one line, cut at 160 characters', async () => {
    const boardId = (await row<{ id: string }>(`SELECT boards.id FROM boards JOIN projects ON projects.id = boards.project_id WHERE boards.account_id = ? AND projects.archived_at IS NULL ORDER BY boards.id LIMIT 1`, acme.accountId)).id;
    const board = await api.call('boards.get', { boardId });
    const card = await api.call('cards.create', { boardId, columnId: board.columns[0].id, title: 'Excerpts' });
    await api.call('comments.add', { cardId: card.id, body: 'Short one,\nover two lines.' });
    const short = (await api.call('activity.list', { types: ['comment_added'], limit: 1 })).items[0];
    expect(short.excerpt).toBe('Short one, over two lines.');
    await api.call('comments.add', { cardId: card.id, body: 'word '.repeat(100) });
    const long = (await api.call('activity.list', { types: ['comment_added'], limit: 1 })).items[0];
    expect(long.excerpt!.length).toBeLessThanOrEqual(160);
    expect(long.excerpt).toMatch(/^word word .*word…$/);
    const moved = (await api.call('activity.list', { types: ['card_created'], limit: 1 })).items[0];
    expect(moved.excerpt).toBeUndefined();
  });

  it('read like sentences with names, not ids', async () => {
    const board = await api.call('boards.get', {
      boardId: (await row<{ id: string }>(`SELECT boards.id FROM boards JOIN projects ON projects.id = boards.project_id WHERE boards.account_id = ? AND projects.archived_at IS NULL AND boards.name = 'Sprint board'`, acme.accountId)).id,
    });
    const [todo, doing] = board.columns;
    expect([todo.name, doing.name]).toEqual(['To do', 'Doing']);
    const card = await api.call('cards.create', { boardId: board.id, columnId: todo.id, title: 'Fix the feed' });
    await api.call('cards.move', { cardId: card.id, toColumnId: doing.id });
    await api.call('cards.update', { cardId: card.id, title: 'Fix the feed fast', dueDate: '2027-02-01' });
    await api.call('comments.add', { cardId: card.id, body: 'On it.' });
    await api.call('members.invite', { email: 'lu@acme.test', name: 'Lu Andrade', role: 'viewer' });
    const project = await api.call('projects.create', { name: 'Side quest' });
    await api.call('projects.archive', { projectId: project.id, reason: 'Not now.' });

    const page = await api.call('activity.list', { limit: 7 });
    expect(page.items.map((i) => i.description)).toEqual([
      'Ana Lima archived Side quest: Not now.',
      'Ana Lima invited Lu Andrade to join as viewer',
      'Ana Lima commented on Fix the feed fast',
      'Ana Lima changed the title, due date of Fix the feed fast',
      'Ana Lima moved Fix the feed fast from To do to Doing',
      'Ana Lima created Fix the feed in To do',
      expect.any(String),
    ]);
    const moved = page.items[4];
    expect(moved).toMatchObject({
      subjectType: 'card_moved',
      icon: 'arrow-right',
      creator: { id: acme.userId, name: 'Ana Lima' },
      board: { id: board.id, name: 'Sprint board' },
      project: { id: board.project.id, name: board.project.name },
    });
    expect(moved.subject).toMatchObject({ card_id: card.id, from_column_id: todo.id, to_column_id: doing.id });
    expect(moved.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    // No description anywhere in the feed leaks an id or a placeholder for a name that exists.
    const { items } = await walk({ limit: 200 });
    const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
    expect(items.filter((i) => uuid.test(i.description) || /Someone|a deleted/.test(i.description)).map((i) => i.description)).toEqual([]);
  });
});
