// What else happens when an event is recorded, declared in one place.
//
// `inTransaction` hooks run inside the command's transaction (audit hash chain, report rollups), from the event
// and activity as recorded (their rows are written after the hooks, with the follow-up jobs, in one statement
// on a hub; a hook must not read them back): if one throws, the whole command rolls back.
// `followUps` name the jobs to enqueue for the event (webhook fan-out, notifications): durable rows in the
// same transaction, worked off later by the job runner.
import type { RowWrite } from '../../db/sql.ts';
import type { Tx } from '../../db/store.ts';
import type { ActivitiesTable } from '../../db/schema.ts';
import type { EventTable } from '../events/types.ts';
import { notificationFollowUps } from '../notifications/followups.ts';
import { rollupHook } from '../reports/rollups.ts';
import { auditChainHook } from '../audit/chain.ts';
import { eventType } from '../events/registry.ts';

export interface RecordedEvent {
  table: EventTable;
  row: { id: string; account_id: string; creator_id: string; created_at: number } & Record<string, unknown>;
  activity: ActivitiesTable;
  /** INSERTs (upserts too) hooks add, written with the event's rows (one statement on a hub); none may be read back before. */
  writes: RowWrite[];
}

export interface FollowUpJob {
  queue: string;
  kind: string;
  args: Record<string, unknown>;
  priority?: number;
}

export type InTransactionHook = (tx: Tx, event: RecordedEvent) => Promise<void>;
export type FollowUp = (event: RecordedEvent) => FollowUpJob | null;

/** Runs in the command's transaction. Areas add theirs here. */
/** Whether events of this table are fanned out to webhook endpoints. */
export function sentToWebhooks(table: EventTable): boolean {
  const t = eventType(table);
  return !!t && !t.access && t.fanOut !== false;
}

export const inTransactionHooks: InTransactionHook[] = [
  rollupHook,
  auditChainHook,
];

/**
 * Jobs enqueued per event. Webhook fan-out applies to the work events; access events (roles, invitations, tokens,
 * endpoint management, demo switches) stay in the audit trail: an endpoint is not told of its own creation or of
 * its secret being revealed, and the webhook catalogue does not offer them.
 */
export const followUps: FollowUp[] = [
  (e) => (sentToWebhooks(e.table) ? { queue: 'webhooks', kind: 'webhooks.fanout', args: { table: e.table, eventId: e.row.id } } : null),
  ...notificationFollowUps,
];
