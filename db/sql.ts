// Running typed SQL on a store or a transaction.
//
// Queries are built with `db.q` (Kysely, compiled for the store's dialect) and run here; hot paths that need exact
// control of their SQL write it as text with `?` placeholders (rewritten once to $1, $2… for PostgreSQL).
import type { Compilable, InferResult } from 'kysely';
import type { Db, Dialect } from './store.ts';

export type { Db, Store, Tx, Dialect } from './store.ts';

/** Statements executed (tests use it to prove a page costs a fixed number of queries). */
export const queryStats = { count: 0 };

type Row<Q> = Q extends Compilable<infer O> ? O : never;

/** Every row of a select (or `returning`) query. */
export async function all<Q extends Compilable<any>>(db: Db, query: Q): Promise<Row<Q>[]> {
  const { sql, parameters } = query.compile();
  queryStats.count++;
  return (await db.execCompiled<Row<Q>>(sql, parameters)).rows;
}

/** The first row, or undefined. */
export async function first<Q extends Compilable<any>>(db: Db, query: Q): Promise<Row<Q> | undefined> {
  const { sql, parameters } = query.compile();
  queryStats.count++;
  return (await db.execCompiled<Row<Q>>(sql, parameters)).rows[0];
}

/** Run a write; resolves to the number of changed rows. */
export async function run(db: Db, query: Compilable<any>): Promise<number> {
  const { sql, parameters } = query.compile();
  queryStats.count++;
  return (await db.execCompiled(sql, parameters)).changes;
}

const rewritten = new Map<string, string>();

/**
 * `?` placeholders → `$1, $2, …` for PostgreSQL (outside quoted strings and identifiers). Cached per text: the
 * hot statements are a few dozen fixed strings.
 */
export function nativeSql(dialect: Dialect, text: string): string {
  if (dialect === 'sqlite') return text;
  let out = rewritten.get(text);
  if (out === undefined) {
    let n = 0;
    let quote: string | null = null;
    out = '';
    for (const ch of text) {
      if (quote) {
        if (ch === quote) quote = null;
        out += ch;
      } else if (ch === "'" || ch === '"') {
        quote = ch;
        out += ch;
      } else out += ch === '?' ? `$${++n}` : ch;
    }
    rewritten.set(text, out);
  }
  return out;
}

/** Rows of a `?`-placeholder statement. */
export async function rawAll<R = Record<string, unknown>>(db: Db, text: string, params: readonly unknown[] = []): Promise<R[]> {
  queryStats.count++;
  return (await db.execCompiled<R>(nativeSql(db.dialect, text), params)).rows;
}

export async function rawFirst<R = Record<string, unknown>>(db: Db, text: string, params: readonly unknown[] = []): Promise<R | undefined> {
  return (await rawAll<R>(db, text, params))[0];
}

/** A `?`-placeholder write; resolves to the number of changed rows. */
export async function rawRun(db: Db, text: string, params: readonly unknown[] = []): Promise<number> {
  queryStats.count++;
  return (await db.execCompiled(nativeSql(db.dialect, text), params)).changes;
}

/** Rows as arrays, in select order. */
export function rawArrays(db: Db, text: string, params: readonly unknown[] = []): Promise<unknown[][]> {
  queryStats.count++;
  return db.execArrays(nativeSql(db.dialect, text), params);
}

/** A `?`-placeholder write made with others (an event's rows: db/events.ts insertEventWrites). */
export interface RowWrite {
  text: string;
  params: unknown[];
}

/** A RowWrite run alone, as its own statement. */
export const runWrite = (db: Db, w: RowWrite): Promise<number> => rawRun(db, w.text, w.params);

/** `?, ?, ?` for an IN list of `n` values. */
export const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** SQLite stores booleans as 0/1; PostgreSQL as booleans. Reads of flag columns go through this. */
export const bool = (v: unknown): boolean => v === true || v === 1 || v === '1' || v === 't';

export type { InferResult };
