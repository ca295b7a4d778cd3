// Upkeep of a store's files, per dialect (nothing to do on PostgreSQL: the server checkpoints itself).
import type { Store, Tx } from './store.ts';
import { SqliteStore } from './store-sqlite.ts';

/**
 * The job runner's own SQLite connection checkpoints on its housekeeping timer rather than inside a commit
 * (keeps each step short). Resolves to true when the runner should call `checkpoint` itself.
 */
export async function takeOverCheckpoints(store: Store): Promise<boolean> {
  if (!(store instanceof SqliteStore) || store.pragma('journal_mode') !== 'wal') return false;
  store.pragma('wal_autocheckpoint = 0');
  return true;
}

/** Copy committed WAL pages into the database file without blocking readers or writers. */
export async function checkpoint(store: Store): Promise<void> {
  if (store instanceof SqliteStore) await store.script('PRAGMA wal_checkpoint(PASSIVE)');
}

/**
 * Run `fn` in one transaction with the space it frees zeroed (SQLite's secure_delete), then copy the WAL into the
 * file and truncate it: values the transaction replaced are then in none of the file's bytes (used when clear
 * secrets are sealed in place). Resolves `scrubbed: false` when another connection kept the checkpoint from
 * completing (the old pages then go at a later checkpoint). PostgreSQL has no secure delete: old row versions
 * stay in its pages and WAL until vacuumed and recycled.
 */
export async function transactionScrubbed<T>(store: Store, fn: (tx: Tx) => Promise<T>): Promise<{ result: T; scrubbed: boolean }> {
  if (!(store instanceof SqliteStore) || store.readonly) return { result: await store.transaction(fn), scrubbed: false };
  const before = store.pragma('secure_delete');
  store.pragma('secure_delete = ON');
  try {
    const result = await store.transaction(fn);
    const rows = await store.execCompiled<{ busy: number }>('PRAGMA wal_checkpoint(TRUNCATE)', []);
    return { result, scrubbed: rows.rows[0]?.busy === 0 };
  } finally {
    store.pragma(`secure_delete = ${before ? 'ON' : 'OFF'}`);
  }
}
