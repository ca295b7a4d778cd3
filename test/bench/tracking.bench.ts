// tracking: batch ingest through the contract (zod validation of every event, handler, one transaction per batch)
// against raw driver INSERTs of the same rows in the same run: batched the same way, and one transaction per event
// (what a per-event endpoint would cost). On each store:
//
// SQLite (as since the first figure): raw better-sqlite3 prepared statements on the workspace's own connection
// (WAL, synchronous=FULL).
// PostgreSQL: raw `pg` (one client; BEGIN, one INSERT per row, COMMIT; and, as the strongest baseline, the whole
// batch as one multi-row INSERT) on a throwaway server of its own (test/support/postgres.ts), as that server runs:
// without fsync (set on its command line, so ALTER SYSTEM cannot turn it on), so the figures are round trips and
// server work, not disk flushes; the settings are printed with the figures.
//
// BENCH_STORE=sqlite|postgres picks one store (default: both). TRACKING_BENCH_EVENTS sets the size.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { newId } from '../../db/ids.ts';
import { rawFirst } from '../../db/sql.ts';
import { sqliteConnectionOf } from '../../db/store-sqlite.ts';
import { createApp, type App } from '../../main/app.ts';
import { seedDemo } from '../../main/demo.ts';
import { invoke } from '../../main/rpc.ts';
import type { Session } from '../../main/session.ts';
import { trackBatch } from '../../main/tracking/track.ts';
import type { Input } from '../../preload/contract.ts';
import { startPostgresServer } from '../support/postgres.ts';

const TOTAL = Number(process.env.TRACKING_BENCH_EVENTS ?? 100_000);
const BATCH = 50;

type Ev = Input<'tracking.track'>['events'][number];

function makeEvents(n: number): Ev[] {
  const routes = ['/', '/boards', '/reports?range=30', '/tracking?range=7', '/settings', '/webhooks', '/audit'];
  return Array.from({ length: n }, (_, i) =>
    i % 3 === 0
      ? { eventType: 'page_view', url: routes[i % routes.length], referrer: routes[(i + 1) % routes.length] }
      : { eventType: 'button_click', url: routes[i % routes.length], metadata: { element: `bench.button-${i % 17}`, position: i % 9 } },
  );
}

const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000).toLocaleString('en')} events/s`;
const INSERT_COLUMNS = '(id, account_id, user_id, event_type, trackable_type, trackable_id, metadata, url, referrer, created_at)';

/** The row a raw side writes for an event (what trackBatch writes, without validation or settings). */
const rowOf = (session: Session, e: Ev) => {
  const at = Date.now();
  return [newId(at), session.accountId, session.userId, e.eventType === 'page_view' ? 1 : 4, null, null, JSON.stringify(e.metadata ?? {}), e.url, e.referrer ?? null, at];
};

interface RawSides {
  label: string;
  batched: (b: Ev[]) => Promise<void>;
  single: (e: Ev) => Promise<void>;
  /** A stronger raw baseline where the driver allows it (one multi-row statement per batch). */
  multiRow?: { label: string; run: (b: Ev[]) => Promise<void> };
  close?: () => Promise<void>;
}

function rawSqlite(app: App, session: Session): RawSides {
  const sqlite = sqliteConnectionOf(app.store)!;
  const stmt = sqlite.prepare(`INSERT INTO tracking_events ${INSERT_COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const batch = sqlite.transaction((b: Ev[]) => {
    for (const e of b) stmt.run(...rowOf(session, e));
  });
  return {
    label: 'raw prepared INSERT',
    batched: async (b) => batch(b),
    single: async (e) => void stmt.run(...rowOf(session, e)),
  };
}

async function rawPostgres(url: string, session: Session): Promise<RawSides> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const one = `INSERT INTO tracking_events ${INSERT_COLUMNS} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;
  const many = (n: number) =>
    `INSERT INTO tracking_events ${INSERT_COLUMNS} VALUES ${Array.from({ length: n }, (_, r) => `(${Array.from({ length: 10 }, (_, c) => `$${r * 10 + c + 1}`).join(', ')})`).join(', ')}`;
  const manyText = new Map<number, string>();
  return {
    label: 'raw pg INSERT',
    batched: async (b) => {
      await client.query('BEGIN');
      for (const e of b) await client.query(one, rowOf(session, e));
      await client.query('COMMIT');
    },
    single: async (e) => void (await client.query(one, rowOf(session, e))),
    multiRow: {
      label: 'raw pg, one multi-row INSERT per batch',
      run: async (b) => {
        let text = manyText.get(b.length);
        if (!text) manyText.set(b.length, (text = many(b.length)));
        await client.query({ text, values: b.flatMap((e) => rowOf(session, e)) });
      },
    },
    close: () => client.end(),
  };
}

async function measure(title: string, app: App, makeRaw: (session: Session) => RawSides | Promise<RawSides>) {
  await seedDemo(app.store, { seed: 3, events: 50 });
  const session = (await app.defaultSession())!;
  const raw = await makeRaw(session);
  try {
    await measureWith(title, app, session, raw);
  } finally {
    await raw.close?.();
  }
}

async function measureWith(title: string, app: App, session: Session, raw: RawSides) {
  const events = makeEvents(TOTAL);
  const batches: Ev[][] = [];
  for (let i = 0; i < events.length; i += BATCH) batches.push(events.slice(i, i + BATCH));
  const count = async () => Number((await rawFirst<{ n: number }>(app.store, 'SELECT count(*) AS n FROM tracking_events'))!.n);

  // The ways run interleaved, a slice of the batches at a time, so none gets the emptier table or a quieter
  // machine: 1. through invoke (the host's and IPC's path: validation, session, handler, output check);
  // 2. the handler's write path alone; 3. raw driver INSERTs of equivalent rows, one transaction per batch;
  // 4. (PostgreSQL) raw, one multi-row INSERT per batch.
  const slot = { session };
  let viaContract = 0;
  let viaHandler = 0;
  let rawBatched = 0;
  let rawMulti = 0;
  const rounds = 10;
  const per = Math.ceil(batches.length / rounds);
  for (let r = 0; r < rounds; r++) {
    const slice = batches.slice(r * per, (r + 1) * per);
    let t = performance.now();
    for (const b of slice) {
      const res = await invoke(app, slot, 'tracking.track', { events: b });
      if (!res.ok) throw new Error(JSON.stringify(res.error));
    }
    viaContract += performance.now() - t;
    t = performance.now();
    for (const b of slice) await trackBatch(app.store, session, { events: b as any });
    viaHandler += performance.now() - t;
    t = performance.now();
    for (const b of slice) await raw.batched(b);
    rawBatched += performance.now() - t;
    if (raw.multiRow) {
      t = performance.now();
      for (const b of slice) await raw.multiRow.run(b);
      rawMulti += performance.now() - t;
    }
  }

  // Raw, one transaction (one commit) per event: a tenth of the events, it is slow.
  const single = events.slice(0, Math.max(1000, Math.floor(TOTAL / 10)));
  const t = performance.now();
  for (const e of single) await raw.single(e);
  const rawSingle = performance.now() - t;

  const expected = TOTAL * (raw.multiRow ? 4 : 3) + single.length;
  const found = await count();
  if (found !== expected) throw new Error(`expected ${expected} rows, found ${found}`);
  console.log(`\n${title}: ${TOTAL.toLocaleString('en')} events in batches of ${BATCH}`);
  console.log(`tracking.track through invoke (zod + handler): ${rate(TOTAL, viaContract)}`);
  console.log(`trackBatch (handler write path only):          ${rate(TOTAL, viaHandler)}`);
  console.log(`${`${raw.label}, batched the same way:`.padEnd(47)} ${rate(TOTAL, rawBatched)}`);
  if (raw.multiRow) console.log(`${`${raw.multiRow.label}:`.padEnd(47)} ${rate(TOTAL, rawMulti)}`);
  console.log(`${`${raw.label}, one transaction each:`.padEnd(47)} ${rate(single.length, rawSingle)}`);
  console.log(`ratio invoke / raw batched: ${(rawBatched / viaContract).toFixed(2)} (1.00 = as fast as raw)`);
  if (raw.multiRow) console.log(`ratio invoke / ${raw.multiRow.label}: ${(rawMulti / viaContract).toFixed(2)}`);
  console.log(`ratio invoke / raw one transaction per event: ${((TOTAL / viaContract) / (single.length / rawSingle)).toFixed(1)}× (batching wins)`);
}

async function onSqlite() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chronicle-bench-tracking-'));
  const app = await createApp({ location: path.join(dir, 'bench.db'), dataDir: dir, background: false });
  try {
    await measure('SQLite (WAL + synchronous=FULL)', app, (session) => rawSqlite(app, session));
  } finally {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function onPostgres() {
  const server = await startPostgresServer();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chronicle-bench-tracking-keys-'));
  const admin = new pg.Client({ connectionString: server.url() });
  await admin.connect();
  try {
    const settings = (await admin.query(`SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) AS s FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit')`)).rows[0].s;
    const url = await server.createDatabase();
    const app = await createApp({ location: url, dataDir, background: false });
    try {
      await measure(`PostgreSQL (${settings})`, app, (session) => rawPostgres(url, session));
    } finally {
      await app.close();
    }
  } finally {
    await admin.end();
    server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export default async function trackingBench() {
  const which = process.env.BENCH_STORE ?? 'both';
  if (which === 'sqlite' || which === 'both') await onSqlite();
  if (which === 'postgres' || which === 'both') await onPostgres();
}
