// The in-transaction hook that links every recorded event into its account's hash chain.
import { linkWrite, nextChainLink } from '../../db/audit.ts';
import { isChainedTable } from '../../db/audit-canonical.ts';
import type { InTransactionHook } from '../domain/hooks.ts';

export const auditChainHook: InTransactionHook = async (tx, event) => {
  if (!isChainedTable(event.table)) throw new Error(`The audit chain does not know the event table ${event.table}.`);
  // The link is written with the event's rows (its head is not read again before: the next event of the same
  // transaction is recorded after them).
  const link = await nextChainLink(tx, event.table, event.row);
  event.writes.push(linkWrite(link));
};
