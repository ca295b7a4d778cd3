// The team hub's store: PostgreSQL through pg, a pool of connections.
//
// Kysely's PostgresDialect over the pool compiles the typed queries; statements run on pool clients directly so
// that a transaction owns one client from BEGIN to COMMIT and bulk reads can ask for rows as arrays.
// Types come back as the contract promises: int8/numeric as JS numbers (times are epoch milliseconds, well
// inside 2^53), json/jsonb as their text (the same strings SQLite returns), booleans as booleans.
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { activeTxOf, CommitHooks, runInTx } from './context.ts';
import { timedAsync } from './profile.ts';
import type { Schema } from './schema.ts';
import type { ExecResult, Store, TransactionOptions, Tx } from './store.ts';

const parsers: Record<number, (v: string) => unknown> = {
  20: Number, // int8 (count(*), bigint columns)
  1700: Number, // numeric (sum of int8)
  114: (v) => v, // json: as text, like SQLite
  3802: (v) => v, // jsonb: as text, like SQLite
};

const types = {
  getTypeParser: ((oid: number, format?: string) =>
    (format ?? 'text') === 'text' && parsers[oid] ? parsers[oid] : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

type Client = pg.PoolClient;

/**
 * Statements run as named prepared statements: parsed and planned once per connection instead of at every call
 * (for Chronicle's small statements, planning was most of their time on the server). Names are per distinct text,
 * up to a bound (texts built with IN lists of varying length would otherwise grow without end).
 */
const statementNames = new Map<string, string>();
const MAX_NAMED = 2_000;
function query(text: string, values: readonly unknown[], rowMode?: 'array'): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_NAMED) statementNames.set(text, (name = `c${statementNames.size + 1}`));
  return { text, values: values as unknown[], ...(name ? { name } : {}), ...(rowMode ? { rowMode } : {}) } as pg.QueryConfig;
}

/** A prepared statement whose tables changed under it (another process migrated the hub): run it unprepared once. */
async function run(target: { query(config: pg.QueryConfig): Promise<pg.QueryResult> }, config: pg.QueryConfig): Promise<pg.QueryResult> {
  try {
    return await timedAsync(config.text, () => target.query(config));
  } catch (err) {
    if ((err as { code?: string }).code === '0A000' && config.name) return target.query({ ...config, name: undefined });
    throw err;
  }
}

export class PostgresTx implements Tx {
  readonly inTransaction = true as const;
  readonly dialect = 'postgres' as const;
  active = true;
  /** Transaction-scoped advisory locks this transaction holds (db/locks.ts asks before taking one again). */
  readonly heldLocks = new Set<string>();
  /** Statements sent with the COMMIT, in the same round trip (NOTIFY of what the transaction did). */
  readonly commitPrelude: string[] = [];
  /** A string as an SQL literal, for statements of the commit prelude. */
  literal(value: string): string {
    return this.client.escapeLiteral(value);
  }
  private depth = 0;
  private readonly hooks = new CommitHooks();
  beforeCommit(key: string, fn: (tx: Tx) => Promise<void>): void {
    this.hooks.add(key, fn);
  }
  runHooks(): Promise<void> {
    return this.hooks.run(this);
  }
  /** Rows of the reads sent with the BEGIN (TransactionOptions.readsAtBegin), each taken once. */
  readonly readsAtBegin = new Map<string, Record<string, unknown>[]>();
  takeReadAtBegin(key: string): Record<string, unknown>[] | undefined {
    const rows = this.readsAtBegin.get(key);
    this.readsAtBegin.delete(key);
    return rows;
  }
  constructor(readonly owner: PostgresStore, readonly client: Client) {}
  get q() {
    return this.owner.q;
  }
  private check(): void {
    if (!this.active) throw new Error('This transaction has already ended; a statement was sent to it afterwards.');
  }
  async execCompiled<R>(sql: string, params: readonly unknown[]): Promise<ExecResult<R>> {
    this.check();
    const r = await run(this.client, query(sql, params));
    return { rows: r.rows as R[], changes: r.rowCount ?? 0 };
  }
  async execArrays(sql: string, params: readonly unknown[]): Promise<unknown[][]> {
    this.check();
    return (await run(this.client, query(sql, params, 'array'))).rows as unknown[][];
  }
  async script(sql: string): Promise<void> {
    this.check();
    await this.client.query(sql);
  }
  async savepoint<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    this.check();
    const name = `sp${++this.depth}`;
    await timedAsync('SAVEPOINT', () => this.client.query(`SAVEPOINT ${name}`));
    try {
      const result = await fn(this);
      await timedAsync('RELEASE SAVEPOINT', () => this.client.query(`RELEASE SAVEPOINT ${name}`));
      return result;
    } catch (err) {
      await this.client.query(`ROLLBACK TO SAVEPOINT ${name}`);
      await this.client.query(`RELEASE SAVEPOINT ${name}`);
      throw err;
    } finally {
      this.depth--;
    }
  }
}

export interface PostgresStoreOptions {
  url: string;
  location: string;
  readonly: boolean;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  applicationName?: string;
}

export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly q: Kysely<Schema>;
  readonly location: string;
  readonly readonly: boolean;
  readonly pool: pg.Pool;
  /** Connection settings, for clients outside the pool (LISTEN). */
  readonly clientConfig: pg.ClientConfig;

  constructor(options: PostgresStoreOptions) {
    this.location = options.location;
    this.readonly = options.readonly;
    this.clientConfig = {
      connectionString: options.url,
      application_name: options.applicationName ?? 'chronicle',
      connectionTimeoutMillis: 5_000,
      // A process frozen inside a transaction (a stopped dispatcher, a lost laptop) must not hold its locks for
      // ever: the server ends such a session after a minute, rolling back (every transaction here is short).
      options: '-c idle_in_transaction_session_timeout=60000',
      types,
    };
    this.pool = new pg.Pool({ ...this.clientConfig, max: options.poolSize ?? 10, idleTimeoutMillis: 30_000 });
    // An idle client that loses its server emits 'error' on the pool; unhandled, that would end the process.
    this.pool.on('error', (err) => console.error(`[store] a pooled connection to ${this.location} failed: ${err.message}`));
    this.q = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: this.pool }) });
  }

  async execCompiled<R>(sql: string, params: readonly unknown[]): Promise<ExecResult<R>> {
    const tx = activeTxOf<PostgresTx>(this);
    if (tx) return tx.execCompiled<R>(sql, params);
    const r = await run(this.pool, query(sql, params));
    return { rows: r.rows as R[], changes: r.rowCount ?? 0 };
  }

  async execArrays(sql: string, params: readonly unknown[]): Promise<unknown[][]> {
    const tx = activeTxOf<PostgresTx>(this);
    if (tx) return tx.execArrays(sql, params);
    return (await run(this.pool, query(sql, params, 'array'))).rows as unknown[][];
  }

  async script(sql: string): Promise<void> {
    const tx = activeTxOf<PostgresTx>(this);
    if (tx) return tx.script(sql);
    await this.pool.query(sql);
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const outer = activeTxOf<PostgresTx>(this);
    if (outer) return outer.savepoint(fn);
    const client = await this.pool.connect();
    const tx = new PostgresTx(this, client);
    let broken: Error | undefined;
    try {
      const begin = options.readOnly ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN';
      const reads = options.readsAtBegin ?? [];
      if (options.lockKey || reads.length) {
        // One round trip: the simple protocol runs the statements in order, the reads after the lock.
        const parts = [begin];
        if (options.lockKey) parts.push(`SELECT pg_advisory_xact_lock(hashtextextended(${client.escapeLiteral(options.lockKey)}, 0))`);
        for (const r of reads) parts.push(r.text.replace(/\$(\d+)/g, (_, n: string) => client.escapeLiteral(r.params[Number(n) - 1])));
        const text = parts.join('; ');
        const results = (await timedAsync(`${begin}; lock and reads at begin`, () => client.query(text))) as unknown as pg.QueryResult[];
        if (options.lockKey) tx.heldLocks.add(options.lockKey);
        reads.forEach((r, i) => tx.readsAtBegin.set(r.key, results[results.length - reads.length + i].rows));
      } else await timedAsync(begin, () => client.query(begin));
      const result = await runInTx(tx, async () => {
        const r = await fn(tx);
        await tx.runHooks();
        return r;
      });
      // A failing prelude statement aborts the transaction and the COMMIT after it is not run (caught below).
      const commit = [...tx.commitPrelude, 'COMMIT'].join('; ');
      await timedAsync(commit, () => client.query(commit));
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        broken = rollbackErr as Error; // the connection is gone: do not give it back to the pool
      }
      throw err;
    } finally {
      tx.active = false;
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
