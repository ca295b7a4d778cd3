// Activity grouping at read time (pure) on hand-made runs and on the real feed, and the per-person last-seen mark.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../main/app.ts';
import { feedRows, groupActivities, isNewSince, newCount, type FeedItem } from '../../renderer/lib/activityGroups.ts';
import { caller, openTestApp } from '../support/workspace.ts';

const T0 = Date.parse('2026-03-02T12:00:00Z');
let n = 0;
const uuid = () => `019a0000-0000-7000-8000-${String(++n).padStart(12, '0')}`;
const ana = { id: uuid(), name: 'Ana' };
const bo = { id: uuid(), name: 'Bo' };
const cy = { id: uuid(), name: 'Cy' };
const design = { id: uuid(), name: 'Design' };
const ops = { id: uuid(), name: 'Ops' };
const cards = { login: uuid(), dark: uuid(), csv: uuid() };
const titles: Record<string, string> = { [cards.login]: 'Fix login', [cards.dark]: 'Dark mode', [cards.csv]: 'Export CSV' };

type WorkType = Extract<FeedItem['subjectType'], 'card_moved' | 'comment_added' | 'card_updated' | 'card_created' | 'member_invited' | 'project_archived'>;

function item(type: WorkType, who: { id: string; name: string }, minutesAgo: number, card: string, board = design): FeedItem {
  const description = {
    card_moved: `${who.name} moved ${titles[card]} from To do to Doing`,
    comment_added: `${who.name} commented on ${titles[card]}`,
    card_updated: `${who.name} changed the title of ${titles[card]}`,
    card_created: `${who.name} created ${titles[card]} in To do`,
    member_invited: `${who.name} invited Zed as member`,
    project_archived: `${who.name} archived Old: done`,
  }[type];
  return {
    id: uuid(), subjectType: type, subjectId: uuid(), description, icon: 'activity', creator: who,
    board, project: { id: uuid(), name: 'Web' }, createdAt: new Date(T0 - minutesAgo * 60_000).toISOString(), subject: { card_id: card },
  };
}

describe('groupActivities', () => {
  it('groups runs of moves by one person on one board, and comments on one card by several people', () => {
    const feed = [
      item('card_moved', ana, 1, cards.login),
      item('card_moved', ana, 2, cards.dark),
      item('comment_added', bo, 3, cards.login),
      item('card_moved', ana, 4, cards.csv),
      item('comment_added', cy, 5, cards.login),
      item('card_moved', ana, 6, cards.login),
      item('comment_added', ana, 7, cards.login),
      item('card_moved', ana, 8, cards.dark),
      item('card_moved', bo, 9, cards.dark, ops), // someone else, elsewhere: stays single
    ];
    const entries = groupActivities(feed);
    expect(entries.map((e) => (e.kind === 'group' ? e.summary : `single: ${e.item.description}`))).toEqual([
      'Ana moved 3 cards on Design',
      '3 people commented on Fix login',
      'single: Bo moved Dark mode from To do to Doing',
    ]);
    const moves = entries[0];
    expect(moves.kind === 'group' && moves.items.map((i) => i.id)).toEqual([feed[0], feed[1], feed[3], feed[5], feed[7]].map((i) => i.id));
    // Every item appears exactly once.
    const seen = entries.flatMap((e) => (e.kind === 'group' ? e.items : [e.item])).map((i) => i.id).sort();
    expect(seen).toEqual(feed.map((i) => i.id).sort());
  });

  it('words single-card and single-person runs, and leaves lone items single', () => {
    const a = groupActivities([item('card_moved', ana, 1, cards.login), item('card_moved', ana, 2, cards.login)]);
    expect(a[0].kind === 'group' && a[0].summary).toBe('Ana moved Fix login 2 times');
    const b = groupActivities([item('comment_added', bo, 1, cards.dark), item('comment_added', bo, 30, cards.dark), item('comment_added', bo, 50, cards.dark)]);
    expect(b[0].kind === 'group' && b[0].summary).toBe('Bo commented 3 times on Dark mode');
    const c = groupActivities([item('card_updated', ana, 1, cards.login), item('card_updated', ana, 2, cards.csv)]);
    expect(c[0].kind === 'group' && c[0].summary).toBe('Ana updated 2 cards on Design');
    const d = groupActivities([item('card_created', cy, 1, cards.login)]);
    expect(d).toEqual([{ kind: 'single', key: d[0].kind === 'single' ? d[0].item.id : '', item: expect.anything() }]);
  });

  it('keeps items that arrived live single, so each shows as it happens', () => {
    const feed = [item('card_moved', ana, 1, cards.login), item('card_moved', ana, 2, cards.dark), item('card_moved', ana, 3, cards.csv)];
    const entries = groupActivities(feed, { keepSingle: (i) => i.id === feed[0].id });
    expect(entries.map((e) => (e.kind === 'group' ? e.summary : e.item.id))).toEqual([feed[0].id, 'Ana moved 2 cards on Design']);
  });

  it('breaks a run when the gap exceeds the window', () => {
    const entries = groupActivities([item('card_moved', ana, 0, cards.login), item('card_moved', ana, 60, cards.dark), item('card_moved', ana, 60 * 8, cards.csv)], { windowMs: 2 * 3_600_000 });
    expect(entries.map((e) => e.kind)).toEqual(['group', 'single']);
  });

  it('expands a group into its items for the list, and counts what is new since the last look', () => {
    const feed = [item('card_moved', ana, 1, cards.login), item('card_moved', ana, 2, cards.dark), item('card_created', bo, 3, cards.csv)];
    const entries = groupActivities(feed);
    const key = entries[0].key;
    expect(feedRows(entries, new Set()).map((r) => r.kind)).toEqual(['group', 'single']);
    expect(feedRows(entries, new Set([key])).map((r) => r.kind)).toEqual(['group', 'member', 'member', 'single']);
    const lastSeen = new Date(T0 - 1.5 * 60_000).toISOString();
    expect(newCount(entries[0], lastSeen)).toBe(1);
    expect(newCount(entries[1], lastSeen)).toBe(0);
    expect(isNewSince(feed[0].createdAt, null)).toBe(false);
  });
});

describe('on the real feed, with the last-seen record', () => {
  let app: App;
  beforeAll(async () => {
    app = await openTestApp({ events: 600 });
  });
  afterAll(async () => {
    await app.close();
  });

  it('groups a page of the demo feed without losing or duplicating an item', async () => {
    const c = await caller(app);
    const page = await c.call('activity.list', { limit: 200 });
    const entries = groupActivities(page.items);
    const ids = entries.flatMap((e) => (e.kind === 'group' ? e.items : [e.item])).map((i) => i.id);
    expect(ids.sort()).toEqual(page.items.map((i) => i.id).sort());
    expect(entries.length).toBeLessThan(page.items.length);
    for (const e of entries) if (e.kind === 'group') expect(e.summary).not.toMatch(/a card|undefined/);
  });

  it('marks what is new since the person last looked, per person, and never moves the mark back', async () => {
    const c = await caller(app);
    expect((await c.call('activity.lastSeen', {})).lastSeenAt).toBeNull();
    const marked = await c.call('activity.markSeen', {});
    expect(Date.parse(marked.lastSeenAt)).toBeLessThanOrEqual(Date.now());
    expect((await c.call('activity.lastSeen', {})).lastSeenAt).toBe(marked.lastSeenAt);
    const older = await c.call('activity.markSeen', { at: '2020-01-01T00:00:00Z' });
    expect(older.lastSeenAt).toBe(marked.lastSeenAt);
    // A future time is clamped to now.
    const future = await c.call('activity.markSeen', { at: '2999-01-01T00:00:00Z' });
    expect(Date.parse(future.lastSeenAt)).toBeLessThanOrEqual(Date.now());
    // Another person has their own mark.
    const members = (await c.call('members.list', {})).items;
    const other = await caller(app, { session: { accountId: (await c.call('session.get', {})).account.id, userId: members.find((m) => m.role !== 'owner')!.user.id } });
    expect((await other.call('activity.lastSeen', {})).lastSeenAt).toBeNull();
    // A card moved after the mark is new for the first person.
    const board = (await c.call('boards.list', {})).items.find((b) => !b.archived)!;
    const full = await c.call('boards.get', { boardId: board.id });
    const card = full.columns.flatMap((col) => col.cards)[0];
    await new Promise((r) => setTimeout(r, 5));
    await other.call('cards.move', { cardId: card.id, toColumnId: full.columns.find((col) => col.id !== card.columnId)!.id });
    const latest = (await c.call('activity.list', { limit: 5 })).items;
    expect(isNewSince(latest[0].createdAt, (await c.call('activity.lastSeen', {})).lastSeenAt)).toBe(true);
    expect(isNewSince(latest[1].createdAt, (await c.call('activity.lastSeen', {})).lastSeenAt)).toBe(false);
  });
});
