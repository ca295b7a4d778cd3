// Locks a command takes inside its transaction, per dialect.
import type { Tx } from './store.ts';
import { PostgresTx } from './store-postgres.ts';

/** The lock key of an account (also given as `lockKey` to a command's transaction, db/store.ts). */
export const accountLockKey = (accountId: string) => `account:${accountId}`;

/**
 * Serialize the writes of one account for the rest of the transaction. The account's audit chain appends
 * `head + 1`: two commands of one account committing side by side must not both read the same head (the chain
 * would fork, or one would fail on the (account_id, seq) key).
 * SQLite: nothing to do, BEGIN IMMEDIATE already holds the file's single write lock.
 * PostgreSQL: a transaction-scoped advisory lock on the account id, released at COMMIT or ROLLBACK; commands of
 * other accounts run in parallel.
 */
export async function lockAccount(tx: Tx, accountId: string): Promise<void> {
  if (!(tx instanceof PostgresTx)) return;
  const key = accountLockKey(accountId);
  if (tx.heldLocks.has(key)) return; // held until the transaction ends (taken at BEGIN, or by an outer command)
  await tx.execCompiled('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
  tx.heldLocks.add(key);
}

/**
 * Try to take a transaction-scoped lock on a named key without waiting (a queue's concurrency key, a recurring
 * task). SQLite: always true (the write lock is already held). PostgreSQL: false when another transaction holds it.
 */
export async function tryLockKey(tx: Tx, key: string): Promise<boolean> {
  if (tx.dialect === 'sqlite') return true;
  const r = await tx.execCompiled<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS ok', [key]);
  return r.rows[0].ok;
}

/**
 * tryLockKey for many keys in one statement (a claim's concurrency keys): the keys it got, in the order given.
 * Try-locks never wait, so taking several in any order cannot deadlock.
 */
export async function tryLockKeys(tx: Tx, keys: string[]): Promise<string[]> {
  if (tx.dialect === 'sqlite' || keys.length === 0) return keys;
  const r = await tx.execCompiled<{ k: string }>(
    'SELECT k FROM unnest($1::text[]) WITH ORDINALITY AS t(k, i) WHERE pg_try_advisory_xact_lock(hashtextextended(k, 0)) ORDER BY i',
    [keys],
  );
  return r.rows.map((row) => row.k);
}
