// The in-transaction hook that links every recorded event into its account's hash chain.
import { appendToChain } from '../../db/audit.ts';
import { isChainedTable } from '../../db/audit-canonical.ts';
import type { InTransactionHook } from '../domain/hooks.ts';

export const auditChainHook: InTransactionHook = async (tx, event) => {
  if (!isChainedTable(event.table)) throw new Error(`The audit chain does not know the event table ${event.table}.`);
  await appendToChain(tx, event.table, event.row);
};
