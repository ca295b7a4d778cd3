// Which pushes become an OS notification in the Electron shell (decided here, under plain Node; main/index.ts only
// shows the result with Electron's `Notification`). One per notification, for a person who has a window open on
// that account and has not turned desktop notifications off.
import type { Sqlite } from '../../db/sql.ts';
import { userPreferences } from '../../db/tracking.ts';
import type { SessionSlot } from '../rpc.ts';

export function osNotificationFor(
  sqlite: Sqlite,
  accountId: string,
  topic: string,
  payload: unknown,
  openSlots: Iterable<SessionSlot>,
): { title: string; body: string } | null {
  if (topic !== 'notifications.created') return null;
  const p = payload as { userId: string; title: string; body: string };
  let watching = false;
  for (const slot of openSlots) if (slot.session?.accountId === accountId && slot.session.userId === p.userId) watching = true;
  if (!watching) return null;
  if (!userPreferences(sqlite, accountId, p.userId).os_notifications) return null;
  return { title: p.title, body: p.body };
}
