import { insertEventWrites } from '../../db/events.ts';
import { newId } from '../../db/ids.ts';
import { publishOnCommit, wakeRunnersOnCommit } from '../../db/signals.ts';
import type { RowWrite } from '../../db/sql.ts';
import type { Schema } from '../../db/schema.ts';
import type { Tx } from '../../db/store.ts';
import type { EventTable } from '../events/types.ts';
import { activityMessage } from './context.ts';
import { followUps, inTransactionHooks, type RecordedEvent } from './hooks.ts';

/**
 * Write an event record, its activity, the in-transaction hooks and its follow-up jobs. Must be called inside
 * the command's transaction; returns the activity so the caller can push it after commit.
 */
export async function recordEvent<T extends EventTable>(
  tx: Tx,
  table: T,
  row: Schema[T],
  where: { boardId: string | null; projectId: string | null },
  /** The change the event records (the card moved, the comment added), when none of it is read back in the
   * command: written with the event's rows, before them on a file (the event's row refers to it). */
  change: RowWrite[] = [],
): Promise<RecordedEvent> {
  const activity = {
    id: newId(row.created_at),
    account_id: row.account_id,
    subject_type: table,
    subject_id: row.id,
    creator_id: row.creator_id,
    board_id: where.boardId,
    project_id: where.projectId,
    created_at: row.created_at,
  };
  const recorded: RecordedEvent = { table, row: row as unknown as RecordedEvent['row'], activity, writes: [] };
  for (const hook of inTransactionHooks) await hook(tx, recorded);
  // Other processes' windows hear of it when this transaction commits; idle runners look for its jobs.
  await publishOnCommit(tx, [activityMessage(activity)]);
  const jobs = followUps.flatMap((followUp) => {
    const job = followUp(recorded);
    return job
      ? [{ id: newId(row.created_at), account_id: row.account_id, queue: job.queue, kind: job.kind, args: JSON.stringify(job.args), priority: job.priority ?? 0, run_at: row.created_at, created_at: row.created_at }]
      : [];
  });
  // The event row, its activity, its jobs and the change it records together (one round trip on a hub); the hooks
  // above take what they need from `recorded`, none reads these rows back.
  await insertEventWrites(tx, table, { row, activity, jobs, change, more: recorded.writes });
  if (jobs.length) await wakeRunnersOnCommit(tx);
  return recorded;
}
