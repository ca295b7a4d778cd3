import type { EventTableName } from '../../db/events.ts';
import type { Schema } from '../../db/schema.ts';

/** Names of the referenced rows an event's description and public JSON need, loaded in bulk per page. */
export interface NameLookup {
  user(id: string | null | undefined): string;
  card(id: string | null | undefined): string;
  column(id: string | null | undefined): string;
  project(id: string | null | undefined): string;
}

/** What an activity's subject looks like once loaded: the event row plus where it happened. */
export type EventTable = EventTableName;

export type EventRow<T extends EventTable> = Schema[T];

/** Columns of an event row that reference other rows, by the table they point at (for bulk name loading). */
export type RefTable = 'users' | 'cards' | 'columns' | 'projects' | 'comments';

/**
 * One domain event type: everything about it lives in its module, and the registry lists the modules.
 * Adding a type = one new module (plus its table in a migration) and one line in the registry.
 */
export interface EventType<T extends EventTable> {
  table: T;
  /** Standard Webhooks `type`, e.g. `card.moved`. */
  webhookType: string;
  /** Lucide icon name. */
  icon: string;
  /** A short human label for filters and reports. */
  label: string;
  /** Columns whose ids should be resolved to names before `describe` runs. */
  refs: Partial<Record<keyof EventRow<T> & string, RefTable>>;
  /** "Ana moved Fix login from To do to Doing". */
  describe(row: EventRow<T>, names: NameLookup): string;
  /** The event's public JSON: ids as UUIDs, times as ISO-8601, nothing internal. */
  publicJson(row: EventRow<T>): Record<string, unknown>;
  /** A representative payload for the webhook event-type catalogue. */
  sample: Record<string, unknown>;
  /** An access event (migration 0006: roles, invitations, tokens, webhook management, demo switches): kept in the
   *  audit trail and the feed, never fanned out to webhooks. */
  access?: boolean;
  /** False: no webhook fan-out (default true). */
  fanOut?: boolean;
}
