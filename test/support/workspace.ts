// Test fixtures: real stores (a SQLite file in a temp folder, or a fresh database on the run's PostgreSQL server),
// a real host on 127.0.0.1. The integration suite runs once per store: CHRONICLE_TEST_STORE says which.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { createApp, type App, type AppOptions } from '../../main/app.ts';
import { seedDemo } from '../../main/demo.ts';
import { startHost } from '../../main/host/server.ts';
import type { Input, MethodName, Output } from '../../preload/contract.ts';
import { invoke, type SessionSlot } from '../../main/rpc.ts';
import type { Db, Store } from '../../db/store.ts';
import { rawAll } from '../../db/sql.ts';

export type TestStore = 'sqlite' | 'postgres';
export const testStore: TestStore = process.env.CHRONICLE_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';
export const onPostgres = testStore === 'postgres';
export const onSqlite = testStore === 'sqlite';

export function tempDir(prefix = 'chronicle-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function tempDbFile(): string {
  return path.join(tempDir(), 'workspace.db');
}

/** The run's PostgreSQL server (postgres project only). */
export function pgServerUrl(database = 'postgres'): string {
  const base = process.env.CHRONICLE_TEST_PG ?? inject('pgUrl');
  if (!base) throw new Error('No PostgreSQL server for this run (the postgres project starts one in its globalSetup).');
  const u = new URL(base);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A new empty database on the run's PostgreSQL server. */
export async function tempPgDatabase(): Promise<string> {
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: pgServerUrl() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  return pgServerUrl(name);
}

/** A new empty store location of this run's kind: a temp file, or a new database. */
export async function tempLocation(): Promise<string> {
  return onPostgres ? tempPgDatabase() : tempDbFile();
}

/** Key files of a test workspace: a temp folder (a hub has no folder of its own). */
function dataDirFor(location: string): string {
  return onPostgres || location.startsWith('postgres') ? tempDir('chronicle-keys-') : path.dirname(path.resolve(location));
}

/** A workspace app on a fresh store, seeded with the demo by default. Background services off unless asked. */
export async function openTestApp(
  opts: { demo?: boolean; events?: number; background?: boolean; location?: string } & Partial<AppOptions> = {},
): Promise<App> {
  const location = opts.location ?? (await tempLocation());
  const app = await createApp({ ...opts, location, dataDir: opts.dataDir ?? dataDirFor(location), background: opts.background ?? false });
  if (opts.demo ?? true) await seedDemo(app.store, { seed: 7, events: opts.events ?? 600 });
  return app;
}

/** Call contract methods in-process through the same `invoke` the transports use; throws on an error body. */
export async function caller(app: App, slot?: SessionSlot) {
  const s = slot ?? { session: await app.defaultSession() };
  const call = async <M extends MethodName>(method: M, input: Input<M>): Promise<Output<M>> => {
    const r = await invoke(app, s, method, input);
    if (!r.ok) throw Object.assign(new Error(`${method}: ${r.error.code}: ${r.error.message}`), { body: r.error });
    return r.result as Output<M>;
  };
  const raw = (method: string, input: unknown) => invoke(app, s, method, input);
  return { call, raw, slot: s };
}

/** A host on 127.0.0.1 and a fetch-based client for it (one session per client). */
export async function openTestHost(app: App, opts: { token?: string; staticDir?: string } = {}) {
  const host = await startHost({ app, port: 0, token: opts.token ?? 'test-token-0123456789', staticDir: opts.staticDir });
  const base = `http://127.0.0.1:${host.port}`;
  const client = (session = Math.random().toString(36).slice(2, 12)) => ({
    post: async (method: string, input: unknown, token: string | null = host.token) => {
      const res = await fetch(`${base}/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-chronicle-session': session, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(input),
      });
      return { status: res.status, body: (await res.json()) as any };
    },
  });
  return { host, base, client };
}

// ---- SQL for assertions: `?` placeholders, portable SQL (it runs on both stores).

export const sqlRows = <T = Record<string, any>>(db: Db | App, sql: string, ...params: unknown[]) =>
  rawAll<T>('store' in db ? db.store : db, sql, params);

export const sqlRow = async <T = Record<string, any>>(db: Db | App, sql: string, ...params: unknown[]) =>
  (await sqlRows<T>(db, sql, ...params))[0];

/** A single number (`SELECT count(*) AS n …`). */
export const sqlCount = async (db: Db | App, sql: string, ...params: unknown[]) =>
  Number(Object.values((await sqlRows(db, sql, ...params))[0] ?? { n: 0 })[0] ?? 0);

/** The store's own tables (not the driver's), sorted. */
export async function tableNames(db: Db | App): Promise<string[]> {
  const s: Db = 'store' in db ? db.store : db;
  const rows = s.dialect === 'sqlite'
    ? await rawAll<{ name: string }>(s, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
    : await rawAll<{ name: string }>(s, `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name <> 'chronicle_schema' ORDER BY table_name`);
  return rows.map((r) => r.name);
}

/** Row count of every table of the store. */
export async function tableCounts(db: Db | App): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of await tableNames(db)) out[name] = await sqlCount(db, `SELECT count(*) AS n FROM "${name}"`);
  return out;
}

export type { Store };
