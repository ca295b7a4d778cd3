// The store seam: one interface over the embedded SQLite file (better-sqlite3) and the team hub (PostgreSQL
// through pg). Every db/ function takes a `Db` (the store itself, one statement at a time, or a transaction)
// and builds its SQL with `db.q`, the Kysely builder of the store's dialect. Nothing outside db/ sees SQL, a
// driver or a dialect name: where the SQL must differ, db/ has one named function that does it per dialect.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface ExecResult<R = Record<string, unknown>> {
  rows: R[];
  /** Rows changed by an INSERT/UPDATE/DELETE (0 for a read). */
  changes: number;
}

/** Anything that runs SQL: the store (autocommit, one statement) or a transaction. */
export interface Db {
  readonly dialect: Dialect;
  /** Kysely builder for this dialect; queries built with it are run through `all`/`first`/`run` (db/sql.ts). */
  readonly q: Kysely<Schema>;
  /** One statement with the dialect's own placeholders (what Kysely compiled). */
  execCompiled<R = Record<string, unknown>>(sql: string, params: readonly unknown[]): Promise<ExecResult<R>>;
  /** One statement; rows as arrays in select order (bulk reads that join tables with the same column names). */
  execArrays(sql: string, params: readonly unknown[]): Promise<unknown[][]>;
  /** Several statements without parameters (migrations). */
  script(sql: string): Promise<void>;
}

/** A transaction: statements on it run in it, in order; nothing else runs on its connection meanwhile. */
export interface Tx extends Db {
  readonly inTransaction: true;
  /** A nested unit that rolls back alone when `fn` throws (SAVEPOINT). */
  savepoint<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Run `fn` once, inside the transaction, just before it commits (not if it rolls back); a second call with the
   * same `key` keeps the first. For work that gathers per transaction (one NOTIFY for many events).
   */
  beforeCommit(key: string, fn: (tx: Tx) => Promise<void>): void;
  /**
   * The rows of the read sent with this transaction's BEGIN under `key` (TransactionOptions.readsAtBegin), once:
   * a second call, or a key that was not read, gives undefined (SQLite reads nothing at BEGIN).
   */
  takeReadAtBegin(key: string): Record<string, unknown>[] | undefined;
}

/**
 * A read a transaction sends with its BEGIN, after the BEGIN's lock (PostgreSQL: in the same round trip, the
 * simple protocol, so `params` are strings put in as literals for `$1`, `$2`…). Taken by `key` with
 * Tx.takeReadAtBegin.
 */
export interface ReadAtBegin {
  key: string;
  text: string;
  params: string[];
}

export interface TransactionOptions {
  /** Read-only work that needs one consistent snapshot (a verification, an export). */
  readOnly?: boolean;
  /**
   * A transaction-scoped lock to hold from the start (a command's account, db/locks.ts). PostgreSQL takes it with
   * the BEGIN, in the same round trip; SQLite's BEGIN IMMEDIATE already holds the file's one write lock.
   */
  lockKey?: string;
  /** Reads to send with the BEGIN, after its lock (PostgreSQL; SQLite ignores them, it has no round trip to save). */
  readsAtBegin?: ReadAtBegin[];
}

export interface Store extends Db {
  /** Where the store is, as shown to people: a file path, or a hub URL without its password. */
  readonly location: string;
  readonly readonly: boolean;
  /**
   * Run `fn` in one transaction, committed when it resolves, rolled back when it throws.
   * SQLite: BEGIN IMMEDIATE on the store's one connection, which nothing else uses until it ends (statements
   * from elsewhere wait). PostgreSQL: one pooled connection, READ COMMITTED; rows a command must not race on are
   * locked explicitly (db/locks.ts). Called inside another transaction of the same store, it becomes a savepoint.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}

/** A store location is a PostgreSQL URL or a file path. */
export function isHubLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** Meant as a hub URL but mistyped (postgres//…, postgres:/…): refused, never taken for a file path. */
export function isMistypedHubLocation(location: string): boolean {
  return !isHubLocation(location) && /^postgres(ql)?(:|\/)/i.test(location);
}

/** A hub URL as it may be printed: no password, no query secrets. */
export function redactLocation(location: string): string {
  if (isMistypedHubLocation(location)) return location.replace(/:[^:@/]*@/, ':***@');
  if (!isHubLocation(location)) return location;
  try {
    const u = new URL(location);
    if (u.password) u.password = '***';
    u.search = '';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
