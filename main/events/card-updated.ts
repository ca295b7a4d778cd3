import { toIso } from '../../db/ids.ts';
import type { EventType } from './types.ts';

/** Attributes a card_updated records, in display order. */
export const auditedCardAttributes = ['title', 'description', 'column_id', 'position', 'assignee_id', 'due_date'] as const;
export type AuditedCardAttribute = (typeof auditedCardAttributes)[number];
/** Attributes never stored in a trail (secrets, tokens). None on cards today; declared here so it stays one place. */
export const ignoredCardAttributes: readonly string[] = [];
/** Attributes whose change alone is noise: a change set with only these is not recorded as an update. */
export const noiseCardAttributes: readonly AuditedCardAttribute[] = ['position'];

export type CardChanges = Partial<Record<AuditedCardAttribute, [unknown, unknown]>>;

/**
 * A revert records, beside the attribute changes, the version it went back to (`changes.$revert_of`, an event
 * id): it is part of the event's bytes, so the chain covers it. Keys starting with `$` are not attributes.
 */
export const REVERT_KEY = '$revert_of';

export function parseChanges(json: string): CardChanges {
  const all = JSON.parse(json) as Record<string, unknown>;
  for (const k of Object.keys(all)) if (k.startsWith('$')) delete all[k];
  return all as CardChanges;
}

/** The version a revert went back to, or null for a plain edit. */
export function revertOf(json: string | null): string | null {
  if (!json) return null;
  const v = (JSON.parse(json) as Record<string, unknown>)[REVERT_KEY];
  return typeof v === 'string' ? v : null;
}

const attributeLabels: Record<AuditedCardAttribute, string> = {
  title: 'title',
  description: 'description',
  column_id: 'column',
  position: 'position',
  assignee_id: 'assignee',
  due_date: 'due date',
};

export const cardUpdated: EventType<'card_updated'> = {
  table: 'card_updated',
  webhookType: 'card.updated',
  icon: 'pencil',
  label: 'Card updated',
  refs: { creator_id: 'users', card_id: 'cards' },
  describe: (row, n) => {
    const attrs = Object.keys(parseChanges(row.changes)) as AuditedCardAttribute[];
    const what = attrs.map((a) => attributeLabels[a] ?? a).join(', ');
    return `${n.user(row.creator_id)} changed the ${what || 'details'} of ${n.card(row.card_id)}`;
  },
  publicJson: (row) => ({
    id: row.id,
    card_id: row.card_id,
    changes: parseChanges(row.changes),
    ...(revertOf(row.changes) ? { revert_of: revertOf(row.changes) } : {}),
    creator_id: row.creator_id,
    created_at: toIso(row.created_at),
  }),
  sample: {
    id: '019a0000-0000-7000-8000-000000000021',
    card_id: '019a0000-0000-7000-8000-000000000002',
    changes: { title: ['Fix login', 'Fix login on Safari'] },
    creator_id: '019a0000-0000-7000-8000-000000000005',
    created_at: '2026-01-01T09:10:00.000Z',
  },
};
