// Domain commands against a real store (a SQLite file, a PostgreSQL database): what each command writes
// (exactly), and that every refusal writes nothing at all.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../main/app.ts';
import { createCard, moveCard, updateCard } from '../../main/domain/cards.ts';
import { addComment } from '../../main/domain/comments.ts';
import type { DomainContext } from '../../main/domain/context.ts';
import { followUps, sentToWebhooks, type RecordedEvent } from '../../main/domain/hooks.ts';
import { archiveProject } from '../../main/domain/projects.ts';
import { prng } from '../../main/demo.ts';
import { queryStats } from '../../db/sql.ts';
import { caller, onPostgres, openTestApp, sqlCount, sqlRow, sqlRows, tableCounts } from '../support/workspace.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const FOUNDATION_TABLES = [
  'accounts', 'users', 'memberships', 'projects', 'boards', 'columns', 'cards', 'comments', 'card_subscriptions',
  'card_created', 'card_moved', 'card_updated', 'comment_added', 'member_invited', 'project_archived', 'activities', 'jobs',
  'invitations', 'invitation_sent', 'invitation_accepted',
];

let app: App;
let api: Awaited<ReturnType<typeof caller>>;
let acme: { accountId: string; userId: string };
let globex: { accountId: string };
let ana: string;

const rows = <T = Record<string, unknown>>(sql: string, ...params: unknown[]) => sqlRows<T>(app, sql, ...params);
const row = async <T = Record<string, unknown>>(sql: string, ...params: unknown[]) => (await sqlRow<T>(app, sql, ...params)) as T;

/** Row count of every table of the store (all areas' tables, not only the foundation's). */
const counts = () => tableCounts(app);

function delta(before: Record<string, number>, after: Record<string, number>, only: string[]) {
  const d: Record<string, number> = {};
  for (const t of only) if (after[t] !== before[t]) d[t] = after[t] - before[t];
  return d;
}

/** The ms timestamp a UUIDv7 carries. */
const uuidTime = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

function expectKeyAndTime(id: string, at: number, t0: number, t1: number) {
  expect(id).toMatch(UUID_V7);
  expect(Number.isInteger(at)).toBe(true);
  expect(at).toBeGreaterThanOrEqual(t0);
  expect(at).toBeLessThanOrEqual(t1);
  expect(uuidTime(id)).toBe(at);
}

/**
 * Run a successful command and check the common part of what it must write: exactly one event row in `table`,
 * its activity (board/project), and its follow-up jobs (the webhook fan-out). Returns the rows for more checks.
 */
async function expectRecorded(
  table: RecordedEvent['table'],
  where: { boardId: string | null; projectId: string | null },
  expectedDelta: Record<string, number>,
  run: () => Promise<unknown>,
) {
  const before = await counts();
  const t0 = Date.now();
  const result = await run();
  const t1 = Date.now();
  const after = await counts();
  // Exactly these foundation rows, no more (jobs are checked against the declared follow-ups below).
  expect(delta(before, after, FOUNDATION_TABLES.filter((t) => t !== 'jobs'))).toEqual({ [table]: 1, activities: 1, ...expectedDelta });

  const event = await row<Record<string, unknown> & { id: string; created_at: number }>(`SELECT * FROM ${table} ORDER BY id DESC LIMIT 1`);
  expectKeyAndTime(event.id, event.created_at, t0, t1);
  expect(event.account_id).toBe(acme.accountId);
  expect(event.creator_id).toBe(acme.userId);

  const activity = await row<Record<string, unknown> & { id: string }>(`SELECT * FROM activities WHERE subject_type = ? AND subject_id = ?`, table, event.id);
  expect(activity).toEqual({
    id: activity.id,
    account_id: acme.accountId,
    subject_type: table,
    subject_id: event.id,
    creator_id: acme.userId,
    board_id: where.boardId,
    project_id: where.projectId,
    created_at: event.created_at,
  });
  expectKeyAndTime(activity.id, event.created_at, t0, t1);

  const recorded: RecordedEvent = { table, row: event as RecordedEvent['row'], activity: activity as unknown as RecordedEvent['activity'], writes: [] };
  const declared = followUps.map((f) => f(recorded)).filter((j) => j !== null);
  expect(after.jobs - before.jobs).toBe(declared.length);
  // The event's jobs: args is JSON text on both stores; read it here rather than with a dialect's JSON functions.
  const jobs = (await rows<Record<string, unknown>>(`SELECT * FROM jobs WHERE created_at = ? ORDER BY id`, event.created_at)).filter(
    (j) => (JSON.parse(j.args as string) as { eventId?: unknown }).eventId === event.id,
  );
  const fanout = jobs.filter((j) => j.kind === 'webhooks.fanout');
  // Access events (invitations, roles, tokens…) stay in the audit trail: no webhook fan-out.
  if (!sentToWebhooks(table)) {
    expect(fanout).toHaveLength(0);
    return { result, event, activity };
  }
  expect(fanout).toHaveLength(1);
  expect(fanout[0]).toMatchObject({
    account_id: acme.accountId,
    queue: 'webhooks',
    status: 'ready',
    run_at: event.created_at,
    created_at: event.created_at,
    attempts: 0,
    claimed_by: null,
    finished_at: null,
  });
  expect(JSON.parse(fanout[0].args as string)).toEqual({ table, eventId: event.id });
  expect(fanout[0].id).toMatch(UUID_V7);
  return { result, event, activity };
}

async function expectRefused(code: string, run: () => Promise<unknown> | unknown, message?: RegExp) {
  const before = await counts();
  let thrown: any;
  try {
    const r = await run();
    // Contract calls answer a body; domain calls throw.
    if (r && typeof r === 'object' && 'ok' in r) thrown = (r as any).ok ? null : { body: (r as any).error };
  } catch (err) {
    thrown = err;
  }
  expect(thrown, 'the command was refused').toBeTruthy();
  const body = thrown.body ?? (typeof thrown.toBody === 'function' ? thrown.toBody() : thrown);
  expect(body.code).toBe(code);
  if (message) expect(body.message).toMatch(message);
  expect(await counts()).toEqual(before);
  return body;
}

async function acmeBoard() {
  const b = await row<{ id: string; project_id: string }>(
    `SELECT boards.id, boards.project_id FROM boards JOIN projects ON projects.id = boards.project_id
     WHERE boards.account_id = ? AND projects.archived_at IS NULL ORDER BY boards.name LIMIT 1`,
    acme.accountId,
  );
  const columns = await rows<{ id: string; name: string }>(`SELECT id, name FROM columns WHERE board_id = ? ORDER BY position`, b.id);
  return { ...b, columns };
}

const ctx = (): DomainContext => ({ store: app.store, session: { ...acme }, push: app.push });

beforeAll(async () => {
  app = await openTestApp({ events: 300 });
  api = await caller(app);
  acme = (await app.defaultSession())!;
  const accounts = await rows<{ id: string; name: string }>(`SELECT id, name FROM accounts ORDER BY name`);
  expect(accounts.map((a) => a.name)).toEqual(['Acme Product', 'Globex Ops']);
  globex = { accountId: accounts[1].id };
  ana = acme.userId;
});
afterAll(async () => {
  await app.close();
});

describe('commands write exactly their rows', () => {
  it('cards.create: the card, its subscriptions, card_created with typed columns, the activity, the fan-out job', async () => {
    const board = await acmeBoard();
    const bruno = (await row<{ id: string }>(`SELECT id FROM users WHERE email = 'bruno@acme.test'`)).id;
    const position = (await row<{ n: number }>(`SELECT count(*) AS n FROM cards WHERE column_id = ?`, board.columns[0].id)).n;
    const { result, event } = await expectRecorded('card_created', { boardId: board.id, projectId: board.project_id }, { cards: 1, card_subscriptions: 2 }, () =>
      api.call('cards.create', { boardId: board.id, columnId: board.columns[0].id, title: '  Write the domain tests  ', assigneeId: bruno, dueDate: '2026-12-31' }),
    );
    const card = await row<Record<string, unknown> & { id: string; created_at: number }>(`SELECT * FROM cards WHERE id = ?`, (result as { id: string }).id);
    expect(card).toEqual({
      id: card.id, account_id: acme.accountId, board_id: board.id, column_id: board.columns[0].id, position,
      title: 'Write the domain tests', description: '', assignee_id: bruno, due_date: '2026-12-31', creator_id: ana,
      created_at: event.created_at, updated_at: event.created_at,
    });
    expect(card.id).toMatch(UUID_V7);
    expect(event).toEqual({
      id: event.id, account_id: acme.accountId, creator_id: ana, created_at: event.created_at,
      card_id: card.id, board_id: board.id, column_id: board.columns[0].id, title: 'Write the domain tests',
    });
    expect((await rows(`SELECT user_id FROM card_subscriptions WHERE card_id = ? ORDER BY user_id`, card.id)).map((r) => r.user_id)).toEqual([ana, bruno].sort());
  });

  it('cards.move: the card row, card_moved with from/to columns and positions, the activity, the fan-out job', async () => {
    const board = await acmeBoard();
    const { id: cardId } = await api.call('cards.create', { boardId: board.id, columnId: board.columns[0].id, title: 'Mover' });
    const from = await row<{ column_id: string; position: number }>(`SELECT column_id, position FROM cards WHERE id = ?`, cardId);
    const { event } = await expectRecorded('card_moved', { boardId: board.id, projectId: board.project_id }, {}, () =>
      api.call('cards.move', { cardId, toColumnId: board.columns[1].id, position: 0 }),
    );
    expect(event).toEqual({
      id: event.id, account_id: acme.accountId, creator_id: ana, created_at: event.created_at, card_id: cardId,
      from_column_id: from.column_id, to_column_id: board.columns[1].id, from_position: from.position, to_position: 0,
    });
    expect(await row(`SELECT column_id, position, updated_at FROM cards WHERE id = ?`, cardId)).toEqual({ column_id: board.columns[1].id, position: 0, updated_at: event.created_at });
  });

  it('cards.move on a hub: the card update, the event, its activity, fan-out job, report rollups and audit link are one statement', async () => {
    const board = await acmeBoard();
    const { id: cardId } = await api.call('cards.create', { boardId: board.id, columnId: board.columns[0].id, title: 'Counted' });
    const daily = () => row<{ n: number }>(`SELECT coalesce(sum(count), 0) AS n FROM report_daily WHERE scope = 'board' AND scope_id = ? AND event_type = 'card_moved'`, board.id);
    const movesBefore = (await daily()).n;
    const before = queryStats.count;
    await moveCard(ctx(), { cardId, toColumnId: board.columns[1].id, position: 0 });
    const statements = queryStats.count - before;
    // Inside the command's transaction: the guard's read, the chain head, then the writes. On a hub the chain head
    // is read with the BEGIN (after the account lock), and the writes, the card update among them, are one round
    // trip (data-modifying WITH; the live-update notice rides on COMMIT). On a file each is its own statement, which
    // costs no round trip: card_moved, activity, job, the card update, two rollup upserts, audit link, and the push
    // outbox row.
    expect(statements).toBe(onPostgres ? 2 : 10);
    expect((await daily()).n).toBe(movesBefore + 1);
    expect(await row(`SELECT count(*) AS n FROM audit_chain WHERE event_table = 'card_moved' AND event_id = (SELECT max(id) FROM card_moved WHERE card_id = ?)`, cardId)).toEqual({ n: 1 });
  });

  it('cards.create, comments.add, cards.update and projects.archive on a hub: the row they write goes with the event in one statement', async () => {
    const board = await acmeBoard();
    const count = async (fn: () => Promise<unknown>) => {
      const before = queryStats.count;
      const result = await fn();
      return { result, statements: queryStats.count - before };
    };
    const created = await count(() => createCard(ctx(), { boardId: board.id, columnId: board.columns[0].id, title: 'One trip' }));
    const cardId = (created.result as { id: string }).id;
    // The board's and the column's guard reads, then the writes: on a hub one statement (the card, the creator's
    // subscription, card_created, its activity, jobs, rollups and audit link), on a file one each, with the chain
    // head's read and the push outbox row.
    expect(created.statements).toBe(onPostgres ? 3 : 12);
    const commented = await count(() => addComment(ctx(), { cardId, body: 'Also one trip' }));
    // The card's guard read, then the writes (the comment and the subscription with the event's).
    expect(commented.statements).toBe(onPostgres ? 2 : 11);
    expect(await row(`SELECT count(*) AS n FROM card_subscriptions WHERE card_id = ?`, cardId)).toEqual({ n: 1 });
    expect(await row(`SELECT count(*) AS n FROM comments WHERE card_id = ?`, cardId)).toEqual({ n: 1 });
    expect(await row(`SELECT count(*) AS n FROM audit_chain WHERE event_id IN (SELECT id FROM card_created WHERE card_id = ? UNION ALL SELECT id FROM comment_added WHERE card_id = ?)`, cardId, cardId)).toEqual({ n: 2 });
    // The card's guard read, then the writes (the card's new title with the event's).
    expect((await count(() => updateCard(ctx(), { cardId, title: 'Renamed in one trip' }))).statements).toBe(onPostgres ? 2 : 10);
    expect(await row(`SELECT title FROM cards WHERE id = ?`, cardId)).toEqual({ title: 'Renamed in one trip' });
    const { id: projectId } = await api.call('projects.create', { name: 'Archived in one trip' });
    // The project's guard read, then the writes (the project marked archived with the event's).
    expect((await count(() => archiveProject(ctx(), { projectId, reason: 'Done' }))).statements).toBe(onPostgres ? 2 : 10);
    expect(await row(`SELECT archived_reason FROM projects WHERE id = ?`, projectId)).toEqual({ archived_reason: 'Done' });
  });

  it('cards.update: card_updated records {attribute: [old, new]} for what changed, nothing for a no-op', async () => {
    const board = await acmeBoard();
    const { id: cardId } = await api.call('cards.create', { boardId: board.id, columnId: board.columns[0].id, title: 'Old title', description: 'Same' });
    const { event } = await expectRecorded('card_updated', { boardId: board.id, projectId: board.project_id }, {}, () =>
      api.call('cards.update', { cardId, title: 'New title', description: 'Same', dueDate: '2027-01-15' }),
    );
    expect(JSON.parse(event.changes as string)).toEqual({ title: ['Old title', 'New title'], due_date: [null, '2027-01-15'] });
    expect(Object.keys(event).sort()).toEqual(['account_id', 'card_id', 'changes', 'created_at', 'creator_id', 'id']);
    // Nothing changed: no event, no activity, no job.
    const before = await counts();
    await api.call('cards.update', { cardId, title: 'New title' });
    expect(await counts()).toEqual(before);
  });

  it('comments.add: the comment, the subscription, comment_added, the activity, the fan-out job', async () => {
    const board = await acmeBoard();
    const bruno = (await row<{ id: string }>(`SELECT id FROM users WHERE email = 'bruno@acme.test'`)).id;
    await api.call('session.switchUser', { userId: bruno });
    const { id: cardId } = await api.call('cards.create', { boardId: board.id, columnId: board.columns[0].id, title: 'Discuss' });
    await api.call('session.switchUser', { userId: ana });
    const { result, event } = await expectRecorded('comment_added', { boardId: board.id, projectId: board.project_id }, { comments: 1, card_subscriptions: 1 }, () =>
      api.call('comments.add', { cardId, body: '  Looks good.  ' }),
    );
    const comment = await row<Record<string, unknown>>(`SELECT * FROM comments WHERE id = ?`, (result as { id: string }).id);
    expect(comment).toEqual({ id: (result as { id: string }).id, account_id: acme.accountId, card_id: cardId, author_id: ana, body: 'Looks good.', created_at: event.created_at });
    expect(event).toEqual({ id: event.id, account_id: acme.accountId, creator_id: ana, created_at: event.created_at, comment_id: comment.id, card_id: cardId });
  });

  it('members.invite: a pending invitation (nobody joins yet), invitation_sent (no board or project), no webhook fan-out', async () => {
    const { result, event } = await expectRecorded('invitation_sent', { boardId: null, projectId: null }, { users: 1, invitations: 1 }, () =>
      api.call('members.invite', { email: 'Kai@Acme.test', name: 'Kai Moreno', role: 'viewer' }),
    );
    const inv = result as { id: string; status: string; joinToken?: string; invitee: { id: string; email: string } };
    expect(inv.invitee.email).toBe('kai@acme.test');
    expect(inv.status).toBe('pending');
    expect(event).toEqual({ id: event.id, account_id: acme.accountId, creator_id: ana, created_at: event.created_at, invitation_id: inv.id, invitee_id: inv.invitee.id, role: 'viewer' });
    expect(await row(`SELECT count(*) AS n FROM memberships WHERE user_id = ?`, inv.invitee.id)).toEqual({ n: 0 });
    // The one-time join token is kept as its SHA-256 only.
    expect(inv.joinToken).toMatch(/^chrj_[A-Za-z0-9_-]{43}$/);
    expect(await row(`SELECT join_token_hash FROM invitations WHERE id = ?`, inv.id)).toEqual({ join_token_hash: createHash('sha256').update(inv.joinToken!).digest('hex') });
    // An existing person of another account: a pending invitation for that person, no second users row, and never
    // a membership made behind their back.
    const gus = (await row<{ id: string }>(`SELECT id FROM users WHERE email = 'gus@globex.test'`)).id;
    const { result: forGus } = await expectRecorded('invitation_sent', { boardId: null, projectId: null }, { invitations: 1 }, () =>
      api.call('members.invite', { email: 'gus@globex.test', name: 'Gus', role: 'member' }),
    );
    expect((forGus as { invitee: { id: string } }).invitee.id).toBe(gus);
    expect(await row(`SELECT count(*) AS n FROM memberships WHERE account_id = ? AND user_id = ?`, acme.accountId, gus)).toEqual({ n: 0 });
    // Inviting again while one is pending is refused and writes nothing.
    await expectRefused('conflict', () => api.raw('members.invite', { email: 'gus@globex.test', name: 'Gus', role: 'admin' }), /pending invitation/);
  });

  it('projects.archive: the project row, project_archived with the trimmed reason, the activity (project only), the fan-out job', async () => {
    const { id: projectId } = await api.call('projects.create', { name: 'To be archived' });
    const { event } = await expectRecorded('project_archived', { boardId: null, projectId }, {}, () =>
      api.call('projects.archive', { projectId, reason: '  Shipped.  ' }),
    );
    expect(event).toEqual({ id: event.id, account_id: acme.accountId, creator_id: ana, created_at: event.created_at, project_id: projectId, reason: 'Shipped.' });
    expect(await row(`SELECT archived_at, archived_reason FROM projects WHERE id = ?`, projectId)).toEqual({ archived_at: event.created_at, archived_reason: 'Shipped.' });
  });

  it('projects.create writes the project, a board and its columns with UUIDv7 keys and no event', async () => {
    const before = await counts();
    const t0 = Date.now();
    const p = await api.call('projects.create', { name: 'Fresh', boardName: 'Main' });
    const t1 = Date.now();
    expect(delta(before, await counts(), FOUNDATION_TABLES)).toEqual({ projects: 1, boards: 1, columns: 3 });
    const project = await row<{ id: string; created_at: number }>(`SELECT id, created_at FROM projects WHERE id = ?`, p.id);
    expectKeyAndTime(project.id, project.created_at, t0, t1);
    const columns = await rows<{ id: string; name: string; position: number; created_at: number }>(`SELECT id, name, position, created_at FROM columns WHERE board_id = ? ORDER BY position`, p.boards[0].id);
    expect(columns.map((c) => [c.name, c.position])).toEqual([['To do', 0], ['Doing', 1], ['Done', 2]]);
    for (const c of columns) expectKeyAndTime(c.id, c.created_at, t0, t1);
  });
});

describe('refusals write nothing', () => {
  it('moving a card to the column it is in', async () => {
    const board = await acmeBoard();
    const { id: cardId } = await api.call('cards.create', { boardId: board.id, columnId: board.columns[0].id, title: 'Stay' });
    await expectRefused('conflict', () => api.raw('cards.move', { cardId, toColumnId: board.columns[0].id }), /already there/);
    await expectRefused('conflict', () => moveCard(ctx(), { cardId, toColumnId: board.columns[0].id }));
    const at = (await api.call('cards.get', { cardId })).position;
    await expectRefused('conflict', () => api.raw('cards.move', { cardId, toColumnId: board.columns[0].id, position: at }), /already there/);
  });

  it('reordering a card within its column keeps the positions contiguous and records no event (position is noise)', async () => {
    const board = await acmeBoard();
    const columnId = board.columns[2].id;
    const ids: string[] = [];
    for (const title of ['First', 'Second', 'Third']) ids.push((await api.call('cards.create', { boardId: board.id, columnId, title })).id);
    const order = async () => (await api.call('boards.get', { boardId: board.id })).columns.find((c: { id: string }) => c.id === columnId)!.cards;
    const before = await order();
    const events = await sqlCount(app, 'SELECT count(*) AS n FROM card_moved');
    const third = before.find((c: { id: string }) => c.id === ids[2])!;
    const first = before.find((c: { id: string }) => c.id === ids[0])!;
    const moved = await api.call('cards.move', { cardId: ids[2], toColumnId: columnId, position: first.position });
    expect(moved.position).toBe(first.position);
    const after = await order();
    expect(after.map((c: { position: number }) => c.position)).toEqual(after.map((_: unknown, i: number) => i));
    expect(after.findIndex((c: { id: string }) => c.id === ids[2])).toBe(before.findIndex((c: { id: string }) => c.id === ids[0]));
    expect(after.findIndex((c: { id: string }) => c.id === ids[0])).toBe(before.findIndex((c: { id: string }) => c.id === ids[0]) + 1);
    expect(third.position).toBe(before.length - 1);
    // Past the end clamps to the last place.
    await api.call('cards.move', { cardId: ids[2], toColumnId: columnId, position: 999 });
    expect((await order()).at(-1)!.id).toBe(ids[2]);
    expect(await sqlCount(app, 'SELECT count(*) AS n FROM card_moved')).toBe(events);
  });

  it('a card or column of another account is not found', async () => {
    const board = await acmeBoard();
    const foreignCard = await row<{ id: string; column_id: string; board_id: string }>(`SELECT id, column_id, board_id FROM cards WHERE account_id = ? LIMIT 1`, globex.accountId);
    const otherForeignColumn = (await row<{ id: string }>(`SELECT id FROM columns WHERE board_id = ? AND id <> ? LIMIT 1`, foreignCard.board_id, foreignCard.column_id)).id;
    const { id: cardId } = await api.call('cards.create', { boardId: board.id, columnId: board.columns[0].id, title: 'Mine' });
    await expectRefused('not_found', () => api.raw('cards.move', { cardId: foreignCard.id, toColumnId: otherForeignColumn }), /card was not found/);
    await expectRefused('not_found', () => api.raw('cards.move', { cardId, toColumnId: otherForeignColumn }), /column was not found/);
    await expectRefused('not_found', () => api.raw('cards.update', { cardId: foreignCard.id, title: 'Hijack' }));
    await expectRefused('not_found', () => api.raw('comments.add', { cardId: foreignCard.id, body: 'Hello from Acme' }));
    await expectRefused('not_found', () => api.raw('cards.get', { cardId: foreignCard.id }));
    const foreignBoard = (await row<{ id: string }>(`SELECT id FROM boards WHERE account_id = ? LIMIT 1`, globex.accountId)).id;
    await expectRefused('not_found', () => api.raw('cards.create', { boardId: foreignBoard, columnId: otherForeignColumn, title: 'x' }));
    await expectRefused('not_found', () => api.raw('cards.create', { boardId: board.id, columnId: otherForeignColumn, title: 'x' }));
    const foreignProject = (await row<{ id: string }>(`SELECT id FROM projects WHERE account_id = ? LIMIT 1`, globex.accountId)).id;
    await expectRefused('not_found', () => api.raw('projects.archive', { projectId: foreignProject, reason: 'Mine now' }));
  });

  it('a column of another board of the same account', async () => {
    const board = await acmeBoard();
    const other = (await row<{ id: string }>(`SELECT columns.id FROM columns JOIN boards ON boards.id = columns.board_id WHERE boards.account_id = ? AND boards.id <> ? LIMIT 1`, acme.accountId, board.id)).id;
    const { id: cardId } = await api.call('cards.create', { boardId: board.id, columnId: board.columns[0].id, title: 'Wanderer' });
    await expectRefused('invalid_input', () => api.raw('cards.move', { cardId, toColumnId: other }), /another board/);
    await expectRefused('invalid_input', () => api.raw('cards.create', { boardId: board.id, columnId: other, title: 'x' }));
  });

  it('anything on a board of an archived project, and archiving twice', async () => {
    const p = await api.call('projects.create', { name: 'Frozen' });
    const boardId = p.boards[0].id;
    const columns = await rows<{ id: string }>(`SELECT id FROM columns WHERE board_id = ? ORDER BY position`, boardId);
    const { id: cardId } = await api.call('cards.create', { boardId, columnId: columns[0].id, title: 'Left behind' });
    await api.call('projects.archive', { projectId: p.id, reason: 'Done with it' });
    const archived = /archived/;
    await expectRefused('conflict', () => api.raw('cards.create', { boardId, columnId: columns[0].id, title: 'New' }), archived);
    await expectRefused('conflict', () => api.raw('cards.move', { cardId, toColumnId: columns[1].id }), archived);
    await expectRefused('conflict', () => api.raw('cards.update', { cardId, title: 'Renamed' }), archived);
    await expectRefused('conflict', () => api.raw('comments.add', { cardId, body: 'Anyone?' }), archived);
    await expectRefused('conflict', () => api.raw('boards.create', { projectId: p.id, name: 'Another' }), archived);
    await expectRefused('conflict', () => api.raw('projects.archive', { projectId: p.id, reason: 'Again' }), /already archived/);
  });

  it('an empty comment (contract and domain)', async () => {
    const board = await acmeBoard();
    const { id: cardId } = await api.call('cards.create', { boardId: board.id, columnId: board.columns[0].id, title: 'Quiet' });
    for (const body of ['', '   ', '\n\t ']) {
      const b = await expectRefused('invalid_input', () => api.raw('comments.add', { cardId, body }));
      expect(b.issues[0].path).toEqual(['body']);
      await expectRefused('invalid_input', () => addComment(ctx(), { cardId, body }), /cannot be empty/);
    }
  });

  it('a missing, blank or too long archive reason (contract and domain)', async () => {
    const { id: projectId } = await api.call('projects.create', { name: 'Kept' });
    const missing = await expectRefused('invalid_input', () => api.raw('projects.archive', { projectId }));
    expect(missing.issues[0].path).toEqual(['reason']);
    await expectRefused('invalid_input', () => api.raw('projects.archive', { projectId, reason: '   ' }));
    const long = await expectRefused('invalid_input', () => api.raw('projects.archive', { projectId, reason: 'x'.repeat(501) }));
    expect(long.issues[0]).toEqual({ path: ['reason'], message: 'at most 500 characters' });
    await expectRefused('invalid_input', () => archiveProject(ctx(), { projectId, reason: '  ' }), /reason is required/);
    await expectRefused('invalid_input', () => archiveProject(ctx(), { projectId, reason: 'y'.repeat(501) }), /at most 500/);
    // Exactly 500 characters is accepted.
    await api.call('projects.archive', { projectId, reason: 'z'.repeat(500) });
  });

  it('inviting someone who is already a member', async () => {
    await expectRefused('conflict', () => api.raw('members.invite', { email: 'BRUNO@acme.test', name: 'Bruno again', role: 'member' }), /already a member/);
    await expectRefused('conflict', () => api.raw('members.invite', { email: 'ana@acme.test', name: 'Ana', role: 'admin' }), /already a member/);
  });

  it('an assignee from another account', async () => {
    const board = await acmeBoard();
    const jo = (await row<{ id: string }>(`SELECT id FROM users WHERE email = 'jo@globex.test'`)).id;
    expect(await row(`SELECT count(*) AS n FROM memberships WHERE account_id = ? AND user_id = ?`, acme.accountId, jo)).toEqual({ n: 0 });
    await expectRefused('not_found', () => api.raw('cards.create', { boardId: board.id, columnId: board.columns[0].id, title: 'x', assigneeId: jo }), /person was not found/);
    const { id: cardId } = await api.call('cards.create', { boardId: board.id, columnId: board.columns[0].id, title: 'Needs an owner' });
    await expectRefused('not_found', () => api.raw('cards.update', { cardId, assigneeId: jo }), /person was not found/);
  });
});

describe('card positions', () => {
  async function expectContiguous(boardId: string) {
    const cols = await rows<{ id: string }>(`SELECT id FROM columns WHERE board_id = ?`, boardId);
    for (const c of cols) {
      const positions = (await rows<{ position: number }>(`SELECT position FROM cards WHERE column_id = ? ORDER BY position`, c.id)).map((r) => r.position);
      expect(positions).toEqual(positions.map((_, i) => i));
    }
  }

  it('stay contiguous (0..n-1 in every column) after 400 random moves', async () => {
    const board = await acmeBoard();
    for (let i = 0; i < 12; i++) await api.call('cards.create', { boardId: board.id, columnId: board.columns[i % board.columns.length].id, title: `Card ${i}` });
    const rand = prng(42);
    const cards = (await rows<{ id: string }>(`SELECT id FROM cards WHERE board_id = ?`, board.id)).map((r) => r.id);
    let moved = 0;
    for (let i = 0; i < 400; i++) {
      const cardId = rand.pick(cards);
      const current = (await row<{ column_id: string }>(`SELECT column_id FROM cards WHERE id = ?`, cardId)).column_id;
      const to = rand.pick(board.columns.filter((c) => c.id !== current)).id;
      const r = rand.next();
      const position = r < 0.3 ? undefined : r < 0.5 ? 10_000 : rand.int(8);
      const card = await moveCard(ctx(), { cardId, toColumnId: to, position });
      const size = (await row<{ n: number }>(`SELECT count(*) AS n FROM cards WHERE column_id = ?`, to)).n;
      expect(card.position).toBe(position === undefined ? size - 1 : Math.min(position, size - 1));
      moved++;
      if (i % 50 === 0) await expectContiguous(board.id);
    }
    await expectContiguous(board.id);
    expect(moved).toBe(400);
    // Every demo board, too, after the seed's own moves.
    for (const b of await rows<{ id: string }>(`SELECT id FROM boards`)) await expectContiguous(b.id);
  });
});

describe('keys and times', () => {
  it('every key in the foundation tables is a UUIDv7 whose time matches the row’s created_at (epoch ms)', async () => {
    for (const t of FOUNDATION_TABLES) {
      const bad = (await rows<{ id: string; created_at: number }>(`SELECT id, created_at FROM ${t}`)).filter(
        (r) => !UUID_V7.test(r.id) || !Number.isInteger(r.created_at) || r.created_at < 1.6e12 || r.created_at > Date.now() + 1000 || uuidTime(r.id) !== r.created_at,
      );
      expect(bad, t).toEqual([]);
    }
  });
});
