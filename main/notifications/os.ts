// Which pushes become an OS notification in the Electron shell (decided here, under plain Node; main/index.ts only
// shows the result with Electron's `Notification`). One per notification, for a person who has a window open on
// that account and has not turned desktop notifications off. Only fresh ones (a backlog worked off at start-up, e.g.
// the demo seed's, stays in the inbox), and at most a few in a burst.
import type { Db } from '../../db/sql.ts';
import { userPreferences } from '../../db/tracking.ts';
import type { SessionSlot } from '../rpc.ts';

const FRESH_MS = 10 * 60_000;
const BURST_MS = 10_000;
const BURST_MAX = 5;
const recent: number[] = [];

export async function osNotificationFor(
  db: Db,
  accountId: string,
  topic: string,
  payload: unknown,
  openSlots: Iterable<SessionSlot>,
  now = Date.now(),
): Promise<{ title: string; body: string } | null> {
  if (topic !== 'notifications.created') return null;
  const p = payload as { userId: string; title: string; body: string; createdAt: string };
  if (now - Date.parse(p.createdAt) > FRESH_MS) return null;
  let watching = false;
  for (const slot of openSlots) if (slot.session?.accountId === accountId && slot.session.userId === p.userId) watching = true;
  if (!watching) return null;
  if (!(await userPreferences(db, accountId, p.userId)).os_notifications) return null;
  // After the await: the burst window is checked and taken in one synchronous step.
  while (recent.length && now - recent[0] > BURST_MS) recent.shift();
  if (recent.length >= BURST_MAX) return null;
  recent.push(now);
  return { title: p.title, body: p.body };
}
