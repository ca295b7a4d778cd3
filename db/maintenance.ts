// Upkeep of a store's files, per dialect (nothing to do on PostgreSQL: the server checkpoints itself).
import type { Store } from './store.ts';
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
