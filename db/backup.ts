// Copies of a SQLite workspace file: the online backup (the console's and `chronicle backup`'s) and the copy
// taken before a migration changes an existing file. Files are created 0600 like the workspace itself.
import fs from 'node:fs';
import path from 'node:path';
import { createPrivateFile } from './private-file.ts';
import { sqliteConnectionOf } from './store-sqlite.ts';
import type { Store } from './store.ts';

/**
 * SQLite's online backup API: pages are copied a step at a time while the workspace stays open and keeps
 * committing (a write by another connection restarts the copy, one by this connection is carried over), so the
 * result is one consistent state of the file. `onProgress` gets the fraction of pages copied.
 */
export async function backupSqliteFile(store: Store, dest: string, onProgress?: (fraction: number) => void): Promise<number> {
  const c = sqliteConnectionOf(store);
  if (!c) throw new Error('Only a SQLite workspace file can be backed up this way (a hub is backed up with pg_dump).');
  createPrivateFile(dest);
  await c.backup(dest, {
    progress({ totalPages, remainingPages }) {
      onProgress?.(totalPages ? (totalPages - remainingPages) / totalPages : 1);
      return 256; // pages per step: the event loop (and the console) gets a turn between steps
    },
  });
  fs.chmodSync(dest, 0o600);
  onProgress?.(1);
  return fs.statSync(dest).size;
}

/** Where the copies taken before migrations go: a `backups` folder beside the workspace file. */
export function backupsFolderOf(file: string): string {
  return path.join(path.dirname(path.resolve(file)), 'backups');
}

const stamp = (t = new Date()) => t.toISOString().replace(/[:.]/g, '-');

/** How many copies before migrations are kept per workspace file (the oldest go). */
export const KEEP_PRE_MIGRATION = 3;

/**
 * Copy `file` (open as `store`, at schema `from`) before migrations take it to `to`: VACUUM INTO writes one
 * consistent, compact copy. Only the last KEEP_PRE_MIGRATION copies of this file are kept.
 */
export async function backupBeforeMigration(store: Store, file: string, from: number, to: number): Promise<string> {
  const c = sqliteConnectionOf(store)!;
  const dir = backupsFolderOf(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const base = path.basename(file);
  const dest = path.join(dir, `${base}.before-v${to}-from-v${from}.${stamp()}.db`);
  createPrivateFile(dest); // VACUUM INTO takes an empty file: it keeps the mode given here
  c.prepare('VACUUM INTO ?').run(dest);
  fs.chmodSync(dest, 0o600);
  const mine = fs.readdirSync(dir).filter((n) => n.startsWith(`${base}.before-v`) && n.endsWith('.db')).sort((a, b) => fs.statSync(path.join(dir, a)).mtimeMs - fs.statSync(path.join(dir, b)).mtimeMs || a.localeCompare(b));
  for (const old of mine.slice(0, Math.max(0, mine.length - KEEP_PRE_MIGRATION))) fs.rmSync(path.join(dir, old), { force: true });
  return dest;
}
