// The in-transaction hook that keeps the daily report rollups exact: every recorded event is counted in the same
// transaction as its activity row (deletions and re-assignments are handled by SQL triggers, see migration 0004).
import { addToRollups } from '../../db/reports.ts';
import type { InTransactionHook } from '../domain/hooks.ts';

export const rollupHook: InTransactionHook = (tx, event) => addToRollups(tx, event.activity);
