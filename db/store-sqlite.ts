// The embedded store: one SQLite file through better-sqlite3.
//
// better-sqlite3 runs every statement synchronously on one connection; this store gives it the async `Store`
// interface without giving up what makes it fast: statements are prepared once per connection, a statement runs
// at once when no transaction holds the connection, and a transaction keeps the connection to itself from BEGIN
// IMMEDIATE to COMMIT (other statements wait in a queue), so no two commands ever interleave on it.
import Database from 'better-sqlite3';
import {
  DummyDriver,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import { activeTxOf, CommitHooks, runInTx } from './context.ts';
import { timed } from './profile.ts';
import type { Schema } from './schema.ts';
import type { Db, ExecResult, Store, TransactionOptions, Tx } from './store.ts';

export type SqliteConnection = Database.Database;

/** Compile-only Kysely for SQLite: the store runs what it compiles. */
export const sqliteBuilder = new Kysely<Schema>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
});

function bind(parameters: readonly unknown[]): unknown[] {
  // SQLite has no boolean type; better-sqlite3 refuses JS booleans and undefined.
  return parameters.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p === undefined ? null : p));
}

/** A FIFO lock: the connection's owner (a transaction) or the next statement in line. */
class ConnectionQueue {
  locked = false;
  private waiters: (() => void)[] = [];
  acquire(): Promise<void> {
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.locked = false;
  }
}

class SqliteTx implements Tx {
  readonly inTransaction = true as const;
  readonly dialect = 'sqlite' as const;
  readonly q = sqliteBuilder;
  active = true;
  private depth = 0;
  private readonly hooks = new CommitHooks();
  beforeCommit(key: string, fn: (tx: Tx) => Promise<void>): void {
    this.hooks.add(key, fn);
  }
  runHooks(): Promise<void> {
    return this.hooks.run(this);
  }
  takeReadAtBegin(): undefined {
    return undefined;
  }
  constructor(readonly owner: SqliteStore) {}

  private check(): void {
    if (!this.active) throw new Error('This transaction has already ended; a statement was sent to it afterwards.');
  }
  async execCompiled<R>(sql: string, params: readonly unknown[]): Promise<ExecResult<R>> {
    this.check();
    return this.owner.execNow<R>(sql, params);
  }
  async execArrays(sql: string, params: readonly unknown[]): Promise<unknown[][]> {
    this.check();
    return this.owner.arraysNow(sql, params);
  }
  async script(sql: string): Promise<void> {
    this.check();
    this.owner.connection.exec(sql);
  }
  async savepoint<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    this.check();
    const name = `sp${++this.depth}`;
    const c = this.owner.connection;
    timed('SAVEPOINT', () => c.exec(`SAVEPOINT ${name}`));
    try {
      const result = await fn(this);
      timed('RELEASE', () => c.exec(`RELEASE ${name}`));
      return result;
    } catch (err) {
      if (c.inTransaction) {
        c.exec(`ROLLBACK TO ${name}`);
        c.exec(`RELEASE ${name}`);
      }
      throw err;
    } finally {
      this.depth--;
    }
  }
}

export interface SqliteStoreOptions {
  location: string;
  readonly: boolean;
}

export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  readonly q = sqliteBuilder;
  readonly location: string;
  readonly readonly: boolean;
  private readonly queue = new ConnectionQueue();
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly connection: SqliteConnection, options: SqliteStoreOptions) {
    this.location = options.location;
    this.readonly = options.readonly;
  }

  private statement(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.connection.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  /** Run one statement now (the caller owns the connection or nothing holds it). */
  execNow<R>(sql: string, params: readonly unknown[]): ExecResult<R> {
    const stmt = this.statement(sql);
    return timed(sql, () => {
      if (stmt.reader) return { rows: stmt.all(...bind(params)) as R[], changes: 0 };
      return { rows: [], changes: stmt.run(...bind(params)).changes };
    });
  }

  arraysNow(sql: string, params: readonly unknown[]): unknown[][] {
    return this.statement(sql).raw(true).all(...bind(params)) as unknown[][];
  }

  /** Run `work` when the connection is free: at once if nothing holds it, else after the queue ahead of it. */
  private async whenFree<T>(work: () => T): Promise<T> {
    await this.queue.acquire();
    try {
      return work();
    } finally {
      this.queue.release();
    }
  }

  execCompiled<R>(sql: string, params: readonly unknown[]): Promise<ExecResult<R>> {
    const tx = activeTxOf<SqliteTx>(this);
    if (tx) return tx.execCompiled<R>(sql, params);
    if (!this.queue.locked) {
      try {
        return Promise.resolve(this.execNow<R>(sql, params));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.whenFree(() => this.execNow<R>(sql, params));
  }

  execArrays(sql: string, params: readonly unknown[]): Promise<unknown[][]> {
    const tx = activeTxOf<SqliteTx>(this);
    if (tx) return tx.execArrays(sql, params);
    return this.whenFree(() => this.arraysNow(sql, params));
  }

  script(sql: string): Promise<void> {
    const tx = activeTxOf<SqliteTx>(this);
    if (tx) return tx.script(sql);
    return this.whenFree(() => void this.connection.exec(sql));
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const outer = activeTxOf<SqliteTx>(this);
    if (outer) return outer.savepoint(fn);
    await this.queue.acquire();
    const tx = new SqliteTx(this);
    try {
      // IMMEDIATE takes the write lock at BEGIN: a command that reads (guards) and then writes would otherwise
      // upgrade its lock and get SQLITE_BUSY at once if another connection (the dispatcher, another process)
      // committed in between; with the lock taken first, writers queue behind busy_timeout instead.
      const begin = options.readOnly || this.readonly ? 'BEGIN DEFERRED' : 'BEGIN IMMEDIATE';
      timed(begin, () => this.connection.exec(begin));
      const result = await runInTx(tx, async () => {
        const r = await fn(tx);
        await tx.runHooks();
        return r;
      });
      timed('COMMIT', () => this.connection.exec('COMMIT'));
      return result;
    } catch (err) {
      if (this.connection.inTransaction) this.connection.exec('ROLLBACK');
      throw err;
    } finally {
      tx.active = false;
      this.queue.release();
    }
  }

  /** Connection-level settings (the runner's own connection commits with synchronous=NORMAL). */
  pragma(text: string): unknown {
    return this.connection.pragma(text, { simple: true });
  }

  async close(): Promise<void> {
    await this.queue.acquire();
    try {
      if (this.connection.open) this.connection.close();
    } finally {
      this.queue.release();
    }
  }
}

/** Statements from db/ that need the raw better-sqlite3 connection (online backup, bundle export). */
export function sqliteConnectionOf(db: Db): SqliteConnection | null {
  if (db instanceof SqliteStore) return db.connection;
  if (db instanceof SqliteTx) return db.owner.connection;
  return null;
}

export { Database };
