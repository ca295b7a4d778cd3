import type { Sqlite } from '../../db/sql.ts';
import type { PushBus } from '../push.ts';
import type { Session } from '../session.ts';
import type { RecordedEvent } from './hooks.ts';

/** What a domain command needs: the connection, who acts, where to announce commits, and the time. */
export interface DomainContext {
  sqlite: Sqlite;
  session: Session;
  push: PushBus;
  /** Defaults to Date.now; the demo seed pins it to spread events over past days. */
  clock?: () => number;
}

export const now = (ctx: DomainContext) => (ctx.clock ? ctx.clock() : Date.now());

/** Announce committed events. Call only after the transaction returned. */
export function announce(ctx: DomainContext, events: RecordedEvent[]): void {
  for (const { activity } of events) {
    ctx.push.publish(activity.account_id, 'activity.created', {
      id: activity.id,
      subjectType: activity.subject_type as RecordedEvent['table'],
      boardId: activity.board_id,
      projectId: activity.project_id,
      createdAt: new Date(activity.created_at).toISOString(),
    });
  }
}
