// Retention: a recurring job (one per account, hourly, through the runner's `every`) deletes tracking events older
// than the account's retention window, in small transactions so it never holds the write lock for long.
import { pruneTrackingEvents, reportSettings } from '../../db/tracking.ts';
import type { Sqlite } from '../../db/sql.ts';
import type { JobKind } from '../jobs/types.ts';

const DAY = 86_400_000;

/** Prune one account; returns how many rows went. */
export function pruneAccount(sqlite: Sqlite, accountId: string, now: number, signal?: AbortSignal, batch = 5000): number {
  const days = reportSettings(sqlite, accountId).tracking_retention_days;
  const before = now - days * DAY;
  let total = 0;
  for (;;) {
    if (signal?.aborted) break;
    const n = sqlite.transaction(() => pruneTrackingEvents(sqlite, accountId, before, batch)).immediate();
    total += n;
    if (n < batch) break;
  }
  return total;
}

export const pruneJobKind: JobKind = {
  queue: 'maintenance',
  every: 60 * 60 * 1000,
  handle: (ctx) => {
    const n = pruneAccount(ctx.sqlite, ctx.job.accountId, ctx.now(), ctx.signal);
    return { note: `pruned ${n} tracking events` };
  },
};
