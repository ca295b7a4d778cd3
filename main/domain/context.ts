import { chainHeadAtBegin } from '../../db/audit.ts';
import { accountLockKey, lockAccount } from '../../db/locks.ts';
import type { Store, Tx } from '../../db/store.ts';
import type { PushBus } from '../push.ts';
import type { Session } from '../session.ts';
import type { RecordedEvent } from './hooks.ts';

/** What a domain command needs: the store, who acts, where to announce commits, and the time. */
export interface DomainContext {
  store: Store;
  session: Session;
  push: PushBus;
  /** Defaults to Date.now; the demo seed pins it to spread events over past days. */
  clock?: () => number;
}

export const now = (ctx: DomainContext) => (ctx.clock ? ctx.clock() : Date.now());

/**
 * Run a command's writes in one transaction, holding its account's write lock (db/locks.ts) so that commands
 * of one account never interleave, in one process or across the hub's processes.
 */
export function inCommand<T>(ctx: DomainContext, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return ctx.store.transaction(
    async (tx) => {
      await lockAccount(tx, ctx.session.accountId); // a no-op when the BEGIN took it (or an outer command holds it)
      return fn(tx);
    },
    // The account's audit chain head is read with the BEGIN, after the lock (the command's events link to it).
    { lockKey: accountLockKey(ctx.session.accountId), readsAtBegin: [chainHeadAtBegin(ctx.session.accountId)] },
  );
}

/** The push message of a recorded event (written for other processes in its transaction, see record.ts). */
export function activityMessage(activity: RecordedEvent['activity']) {
  return {
    accountId: activity.account_id,
    topic: 'activity.created' as const,
    payload: {
      id: activity.id,
      subjectType: activity.subject_type as RecordedEvent['table'],
      boardId: activity.board_id,
      projectId: activity.project_id,
      createdAt: new Date(activity.created_at).toISOString(),
    },
  };
}

/** Announce committed events to this process's windows. Call only after the transaction returned. */
export function announce(ctx: DomainContext, events: RecordedEvent[]): void {
  for (const { activity } of events) {
    const m = activityMessage(activity);
    ctx.push.publish(m.accountId, m.topic, m.payload, 'committed');
  }
}
