// tracking.track: a validated batch (the contract's zod schema checked every event; one bad event refused the
// whole batch before this runs) written in one transaction for the session's person.
import { newId } from '../../db/ids.ts';
import { insertTrackingEvents, reportSettings, ROWS_PER_INSERT } from '../../db/tracking.ts';
import type { Store } from '../../db/store.ts';
import type { ParsedInput } from '../../preload/contract.ts';
import type { Session } from '../session.ts';
import { trackingTypeCode } from './types.ts';

const DAY = 86_400_000;

export async function trackBatch(store: Store, session: Session, input: ParsedInput<'tracking.track'>, now = Date.now()) {
  if (!(await reportSettings(store, session.accountId)).tracking_enabled) return { accepted: 0, enabled: false };
  const rows = input.events.map((e) => {
    // The page's clock is trusted only within the last day (a batch can wait a little before it is flushed).
    const at = e.at ? Math.min(now, Math.max(now - DAY, Date.parse(e.at))) : now;
    return {
      id: newId(at),
      account_id: session.accountId,
      user_id: session.userId,
      event_type: trackingTypeCode(e.eventType),
      trackable_type: e.trackableType ?? null,
      trackable_id: e.trackableId ?? null,
      metadata: JSON.stringify(e.metadata ?? {}),
      url: e.url,
      referrer: e.referrer ?? null,
      created_at: at,
    };
  });
  // A batch is written all or nothing: one statement when it fits in one (always, for the contract's batches).
  const accepted = rows.length <= ROWS_PER_INSERT ? await insertTrackingEvents(store, rows) : await store.transaction((tx) => insertTrackingEvents(tx, rows));
  return { accepted, enabled: true };
}
