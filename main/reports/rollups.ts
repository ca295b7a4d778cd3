// The in-transaction hook that keeps the daily report rollups exact: every recorded event is counted in the same
// transaction as its activity row (deletions and re-assignments are handled by SQL triggers, see migration 0004).
import { rollupWrites } from '../../db/reports.ts';
import type { InTransactionHook } from '../domain/hooks.ts';

// The upserts go with the event's rows (one statement on a hub, a round trip saved inside the account's lock);
// nothing reads the rollups before those rows are written.
export const rollupHook: InTransactionHook = async (_tx, event) => {
  event.writes.push(...rollupWrites(event.activity));
};
