import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { latestVersion, migrations } from './migrations/index.ts';
import type { Migration } from './migrations/types.ts';
import { createPrivateFile } from './private-file.ts';
import type { Sqlite } from './sql.ts';

export class DatabaseError extends Error {
  constructor(
    readonly code: 'db_newer_version' | 'db_unreadable' | 'db_migration_failed',
    message: string,
  ) {
    super(message);
  }
}

export interface OpenOptions {
  /** Path to a better-sqlite3 binary built for the running runtime (Electron passes its own). */
  nativeBinding?: string;
  readonly?: boolean;
  /** Skip migrations (a bundle opened read-only is already at its version). */
  migrate?: boolean;
}

/**
 * Open (creating if needed) a workspace file and bring its schema up to date.
 *
 * journal_mode=WAL lets readers (the UI, the dispatcher's own connection) run beside the writer.
 * synchronous=FULL: in WAL mode NORMAL may lose the last commits on power loss; FULL fsyncs the WAL on every
 * commit, so an event reported as committed survives a crash or power cut ("nothing is lost"). Commits stay
 * cheap because commands are small transactions and the WAL is appended sequentially.
 */
export function openDatabase(file: string, options: OpenOptions = {}): Sqlite {
  if (file !== ':memory:') {
    const dir = path.dirname(path.resolve(file));
    if (!options.readonly) fs.mkdirSync(dir, { recursive: true });
    if (!options.readonly) createPrivateFile(file); // 0600 before SQLite creates it (and its -wal/-shm) with the umask
    if (fs.existsSync(file)) {
      try {
        fs.accessSync(file, options.readonly ? fs.constants.R_OK : fs.constants.R_OK | fs.constants.W_OK);
      } catch {
        throw new DatabaseError('db_unreadable', `Cannot open ${file}: permission denied.`);
      }
    }
  }
  let sqlite: Sqlite | undefined;
  try {
    sqlite = new Database(file, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
      nativeBinding: options.nativeBinding,
    });
    sqlite.pragma('busy_timeout = 5000');
    // Probe that this really is a SQLite database (a random file fails here, not later), and refuse a file from
    // a newer Chronicle before anything below (journal_mode = WAL rewrites the header) can change it.
    sqlite.pragma('user_version', { simple: true });
    checkVersion(sqlite, file);
    if (!options.readonly) {
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('synchronous = FULL');
    }
    sqlite.pragma('foreign_keys = ON');
  } catch (err) {
    // A refused file must not stay open (a leaked handle keeps it locked on Windows).
    if (sqlite?.open) sqlite.close();
    if (err instanceof DatabaseError) throw err;
    throw new DatabaseError('db_unreadable', `Cannot open ${file}: ${(err as Error).message}`);
  }
  if (!options.readonly) beginTransactionsImmediately(sqlite);
  try {
    if (options.migrate !== false && !options.readonly) migrate(sqlite, file);
    else checkVersion(sqlite, file);
  } catch (err) {
    if (sqlite.open) sqlite.close();
    throw err;
  }
  return sqlite;
}

/**
 * Make `sqlite.transaction(fn)()` begin IMMEDIATE on this connection.
 *
 * better-sqlite3 begins DEFERRED by default: a command that reads (guards) and then writes upgrades its read
 * lock to a write lock, and if another connection (the dispatcher's worker, a second process) committed in
 * between, SQLite answers SQLITE_BUSY at once without waiting for busy_timeout. Taking the write lock at
 * BEGIN makes writers queue behind busy_timeout instead. Nested calls still become savepoints.
 */
function beginTransactionsImmediately(sqlite: Sqlite): void {
  const transaction = sqlite.transaction.bind(sqlite);
  sqlite.transaction = ((fn: (...args: any[]) => unknown) => {
    const t = transaction(fn);
    const run = ((...args: any[]) => t.immediate(...args)) as typeof t;
    return Object.assign(run, { default: t.immediate, deferred: t.deferred, immediate: t.immediate, exclusive: t.exclusive });
  }) as Sqlite['transaction'];
}

export function schemaVersion(sqlite: Sqlite): number {
  return sqlite.pragma('user_version', { simple: true }) as number;
}

function checkVersion(sqlite: Sqlite, file: string, known = latestVersion): void {
  const current = schemaVersion(sqlite);
  if (current > known) {
    sqlite.close();
    throw new DatabaseError(
      'db_newer_version',
      `${file} was written by a newer version of Chronicle (schema ${current}; this build knows up to ${known}). Update Chronicle to open it.`,
    );
  }
}

/**
 * Apply pending migrations, all in one transaction: a failure leaves the file as it was.
 * `list` defaults to the bundled migrations; tests pass their own (e.g. one that fails on purpose).
 */
export function migrate(sqlite: Sqlite, file = 'database', upTo?: number, list: readonly Migration[] = migrations): void {
  const known = list.length ? list[list.length - 1].version : 0;
  checkVersion(sqlite, file, Math.max(known, latestVersion));
  const current = schemaVersion(sqlite);
  const target = upTo ?? known;
  const pending = list.filter((m) => m.version > current && m.version <= target);
  if (pending.length === 0) return;
  const apply = sqlite.transaction(() => {
    for (const m of pending) {
      m.up(sqlite);
      sqlite.pragma(`user_version = ${m.version}`);
    }
  });
  try {
    apply.immediate();
  } catch (err) {
    throw new DatabaseError('db_migration_failed', `Migration failed on ${file}: ${(err as Error).message}`);
  }
}
