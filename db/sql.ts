// Typed SQL for a synchronous better-sqlite3 connection.
//
// Kysely builds and types the queries; better-sqlite3 runs them synchronously. This keeps a domain command a
// plain `sqlite.transaction(fn)` (atomic, no interleaving across awaits) and lets statements be prepared once
// and reused, which is where most of better-sqlite3's speed comes from.
import type BetterSqlite3 from 'better-sqlite3';
import {
  DummyDriver,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type Compilable,
  type InferResult,
} from 'kysely';
import type { Schema } from './schema.ts';

export type Sqlite = BetterSqlite3.Database;

/** A query builder that never touches a connection: it only compiles. */
export const q = new Kysely<Schema>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
});

const statementCache = new WeakMap<Sqlite, Map<string, BetterSqlite3.Statement>>();

/** A prepared statement for `sql`, cached per connection. */
export function prepare(sqlite: Sqlite, sql: string): BetterSqlite3.Statement {
  let cache = statementCache.get(sqlite);
  if (!cache) {
    cache = new Map();
    statementCache.set(sqlite, cache);
  }
  let stmt = cache.get(sql);
  if (!stmt) {
    stmt = sqlite.prepare(sql);
    cache.set(sql, stmt);
  }
  return stmt;
}

function bind(parameters: readonly unknown[]): unknown[] {
  // SQLite has no boolean type; better-sqlite3 refuses JS booleans.
  return parameters.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));
}

/** Statements executed through all/first/run (tests use it to prove a page costs a fixed number of queries). */
export const queryStats = { count: 0 };

type Row<Q> = Q extends Compilable<infer O> ? O : never;

/** Every row of a select (or `returning`) query. */
export function all<Q extends Compilable<any>>(sqlite: Sqlite, query: Q): Row<Q>[] {
  const { sql, parameters } = query.compile();
  queryStats.count++;
  return prepare(sqlite, sql).all(...bind(parameters)) as Row<Q>[];
}

/** The first row, or undefined. */
export function first<Q extends Compilable<any>>(sqlite: Sqlite, query: Q): Row<Q> | undefined {
  const { sql, parameters } = query.compile();
  queryStats.count++;
  return prepare(sqlite, sql).get(...bind(parameters)) as Row<Q> | undefined;
}

/** Run a write; returns the number of changed rows. */
export function run(sqlite: Sqlite, query: Compilable<any>): number {
  const { sql, parameters } = query.compile();
  queryStats.count++;
  return prepare(sqlite, sql).run(...bind(parameters)).changes;
}

export type { InferResult };
