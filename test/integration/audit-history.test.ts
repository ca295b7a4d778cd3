// Card history from the trail, through the contract: per-attribute diffs, pagination, the card as it was at
// random past moments (checked against snapshots taken while the card changed), compare, revert, and the
// account-wide audit list with its filters and a fixed number of statements per page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CardsTable } from '../../db/schema.ts';
import { queryStats } from '../../db/sql.ts';
import type { App } from '../../main/app.ts';
import { verifyChain } from '../../main/audit/verify.ts';
import { applyCardChanges, createCard, moveCard, updateCard } from '../../main/domain/cards.ts';
import type { DomainContext } from '../../main/domain/context.ts';
import { acceptInvitation, inviteMember } from '../../main/domain/members.ts';
import { createProject } from '../../main/domain/projects.ts';
import { createAccount, prng } from '../../main/demo.ts';
import { PushBus } from '../../main/push.ts';
import { caller, openTestApp, sqlCount, sqlRow, sqlRows } from '../support/workspace.ts';

let app: App;
let api: Awaited<ReturnType<typeof caller>>;
let ctx: DomainContext;
let clock = Date.parse('2026-01-05T09:00:00Z');
let cardId: string;
let columns: string[];
let people: string[];
/** [time, state after the change made at that time] for every change of the card. */
const snapshots: { at: number; state: Record<string, unknown> }[] = [];
const longText = (n: number) =>
  'The export hangs when the file is larger than two gigabytes and the progress bar stops at ninety percent. '.repeat(n);

const stateOf = (c: CardsTable) => ({ title: c.title, description: c.description, columnId: c.column_id, assigneeId: c.assignee_id, dueDate: c.due_date });
const current = async () => stateOf((await sqlRow<CardsTable>(app, 'SELECT * FROM cards WHERE id = ?', cardId))!);
const tick = (ms = 60_000) => (clock += ms);

beforeAll(async () => {
  app = await openTestApp({ demo: false });
  const { accountId, userId } = await createAccount(app.store, { name: 'History Co', owner: { name: 'Ana Lima', email: 'ana@history.test' }, at: clock });
  ctx = { store: app.store, session: { accountId, userId }, push: new PushBus(), clock: () => clock };
  api = await caller(app, { session: { accountId, userId } });
  tick();
  const { board } = await createProject(ctx, { name: 'Product', boardName: 'Sprint' });
  columns = board.columns.map((c) => c.id);
  people = [userId];
  for (const [name, email] of [['Bruno Costa', 'bruno@history.test'], ['Chen Wei', 'chen@history.test']]) {
    tick();
    const { invitation, invitee } = await inviteMember(ctx, { name, email, role: 'member' });
    await acceptInvitation({ ...ctx, session: { accountId: ctx.session.accountId, userId: invitee.id } }, { invitationId: invitation.id, inviteeId: invitee.id });
    people.push(invitee.id);
  }
  tick();
  const card = await createCard(ctx, { boardId: board.board.id, columnId: columns[0], title: 'Fix login', description: 'Short text.' });
  cardId = card.id;
  snapshots.push({ at: clock, state: await current() });
  // 60 changes of every kind, by different people, minutes to days apart.
  const rand = prng(42);
  for (let i = 0; i < 60; i++) {
    tick(60_000 + rand.int(3 * 86_400_000));
    ctx.session = { ...ctx.session, userId: rand.pick(people) };
    const kind = rand.int(6);
    const c = await current();
    if (kind === 0) await updateCard(ctx, { cardId, title: `Fix login ${i}` });
    else if (kind === 1) await updateCard(ctx, { cardId, description: `${longText(1 + rand.int(3))}Step ${i}.` });
    else if (kind === 2) await updateCard(ctx, { cardId, assigneeId: rand.next() < 0.2 ? null : rand.pick(people) });
    else if (kind === 3) await updateCard(ctx, { cardId, dueDate: rand.next() < 0.2 ? null : `2026-0${1 + rand.int(9)}-1${rand.int(9)}` });
    else if (kind === 4) {
      const to = rand.pick(columns.filter((x) => x !== c.columnId));
      await moveCard(ctx, { cardId, toColumnId: to });
    } else await applyCardChanges(ctx, cardId, { title: `Both ${i}`, due_date: '2026-12-24' });
    snapshots.push({ at: clock, state: await current() });
  }
  ctx.session = { ...ctx.session, userId: people[0] };
});
afterAll(() => app.close());

describe('audit.cardHistory', () => {
  it('lists every version newest first with who, when and the per-attribute diff', async () => {
    const all: Awaited<ReturnType<typeof api.call<'audit.cardHistory'>>>['items'] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await api.call('audit.cardHistory', { cardId, cursor, limit: 7 });
      expect(page.items.length).toBeLessThanOrEqual(7);
      all.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(Math.ceil(all.length / 7));
    // Every change is one version (updates that changed nothing are not versions), the creation last.
    const versions = new Set(snapshots.map((s) => JSON.stringify(s.state))).size;
    expect(all.length).toBeGreaterThanOrEqual(versions);
    expect(new Set(all.map((v) => v.id)).size).toBe(all.length);
    const times = all.map((v) => Date.parse(v.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(all.at(-1)).toMatchObject({ kind: 'card_created', changes: { title: [null, 'Fix login'], column_id: [null, columns[0]] } });
    // Each attribute type appears with [old, new].
    const byAttr = (a: string) => all.filter((v) => a in v.changes);
    for (const a of ['title', 'description', 'assignee_id', 'due_date', 'column_id']) expect(byAttr(a).length).toBeGreaterThan(0);
    for (const v of all) {
      for (const [attr, [from, to]] of Object.entries(v.changes)) {
        if (v.kind !== 'card_created' && attr !== 'position') expect(from).not.toEqual(to);
      }
    }
    const move = all.find((v) => v.kind === 'card_moved')!;
    expect(Object.keys(move.changes).sort()).toEqual(['column_id', 'position']);
    const both = all.find((v) => v.kind === 'card_updated' && 'title' in v.changes && 'due_date' in v.changes);
    expect(both).toBeDefined();
    // The updater is named; ids in values resolve through `names`.
    const page = await api.call('audit.cardHistory', { cardId, limit: 200 });
    for (const v of page.items) expect(v.updater.name).toMatch(/Ana|Bruno|Chen/);
    for (const v of page.items.filter((x) => x.changes.assignee_id)) {
      for (const id of v.changes.assignee_id!) if (id) expect(page.names.users[id as string]).toBeDefined();
    }
    for (const v of page.items.filter((x) => x.changes.column_id)) {
      for (const id of v.changes.column_id!) if (id) expect(page.names.columns[id as string]).toMatch(/To do|Doing|Done/);
    }
  });

  it('does not record a change of position alone (noise), and a foreign or unknown card is not found', async () => {
    const before = (await api.call('audit.cardHistory', { cardId, limit: 200 })).items.length;
    tick();
    const col = (await current()).columnId;
    const boardId = (await sqlRow<{ board_id: string }>(app, 'SELECT board_id FROM cards WHERE id = ?', cardId))!.board_id;
    const other = await createCard(ctx, { boardId, columnId: col, title: 'Neighbour' });
    tick();
    await applyCardChanges(ctx, cardId, { position: 1 });
    expect((await api.call('audit.cardHistory', { cardId, limit: 200 })).items.length).toBe(before);
    snapshots.push({ at: clock, state: await current() });
    const foreign = await (await caller(app, { session: { accountId: '019a0000-0000-7000-8000-000000000abc', userId: people[0] } })).raw('audit.cardHistory', { cardId });
    expect(foreign).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect((await api.raw('audit.cardHistory', { cardId: other.id, cursor: '???' })).ok).toBe(false);
  });
});

describe('audit.cardAt', () => {
  it('matches the card’s real state at random past moments', async () => {
    const rand = prng(7);
    const first = snapshots[0].at;
    const moments = [
      ...snapshots.map((s) => s.at),
      ...snapshots.map((s) => s.at - 1),
      ...Array.from({ length: 150 }, () => first + Math.floor(rand.next() * (clock - first + 86_400_000))),
    ];
    for (const t of moments) {
      const expected = [...snapshots].reverse().find((s) => s.at <= t);
      const r = await api.call('audit.cardAt', { cardId, at: new Date(t).toISOString() });
      if (!expected) {
        expect(r.existed).toBe(false);
        continue;
      }
      expect(r.existed).toBe(true);
      expect(r.state, `at ${new Date(t).toISOString()}`).toEqual(expected.state);
    }
  });
});

describe('audit.compare and audit.revert', () => {
  it('compares any two versions, not only neighbours', async () => {
    const items = (await api.call('audit.cardHistory', { cardId, limit: 200 })).items;
    const older = items[items.length - 3];
    const newer = items[4];
    const r = await api.call('audit.compare', { cardId, fromId: older.id, toId: newer.id });
    const at = (iso: string) => [...snapshots].reverse().find((s) => s.at <= Date.parse(iso))!.state;
    expect(r.from.state).toEqual(at(older.createdAt));
    expect(r.to.state).toEqual(at(newer.createdAt));
    const keys = { title: 'title', description: 'description', column_id: 'columnId', assignee_id: 'assigneeId', due_date: 'dueDate' } as const;
    for (const [attr, key] of Object.entries(keys)) {
      const a = r.from.state[key];
      const b = r.to.state[key];
      if (a === b) expect(r.changes[attr]).toBeUndefined();
      else expect(r.changes[attr]).toEqual([a, b]);
    }
    expect(Object.keys(r.changes).length).toBeGreaterThan(1);
  });

  it('reverts to a version with a new card_updated by the current person, never rewriting history', async () => {
    const before = (await api.call('audit.cardHistory', { cardId, limit: 200 })).items;
    const rawBefore = await sqlRows(app, 'SELECT * FROM card_updated WHERE card_id = ? ORDER BY id', cardId);
    const target = before[Math.floor(before.length / 2)];
    const expected = [...snapshots].reverse().find((s) => s.at <= Date.parse(target.createdAt))!.state;
    api.slot.session = { ...api.slot.session!, userId: people[2] };
    const r = await api.call('audit.revert', { cardId, versionId: target.id });
    expect(Object.keys(r.changes).length).toBeGreaterThan(0);
    expect(await current()).toEqual(expected);
    const after = (await api.call('audit.cardHistory', { cardId, limit: 200 })).items;
    expect(after.length).toBe(before.length + 1);
    expect(after[0]).toMatchObject({ kind: 'card_updated', updater: { id: people[2] }, changes: r.changes });
    expect(after.slice(1).map((v) => v.id)).toEqual(before.map((v) => v.id));
    const rawAfter = await sqlRows(app, 'SELECT * FROM card_updated WHERE card_id = ? ORDER BY id', cardId);
    expect(rawAfter.filter((x) => rawBefore.some((y) => JSON.stringify(y) === JSON.stringify(x))).length).toBe(rawBefore.length);
    // Reverting to what the card already is changes nothing.
    expect(await api.raw('audit.revert', { cardId, versionId: target.id })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect((await verifyChain(app.store, api.slot.session!.accountId)).ok).toBe(true);
  });
});

describe('created versions and reverts', () => {
  it('the created version carries every initial field; a revert names the version it went back to, on both lists', async () => {
    api.slot.session = { ...api.slot.session!, userId: people[0] };
    const boardId = (await sqlRow<CardsTable>(app, 'SELECT * FROM cards WHERE id = ?', cardId))!.board_id;
    const card = await api.call('cards.create', { boardId, columnId: columns[1], title: 'Born complete', description: 'Set at creation.', assigneeId: people[1], dueDate: '2026-06-30' });
    const created = (await api.call('audit.cardHistory', { cardId: card.id, limit: 50 })).items;
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      kind: 'card_created', number: 1, revertOf: null,
      changes: { title: [null, 'Born complete'], description: [null, 'Set at creation.'], column_id: [null, columns[1]], assignee_id: [null, people[1]], due_date: [null, '2026-06-30'] },
    });

    await api.call('cards.update', { cardId: card.id, title: 'Renamed', assigneeId: people[2] });
    const v1 = created[0];
    const reverted = await api.call('audit.revert', { cardId: card.id, versionId: v1.id });
    expect(reverted.changes).toEqual({ title: ['Renamed', 'Born complete'], assignee_id: [people[2], people[1]] });
    const history = (await api.call('audit.cardHistory', { cardId: card.id, limit: 50 })).items;
    expect(history.map((v) => [v.number, v.kind, v.revertOf?.number ?? null])).toEqual([[3, 'card_updated', 1], [2, 'card_updated', null], [1, 'card_created', null]]);
    // The created version still shows what the card started with, not what it is now.
    expect(history[2].changes.assignee_id).toEqual([null, people[1]]);
    expect(history[0].changes).toEqual(reverted.changes); // the marker is not an attribute
    // Paged one at a time, the numbers hold.
    const page2 = await api.call('audit.cardHistory', { cardId: card.id, limit: 1, cursor: (await api.call('audit.cardHistory', { cardId: card.id, limit: 1 })).nextCursor });
    expect(page2.items.map((v) => v.number)).toEqual([2]);

    const listed = (await api.call('audit.list', { cardId: card.id, limit: 10 })).items;
    expect(listed.map((i) => i.revertOf?.number ?? null)).toEqual([1, null, null]);
    // The public JSON (webhooks, the activity feed) says it is a revert, and its changes are attributes only.
    const activity = (await api.call('activity.list', { types: ['card_updated'], limit: 5 })).items.find((a) => a.subjectId === history[0].id)!;
    expect(activity.subject).toMatchObject({ revert_of: v1.id, changes: reverted.changes });
    expect(Object.keys(activity.subject.changes as object)).not.toContain('$revert_of');
    expect(activity.description).toMatch(/changed the title, assignee of Born complete/);
    expect((await verifyChain(app.store, api.slot.session!.accountId)).ok).toBe(true);
  });
});

describe('audit.list', () => {
  let bigApp: App;
  let big: Awaited<ReturnType<typeof caller>>;
  beforeAll(async () => {
    bigApp = await openTestApp({ events: 1500 });
    big = await caller(bigApp);
  });
  afterAll(() => bigApp.close());

  async function everything(input: Parameters<typeof big.call<'audit.list'>>[1]) {
    const out = [];
    let cursor: string | undefined;
    do {
      const page = await big.call('audit.list', { ...input, cursor, limit: 37 });
      out.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  it('pages through every card version of the account, newest first, without repeats', async () => {
    const all = await everything({});
    const accountId = big.slot.session!.accountId;
    const n = (t: string) => sqlCount(bigApp, `SELECT count(*) AS n FROM ${t} WHERE account_id = ?`, accountId);
    expect(all.length).toBe((await n('card_created')) + (await n('card_updated')) + (await n('card_moved')));
    expect(new Set(all.map((i) => i.id)).size).toBe(all.length);
    const times = all.map((i) => Date.parse(i.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    for (const i of all) {
      expect(i.card.title).not.toBe('Unknown card');
      expect(i.board?.name).toBeTruthy();
    }
  });

  it('filters by card, board, attribute, person and date range (and their combinations)', async () => {
    const all = await everything({});
    const someCard = all.find((i) => i.kind === 'card_moved')!.card.id;
    const byCard = await everything({ cardId: someCard });
    expect(byCard.map((i) => i.id)).toEqual(all.filter((i) => i.card.id === someCard).map((i) => i.id));
    const board = all[10].board!.id;
    expect((await everything({ boardId: board })).map((i) => i.id)).toEqual(all.filter((i) => i.board?.id === board).map((i) => i.id));
    const person = all[3].updater.id;
    expect((await everything({ personId: person })).map((i) => i.id)).toEqual(all.filter((i) => i.updater.id === person).map((i) => i.id));
    for (const attribute of ['title', 'description', 'assignee_id', 'due_date', 'column_id'] as const) {
      const got = await everything({ attribute });
      expect(got.length).toBeGreaterThan(0);
      expect(got.map((i) => i.id)).toEqual(all.filter((i) => attribute in i.changes).map((i) => i.id));
      const onCard = await everything({ attribute, cardId: someCard });
      expect(onCard.map((i) => i.id)).toEqual(all.filter((i) => attribute in i.changes && i.card.id === someCard).map((i) => i.id));
    }
    const from = all[Math.floor(all.length * 0.6)].createdAt;
    const to = all[Math.floor(all.length * 0.3)].createdAt;
    const inRange = all.filter((i) => i.createdAt >= from && i.createdAt < to);
    expect((await everything({ from, to })).map((i) => i.id)).toEqual(inRange.map((i) => i.id));
    expect((await everything({ from, to, personId: person, attribute: 'title' })).map((i) => i.id)).toEqual(
      inRange.filter((i) => i.updater.id === person && 'title' in i.changes).map((i) => i.id),
    );
    expect(await big.raw('audit.list', { from: to, to: from })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await big.raw('audit.list', { attribute: 'secret' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('costs the same number of statements for a page of 5 as for a page of 500 (no query per row)', async () => {
    // Every statement on either store goes through db/sql.ts, which counts them.
    const measure = async (input: Parameters<typeof big.call<'audit.list'>>[1]) => {
      const before = queryStats.count;
      const r = await big.call('audit.list', input);
      return { count: queryStats.count - before, n: r.items.length };
    };
    const small = await measure({ limit: 5 });
    const large = await measure({ limit: 500 });
    expect(large.n).toBe(500);
    expect(small.count).toBeGreaterThan(0);
    expect(large.count).toBe(small.count);
    const hist = await measure({ cardId: (await big.call('audit.list', { limit: 1 })).items[0].card.id, limit: 500 });
    expect(hist.count).toBe(small.count);
  });
});
