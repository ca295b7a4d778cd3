// Retention: a recurring job (one per account, hourly, through the runner's `every`) deletes tracking events older
// than the account's retention window, in small transactions so it never holds the write lock for long.
import { pruneTrackingEvents, reportSettings } from '../../db/tracking.ts';
import type { Store } from '../../db/store.ts';
import type { JobKind } from '../jobs/types.ts';

const DAY = 86_400_000;

/** Prune one account; resolves to how many rows went. */
export async function pruneAccount(store: Store, accountId: string, now: number, signal?: AbortSignal, batch = 5000): Promise<number> {
  const days = (await reportSettings(store, accountId)).tracking_retention_days;
  const before = now - days * DAY;
  let total = 0;
  for (;;) {
    if (signal?.aborted) break;
    const n = await store.transaction((tx) => pruneTrackingEvents(tx, accountId, before, batch));
    total += n;
    if (n < batch) break;
  }
  return total;
}

export const pruneJobKind: JobKind = {
  queue: 'maintenance',
  every: 60 * 60 * 1000,
  handle: async (ctx) => {
    const n = await pruneAccount(ctx.store, ctx.job.accountId, ctx.now(), ctx.signal);
    return { note: `pruned ${n} tracking events` };
  },
};
