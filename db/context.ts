// Which transaction the running code is inside, per store (AsyncLocalStorage follows awaits).
//
// A statement sent to a store while its caller is inside one of that store's transactions runs IN that
// transaction, on both dialects: on SQLite the one connection would otherwise wait for itself (a deadlock), and on
// PostgreSQL another pooled connection would not see the transaction's own writes. So code deep in a command may
// take the store or the transaction and behave the same.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Tx } from './store.ts';

export interface ActiveTx {
  readonly owner: object;
  readonly active: boolean;
}

const current = new AsyncLocalStorage<ActiveTx>();

export function runInTx<T>(tx: ActiveTx, fn: () => Promise<T>): Promise<T> {
  return current.run(tx, fn);
}

/** The transaction of `owner` the caller is inside (and that has not ended), if any. */
export function activeTxOf<T extends ActiveTx>(owner: object): T | undefined {
  const tx = current.getStore();
  return tx && tx.owner === owner && tx.active ? (tx as T) : undefined;
}

/**
 * A transaction's before-commit hooks (Tx.beforeCommit), on both dialects: one per key, the first asked for
 * kept, run in the order they were first asked for; a hook may ask for another, which runs after it.
 */
export class CommitHooks {
  private readonly hooks = new Map<string, (tx: Tx) => Promise<void>>();
  add(key: string, fn: (tx: Tx) => Promise<void>): void {
    if (!this.hooks.has(key)) this.hooks.set(key, fn);
  }
  async run(tx: Tx): Promise<void> {
    for (const [key, fn] of this.hooks) {
      this.hooks.delete(key);
      await fn(tx);
    }
  }
}
