// Notifications and their read state (a separate record per read), last-seen marks of the timeline.
import type { Insertable } from 'kysely';
import { all, first, prepare, q, run, type Sqlite } from './sql.ts';
import type { NotificationsTable } from './schema.ts';

/** Insert unless this person already has a notification for the same source (a retried job); true if inserted. */
export function insertNotification(s: Sqlite, row: Insertable<NotificationsTable>): boolean {
  return run(s, q.insertInto('notifications').values(row).onConflict((oc) => oc.columns(['user_id', 'source_key']).doNothing())) > 0;
}

export function listNotifications(
  s: Sqlite,
  f: { accountId: string; userId: string; unreadOnly: boolean; before?: { createdAt: number; id: string }; limit: number },
) {
  let query = q
    .selectFrom('notifications as n')
    .leftJoin('notification_reads as r', 'r.notification_id', 'n.id')
    .leftJoin('users as a', 'a.id', 'n.actor_id')
    .selectAll('n')
    .select(['r.read_at', 'a.name as actor_name'])
    .where('n.account_id', '=', f.accountId)
    .where('n.user_id', '=', f.userId);
  if (f.unreadOnly) query = query.where('r.read_at', 'is', null);
  if (f.before) {
    const { createdAt, id } = f.before;
    query = query.where((eb) => eb.or([eb('n.created_at', '<', createdAt), eb.and([eb('n.created_at', '=', createdAt), eb('n.id', '<', id)])]));
  }
  return all(s, query.orderBy('n.created_at', 'desc').orderBy('n.id', 'desc').limit(f.limit));
}

export function unreadCount(s: Sqlite, accountId: string, userId: string): number {
  return (
    prepare(
      s,
      `SELECT count(*) AS n FROM notifications n WHERE n.account_id = ? AND n.user_id = ?
       AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = n.id)`,
    ).get(accountId, userId) as { n: number }
  ).n;
}

/** Mark some of this person's notifications read; ids of others (or of another account) are ignored. */
export function markRead(s: Sqlite, accountId: string, userId: string, ids: string[], at: number): number {
  const stmt = prepare(
    s,
    `INSERT INTO notification_reads (notification_id, account_id, user_id, read_at)
     SELECT id, account_id, user_id, ? FROM notifications WHERE id = ? AND account_id = ? AND user_id = ?
     ON CONFLICT (notification_id) DO NOTHING`,
  );
  let n = 0;
  for (const id of ids) n += stmt.run(at, id, accountId, userId).changes;
  return n;
}

export function markAllRead(s: Sqlite, accountId: string, userId: string, at: number): number {
  return prepare(
    s,
    `INSERT INTO notification_reads (notification_id, account_id, user_id, read_at)
     SELECT n.id, n.account_id, n.user_id, ? FROM notifications n WHERE n.account_id = ? AND n.user_id = ?
     AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = n.id)`,
  ).run(at, accountId, userId).changes;
}

export const findNotificationIds = (s: Sqlite, accountId: string, ids: string[]) =>
  all(s, q.selectFrom('notifications').select(['id', 'user_id']).where('account_id', '=', accountId).where('id', 'in', ids));

/** Owners and admins of an account (who hears about webhook trouble). */
export const accountAdmins = (s: Sqlite, accountId: string) =>
  all(s, q.selectFrom('memberships').select('user_id').where('account_id', '=', accountId).where('role', 'in', ['owner', 'admin'])).map((r) => r.user_id);

// ---- Last seen (timeline) ----

export const lastSeen = (s: Sqlite, accountId: string, userId: string) =>
  first(s, q.selectFrom('activity_last_seen').select('seen_at').where('account_id', '=', accountId).where('user_id', '=', userId))?.seen_at ?? null;

/** Move the mark forward (never back: an older window closing late must not resurrect old items as new). */
export function markSeen(s: Sqlite, accountId: string, userId: string, at: number): number {
  prepare(
    s,
    `INSERT INTO activity_last_seen (account_id, user_id, seen_at) VALUES (?, ?, ?)
     ON CONFLICT (account_id, user_id) DO UPDATE SET seen_at = max(seen_at, excluded.seen_at)`,
  ).run(accountId, userId, at);
  return lastSeen(s, accountId, userId)!;
}
