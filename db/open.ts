// Opening a store: the location decides the dialect (a file path is SQLite, postgres://… is a PostgreSQL hub).
// Both are brought up to date by the same migration runner, and both refuse a schema newer than this build.
import fs from 'node:fs';
import path from 'node:path';
import { latestVersion, migrationsByDialect } from './migrations/index.ts';
import type { Migration } from './migrations/types.ts';
import { createPrivateFile } from './private-file.ts';
import { Database, SqliteStore, type SqliteConnection } from './store-sqlite.ts';
import { PostgresStore } from './store-postgres.ts';
import { isHubLocation, isMistypedHubLocation, redactLocation, type Store, type Tx } from './store.ts';
import { describeConnectError, describeStorageError } from './errors.ts';
import { backupBeforeMigration } from './backup.ts';

export class DatabaseError extends Error {
  constructor(
    readonly code: 'db_newer_version' | 'db_unreadable' | 'db_migration_failed' | 'db_unreachable' | 'db_foreign' | 'db_bad_location',
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
  /** With `migrate: false`: still refuse a store without a Chronicle schema or with a newer one (default true). */
  check?: boolean;
  /**
   * SQLite commit durability. 'full' (default, commands): the WAL is fsynced on every commit, so an event reported
   * as committed survives a power cut. 'normal' (the job runner's own connection): a commit survives a crash or
   * kill -9; only a power cut may lose the last few, which for at-least-once bookkeeping means work runs again.
   */
  synchronous?: 'full' | 'normal';
  /**
   * SQLite: copy an existing file into the `backups` folder beside it before migrations change it (default true;
   * the last few copies are kept, db/backup.ts).
   */
  backupBeforeMigration?: boolean;
  /** PostgreSQL pool size. */
  poolSize?: number;
  /** Shown in pg_stat_activity (which process holds a connection). */
  applicationName?: string;
}

/** Open (creating if needed) a workspace and bring its schema up to date. */
export async function openStore(location: string, options: OpenOptions = {}): Promise<Store> {
  if (isHubLocation(location)) return openHub(location, options);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new DatabaseError('db_bad_location', `“${location.split('://')[0]}://” is not a store Chronicle knows: give a file path or a postgres:// URL.`);
  }
  if (isMistypedHubLocation(location)) {
    // Taken for a file path, it would become a new, empty SQLite workspace.
    throw new DatabaseError('db_bad_location', `“${redactLocation(location)}” looks like a PostgreSQL URL but is not one: write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE (a file whose path starts with “postgres” is given as ./postgres…).`);
  }
  const store = new SqliteStore(openSqliteFile(location, options), { location, readonly: options.readonly ?? false });
  try {
    if (options.migrate !== false && !options.readonly) {
      const from = await schemaVersion(store);
      const to = latestOf(migrationsByDialect.sqlite);
      // A file that already holds a workspace (schema > 0) is copied before anything changes it.
      if (from > 0 && from < to && location !== ':memory:' && options.backupBeforeMigration !== false) {
        try {
          await backupBeforeMigration(store, location, from, to);
        } catch (err) {
          throw new DatabaseError('db_migration_failed', `${location} was not migrated (schema ${from} → ${to}): the copy taken before a migration could not be written (${(err as Error).message}). Free space in its folder and open it again.`);
        }
      }
      await migrate(store);
    }
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

// ---------------------------------------------------------------------------------------------------- SQLite

/**
 * journal_mode=WAL lets readers (the UI, the dispatcher's own connection) run beside the writer.
 * synchronous=FULL: in WAL mode NORMAL may lose the last commits on power loss; FULL fsyncs the WAL on every
 * commit, so an event reported as committed survives a crash or power cut ("nothing is lost"). Commits stay
 * cheap because commands are small transactions and the WAL is appended sequentially.
 */
function openSqliteFile(file: string, options: OpenOptions): SqliteConnection {
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
  let sqlite: SqliteConnection | undefined;
  try {
    sqlite = new Database(file, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
      nativeBinding: options.nativeBinding,
    });
    sqlite.pragma('busy_timeout = 5000');
    // Probe that this really is a SQLite database (a random file fails here, not later), and refuse a file from
    // a newer Chronicle before anything below (journal_mode = WAL rewrites the header) can change it.
    const version = sqlite.pragma('user_version', { simple: true }) as number;
    refuseNewer(version, file);
    if (!options.readonly) {
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    }
    sqlite.pragma('foreign_keys = ON');
    return sqlite;
  } catch (err) {
    // A refused file must not stay open (a leaked handle keeps it locked on Windows).
    if (sqlite?.open) sqlite.close();
    if (err instanceof DatabaseError) throw err;
    // A read-only folder, a full disk, a damaged file: said as what it is (db/errors.ts), not SQLite's wording.
    // ("file is not a database" stays as it is: at open it is more often the wrong file than a damaged one.)
    const storage = (err as { code?: string }).code === 'SQLITE_NOTADB' ? null : describeStorageError(err, file);
    if (storage && storage.code !== 'conflict' && storage.code !== 'storage_busy') throw new DatabaseError('db_unreadable', `Cannot open ${file}: ${storage.message}`);
    throw new DatabaseError('db_unreadable', `Cannot open ${file}: ${(err as Error).message}`);
  }
}

const latestOf = (list: readonly Migration[]) => (list.length ? list[list.length - 1].version : 0);

function refuseNewer(current: number, where: string, known = latestVersion): void {
  if (current > known) {
    throw new DatabaseError(
      'db_newer_version',
      `${where} was written by a newer version of Chronicle (schema ${current}; this build knows up to ${known}). Update Chronicle to open it.`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------- PostgreSQL

async function openHub(url: string, options: OpenOptions): Promise<PostgresStore> {
  const location = redactLocation(url);
  try {
    const u = new URL(url);
    if (!u.hostname && !u.searchParams.get('host')) throw new Error('no host');
    if (u.pathname.length <= 1) throw new Error('no database');
  } catch (err) {
    throw new DatabaseError(
      'db_bad_location',
      `${location} is not a usable PostgreSQL URL (${(err as Error).message}): write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE.`,
    );
  }
  const store = new PostgresStore({ url, location, readonly: options.readonly ?? false, poolSize: options.poolSize, applicationName: options.applicationName });
  try {
    await store.execCompiled('SELECT 1', []);
  } catch (err) {
    await store.close().catch(() => {});
    throw new DatabaseError('db_unreachable', `Cannot connect to the hub at ${location}: ${describeConnectError(err)}`);
  }
  try {
    if (options.migrate !== false && !options.readonly) await migrate(store);
    else if (options.check !== false) await checkSchema(store);
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}

// ---------------------------------------------------------------------------------------------------- versions

const VERSION_TABLE = 'chronicle_schema';
/** pg_advisory_xact_lock key of migrations: hub processes starting together migrate once, one after another. */
const MIGRATION_LOCK = 0x43_48_52_4f; // "CHRO"

/** The schema version of a store (0 = no Chronicle schema yet). */
export async function schemaVersion(db: Store | Tx): Promise<number> {
  if (db.dialect === 'sqlite') {
    const r = await db.execCompiled<{ user_version: number }>('PRAGMA user_version', []);
    return r.rows[0].user_version;
  }
  const exists = await db.execCompiled<{ t: string | null }>(`SELECT to_regclass('${VERSION_TABLE}')::text AS t`, []);
  if (!exists.rows[0].t) return 0;
  const r = await db.execCompiled<{ version: number }>(`SELECT version FROM ${VERSION_TABLE}`, []);
  return r.rows[0]?.version ?? 0;
}

async function setSchemaVersion(tx: Tx, version: number): Promise<void> {
  if (tx.dialect === 'sqlite') return tx.script(`PRAGMA user_version = ${Number(version)}`);
  await tx.execCompiled(`UPDATE ${VERSION_TABLE} SET version = $1, migrated_at = $2`, [version, Date.now()]);
}

/** Tables of the current PostgreSQL schema that are not Chronicle's (a database that belongs to something else). */
async function foreignTables(tx: Store | Tx): Promise<string[]> {
  const r = await tx.execCompiled<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`,
    [],
  );
  return r.rows.map((t) => t.table_name);
}

async function checkSchema(store: Store): Promise<void> {
  const version = await schemaVersion(store);
  refuseNewer(version, store.location);
  if (version === 0 && store.dialect === 'postgres') {
    const tables = await foreignTables(store);
    if (tables.length) throw foreignDatabase(store.location, tables);
    throw new DatabaseError('db_foreign', `${store.location} has no Chronicle schema yet: run \`chronicle migrate --db URL\` (or start \`chronicle serve\` on it) first.`);
  }
}

function foreignDatabase(location: string, tables: string[]): DatabaseError {
  const shown = tables.slice(0, 5).join(', ') + (tables.length > 5 ? `, … (${tables.length} in all)` : '');
  return new DatabaseError(
    'db_foreign',
    `${location} holds other tables (${shown}) but no Chronicle schema. Chronicle will not add its tables to a database that belongs to something else: create an empty database for it (CREATE DATABASE chronicle).`,
  );
}

/**
 * Apply pending migrations in one transaction: a failure leaves the store as it was. On PostgreSQL the
 * transaction first takes an advisory lock, so processes that start at the same moment migrate once: the
 * others wait, then find nothing left to do. `list` defaults to the bundled migrations of the store's dialect;
 * tests pass their own (one that fails on purpose).
 */
export async function migrate(store: Store, opts: { upTo?: number; list?: readonly Migration[] } = {}): Promise<number> {
  const list = opts.list ?? migrationsByDialect[store.dialect];
  const known = list.length ? list[list.length - 1].version : 0;
  try {
    return await store.transaction(async (tx) => {
      if (tx.dialect === 'postgres') {
        await tx.execCompiled('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        const exists = await tx.execCompiled<{ t: string | null }>(`SELECT to_regclass('${VERSION_TABLE}')::text AS t`, []);
        if (!exists.rows[0].t) {
          const tables = await foreignTables(tx);
          if (tables.length) throw foreignDatabase(store.location, tables);
          await tx.script(`CREATE TABLE ${VERSION_TABLE} (version INTEGER NOT NULL, migrated_at BIGINT NOT NULL);
            INSERT INTO ${VERSION_TABLE} (version, migrated_at) VALUES (0, ${Date.now()});`);
        }
      }
      const current = await schemaVersion(tx);
      refuseNewer(current, store.location, Math.max(known, latestVersion));
      const target = opts.upTo ?? known;
      const pending = list.filter((m) => m.version > current && m.version <= target);
      for (const m of pending) {
        await m.up(tx);
        await setSchemaVersion(tx, m.version);
      }
      return pending.length;
    });
  } catch (err) {
    if (err instanceof DatabaseError) throw err;
    throw new DatabaseError('db_migration_failed', `Migration failed on ${store.location}: ${(err as Error).message}`);
  }
}
