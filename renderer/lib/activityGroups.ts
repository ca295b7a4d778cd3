// Read-time grouping of the activity feed: runs of similar activity become one entry ("Ana moved 5 cards on
// Design", "3 people commented on Fix login") that expands to its single items. Pure functions (no React, no I/O):
// the timeline groups whatever pages it has loaded, so a group grows as older pages arrive.
import type { Output } from '../../preload/contract.ts';

export type FeedItem = Output<'activity.list'>['items'][number];

export interface SingleEntry {
  kind: 'single';
  key: string;
  item: FeedItem;
}
export interface GroupEntry {
  kind: 'group';
  /** Stable while the group grows (its newest item's id). */
  key: string;
  similarity: string;
  /** Newest first, as in the feed. */
  items: FeedItem[];
  summary: string;
}
export type FeedEntry = SingleEntry | GroupEntry;

export interface GroupOptions {
  /** Largest gap between two consecutive members of a run (default 6 hours). */
  windowMs?: number;
  /** Fewer items than this stay single (default 2). */
  minSize?: number;
  /** Items that always stay single (e.g. those that arrived live while the page is open). */
  keepSingle?: (item: FeedItem) => boolean;
}

const time = (i: FeedItem) => Date.parse(i.createdAt);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What makes two items "similar": same kind of thing, by the same person, in the same place. */
export function similarityKey(item: FeedItem): string {
  if (item.subjectType === 'comment_added') return `comment|${String(item.subject.card_id ?? item.subjectId)}`;
  return `${item.subjectType}|${item.creator.id}|${item.board?.id ?? item.project?.id ?? ''}`;
}

/** The card's title as the description names it ("Ana commented on Fix login" → "Fix login"). */
export function cardTitleOf(item: FeedItem): string {
  const prefix = `${item.creator.name} `;
  const rest = item.description.startsWith(prefix) ? item.description.slice(prefix.length) : item.description;
  const patterns: Record<string, RegExp> = {
    comment_added: /^commented on (.+)$/s,
    card_moved: /^moved (.+?) from .+ to .+$/s,
    card_created: /^created (.+) in .+$/s,
    card_updated: /^changed the .+? of (.+)$/s,
  };
  return patterns[item.subjectType]?.exec(rest)?.[1] ?? 'a card';
}

export function summarize(items: FeedItem[]): string {
  const first = items[0];
  const who = first.creator.name;
  const where = first.board?.name ?? first.project?.name;
  const on = where ? ` on ${where}` : '';
  const cards = new Set(items.map((i) => String(i.subject.card_id ?? '')));
  const n = items.length;
  switch (first.subjectType) {
    case 'comment_added': {
      const people = new Set(items.map((i) => i.creator.id));
      const title = cardTitleOf(first);
      return people.size === 1 ? `${who} commented ${n} times on ${title}` : `${people.size} people commented on ${title}`;
    }
    case 'card_moved':
      return cards.size === 1 ? `${who} moved ${cardTitleOf(first)} ${n} times` : `${who} moved ${plural(cards.size, 'card')}${on}`;
    case 'card_updated':
      return cards.size === 1 ? `${who} changed ${cardTitleOf(first)} ${n} times` : `${who} updated ${plural(cards.size, 'card')}${on}`;
    case 'card_created':
      return `${who} created ${plural(n, 'card')}${on}`;
    case 'member_invited':
      return `${who} invited ${plural(n, 'person', 'people')}`;
    case 'project_archived':
      return `${who} archived ${plural(n, 'project')}`;
    default:
      return `${who}: ${plural(n, 'event')}`;
  }
}

/**
 * Group a newest-first feed. An item joins the open group of its kind when it is within `windowMs` of that group's
 * oldest member; other activity in between stays where it is (the group sits at its newest item).
 */
export function groupActivities(items: readonly FeedItem[], opts: GroupOptions = {}): FeedEntry[] {
  const windowMs = opts.windowMs ?? 6 * 3_600_000;
  const minSize = opts.minSize ?? 2;
  const entries: GroupEntry[] = [];
  const open = new Map<string, GroupEntry>();
  for (const item of items) {
    if (opts.keepSingle?.(item)) {
      entries.push({ kind: 'group', key: `g:${item.id}`, similarity: `single|${item.id}`, items: [item], summary: '' });
      continue;
    }
    const sim = similarityKey(item);
    const g = open.get(sim);
    if (g && time(g.items[g.items.length - 1]) - time(item) <= windowMs) {
      g.items.push(item);
      continue;
    }
    const entry: GroupEntry = { kind: 'group', key: `g:${item.id}`, similarity: sim, items: [item], summary: '' };
    open.set(sim, entry);
    entries.push(entry);
  }
  return entries.flatMap((e): FeedEntry[] =>
    e.items.length >= minSize ? [{ ...e, summary: summarize(e.items) }] : e.items.map((item) => ({ kind: 'single', key: item.id, item })),
  );
}

export type FeedRow =
  | { kind: 'single'; key: string; item: FeedItem }
  | { kind: 'group'; key: string; group: GroupEntry; expanded: boolean }
  | { kind: 'member'; key: string; item: FeedItem; group: GroupEntry; last: boolean };

/** Rows for a (virtualized) list: a group, then its items when expanded. */
export function feedRows(entries: readonly FeedEntry[], expanded: ReadonlySet<string>): FeedRow[] {
  const rows: FeedRow[] = [];
  for (const e of entries) {
    if (e.kind === 'single') {
      rows.push(e);
      continue;
    }
    const open = expanded.has(e.key);
    rows.push({ kind: 'group', key: e.key, group: e, expanded: open });
    if (open) e.items.forEach((item, i) => rows.push({ kind: 'member', key: item.id, item, group: e, last: i === e.items.length - 1 }));
  }
  return rows;
}

/** Newer than the person's last look (null = never looked: nothing is marked, to avoid a wall of "new"). */
export const isNewSince = (iso: string, lastSeenAt: string | null) => lastSeenAt !== null && Date.parse(iso) > Date.parse(lastSeenAt);

export const newCount = (entry: FeedEntry, lastSeenAt: string | null) =>
  entry.kind === 'single' ? Number(isNewSince(entry.item.createdAt, lastSeenAt)) : entry.items.filter((i) => isNewSince(i.createdAt, lastSeenAt)).length;
