// The in-transaction hook that links every recorded event into its account's hash chain.
import { appendToChain } from '../../db/audit.ts';
import type { InTransactionHook } from '../domain/hooks.ts';
import { isChainedTable } from './canonical.ts';

export const auditChainHook: InTransactionHook = (sqlite, event) => {
  if (!isChainedTable(event.table)) throw new Error(`The audit chain does not know the event table ${event.table}.`);
  appendToChain(sqlite, event.table, event.row);
};
