// Notifications and their read state (a separate record per read), last-seen marks of the timeline, and the
// lookups the notification jobs make to word a notification and find who receives it.
import type { Insertable } from 'kysely';
import { all, first, marks, rawAll, rawFirst, rawRun, run, type Db } from './sql.ts';
import type { NotificationsTable } from './schema.ts';

/** Insert unless this person already has a notification for the same source (a retried job); true if inserted. */
export async function insertNotification(db: Db, row: Insertable<NotificationsTable>): Promise<boolean> {
  return (await run(db, db.q.insertInto('notifications').values(row).onConflict((oc) => oc.columns(['user_id', 'source_key']).doNothing()))) > 0;
}

export function listNotifications(
  db: Db,
  f: { accountId: string; userId: string; unreadOnly: boolean; before?: { createdAt: number; id: string }; limit: number },
) {
  let query = db.q
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
  return all(db, query.orderBy('n.created_at', 'desc').orderBy('n.id', 'desc').limit(f.limit));
}

export async function unreadCount(db: Db, accountId: string, userId: string): Promise<number> {
  const row = await rawFirst<{ n: number }>(
    db,
    `SELECT count(*) AS n FROM notifications n WHERE n.account_id = ? AND n.user_id = ?
     AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = n.id)`,
    [accountId, userId],
  );
  return Number(row?.n ?? 0);
}

// `read_at` is cast: a bare parameter in a SELECT list has no type PostgreSQL could infer for a BIGINT column.

/** Mark some of this person's notifications read; ids of others (or of another account) are ignored. */
export async function markRead(db: Db, accountId: string, userId: string, ids: string[], at: number): Promise<number> {
  if (ids.length === 0) return 0;
  return rawRun(
    db,
    `INSERT INTO notification_reads (notification_id, account_id, user_id, read_at)
     SELECT id, account_id, user_id, CAST(? AS BIGINT) FROM notifications WHERE id IN (${marks(ids.length)}) AND account_id = ? AND user_id = ?
     ON CONFLICT (notification_id) DO NOTHING`,
    [at, ...ids, accountId, userId],
  );
}

export function markAllRead(db: Db, accountId: string, userId: string, at: number): Promise<number> {
  return rawRun(
    db,
    `INSERT INTO notification_reads (notification_id, account_id, user_id, read_at)
     SELECT n.id, n.account_id, n.user_id, CAST(? AS BIGINT) FROM notifications n WHERE n.account_id = ? AND n.user_id = ?
     AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = n.id)
     ON CONFLICT (notification_id) DO NOTHING`,
    [at, accountId, userId],
  );
}

export const findNotificationIds = (db: Db, accountId: string, ids: string[]) =>
  all(db, db.q.selectFrom('notifications').select(['id', 'user_id']).where('account_id', '=', accountId).where('id', 'in', ids).orderBy('id'));

/** Notifications written for these sources (`source_key`), with their recipients' names (a job's detail). */
export function notificationsBySource(db: Db, accountId: string, keys: readonly string[]) {
  if (keys.length === 0) return Promise.resolve([]);
  return rawAll<{ id: string; title: string; user_id: string; user_name: string; created_at: number }>(
    db,
    `SELECT n.id, n.title, n.user_id, u.name AS user_name, n.created_at FROM notifications n JOIN users u ON u.id = n.user_id
     WHERE n.account_id = ? AND n.source_key IN (${marks(keys.length)}) ORDER BY n.created_at, n.id LIMIT 200`,
    [accountId, ...keys],
  );
}

/** Owners and admins of an account (who hears about webhook trouble). */
export const accountAdmins = async (db: Db, accountId: string) =>
  (await all(db, db.q.selectFrom('memberships').select('user_id').where('account_id', '=', accountId).where('role', 'in', ['owner', 'admin']).orderBy('user_id'))).map(
    (r) => r.user_id,
  );

// ---- What the notification jobs read ----

export interface CommentEvent {
  id: string;
  account_id: string;
  creator_id: string;
  created_at: number;
  card_id: string;
  comment_id: string;
}

/** A comment event of the account, or undefined when it is gone. */
export const findCommentEvent = (db: Db, accountId: string, eventId: string) =>
  rawFirst<CommentEvent>(db, 'SELECT id, account_id, creator_id, created_at, card_id, comment_id FROM comment_added WHERE id = ? AND account_id = ?', [eventId, accountId]);

/** What a comment notification says: the card, its board, the author and the comment's text. */
export const commentWording = (db: Db, ev: CommentEvent) =>
  rawFirst<{ title: string; board_id: string; board_name: string; author: string; body: string }>(
    db,
    `SELECT c.title, c.board_id, b.name AS board_name, u.name AS author, cm.body FROM cards c JOIN boards b ON b.id = c.board_id
     JOIN users u ON u.id = ? JOIN comments cm ON cm.id = ? WHERE c.id = ? AND c.account_id = ?`,
    [ev.creator_id, ev.comment_id, ev.card_id, ev.account_id],
  );

/** Subscribers of the card at the time of the comment who are still members, except its author. */
export async function commentRecipients(db: Db, ev: CommentEvent): Promise<string[]> {
  const rows = await rawAll<{ user_id: string }>(
    db,
    `SELECT cs.user_id FROM card_subscriptions cs JOIN memberships m ON m.account_id = cs.account_id AND m.user_id = cs.user_id
     WHERE cs.card_id = ? AND cs.account_id = ? AND cs.created_at <= ? AND cs.user_id <> ? ORDER BY cs.user_id`,
    [ev.card_id, ev.account_id, ev.created_at, ev.creator_id],
  );
  return rows.map((r) => r.user_id);
}

/** An invitation event of the account with the inviter's and the account's names. */
export const findInvitationEvent = (db: Db, accountId: string, eventId: string) =>
  rawFirst<{ id: string; account_id: string; creator_id: string; created_at: number; invitee_id: string; role: string; inviter: string; account: string }>(
    db,
    `SELECT e.id, e.account_id, e.creator_id, e.created_at, e.invitee_id, e.role, u.name AS inviter, a.name AS account
     FROM member_invited e JOIN users u ON u.id = e.creator_id JOIN accounts a ON a.id = e.account_id
     WHERE e.id = ? AND e.account_id = ?`,
    [eventId, accountId],
  );

/** How an endpoint is named to people: its description, else its URL; undefined when it is not the account's. */
export async function endpointLabel(db: Db, accountId: string, endpointId: string): Promise<string | undefined> {
  const row = await first(db, db.q.selectFrom('webhook_endpoints').select(['description', 'url']).where('id', '=', endpointId).where('account_id', '=', accountId));
  if (!row) return undefined;
  return row.description.trim() !== '' ? row.description : row.url;
}

// ---- Last seen (timeline) ----

export const lastSeen = async (db: Db, accountId: string, userId: string) =>
  (await first(db, db.q.selectFrom('activity_last_seen').select('seen_at').where('account_id', '=', accountId).where('user_id', '=', userId)))?.seen_at ?? null;

/** Move the mark forward (never back: an older window closing late must not resurrect old items as new). */
export async function markSeen(db: Db, accountId: string, userId: string, at: number): Promise<number> {
  const row = await rawFirst<{ seen_at: number }>(
    db,
    `INSERT INTO activity_last_seen (account_id, user_id, seen_at) VALUES (?, ?, ?)
     ON CONFLICT (account_id, user_id) DO UPDATE SET seen_at =
       CASE WHEN excluded.seen_at > activity_last_seen.seen_at THEN excluded.seen_at ELSE activity_last_seen.seen_at END
     RETURNING seen_at`,
    [accountId, userId, at],
  );
  return Number(row!.seen_at);
}
