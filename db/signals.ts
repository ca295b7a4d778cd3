// Signals between processes that share a store: push messages for the windows of other processes, and "new
// work" wake-ups for idle job runners.
//
// PostgreSQL: NOTIFY in the committing transaction (delivered only if it commits) and a LISTEN connection per
// process. SQLite: push messages go into `push_outbox` in the committing transaction; every process watches the
// file's data_version (it moves when another connection commits) and reads the rows it has not seen. Either way a
// message is heard only after its transaction committed, and each process skips its own (it published them
// locally already).
import { AsyncLocalStorage } from 'node:async_hooks';
import crypto from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import { rawAll, rawRun, type Db, type Store, type Tx } from './sql.ts';
import { PostgresStore, PostgresTx } from './store-postgres.ts';

export interface SignalMessage {
  accountId: string;
  topic: string;
  payload: unknown;
}

const PUSH_CHANNEL = 'chronicle_push';
const JOBS_CHANNEL = 'chronicle_jobs';
/** NOTIFY payloads are limited to 8000 bytes: batches are split below that. */
const NOTIFY_MAX = 7000;

let origin = `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;

/** This process's identity in signals (a worker thread takes its parent's: they share one set of windows). */
export const signalOrigin = () => origin;
export function setSignalOrigin(value: string): void {
  origin = value;
}

const muted = new AsyncLocalStorage<true>();

/**
 * Run `fn` without per-message signals (a bulk load such as the demo seed: thousands of events that other
 * processes learn of from one 'workspace.changed' afterwards, not one message each).
 */
export function withoutSignals<T>(fn: () => Promise<T>): Promise<T> {
  return muted.run(true, fn);
}

/** Messages for other processes' windows, sent when `tx` commits (all of a transaction's in one go, at its end). */
export async function publishOnCommit(tx: Db, messages: SignalMessage[]): Promise<void> {
  if (messages.length === 0 || muted.getStore()) return;
  if (!isTx(tx)) return sendSignals(tx, messages, false);
  pendingOf(tx).push.push(...messages);
}

interface Pending { push: SignalMessage[]; wake: boolean }
const pending = new WeakMap<Tx, Pending>();

/** What `tx` will send when it commits: registered once, sent by one statement (both channels). */
function pendingOf(tx: Tx): Pending {
  let p = pending.get(tx);
  if (!p) {
    pending.set(tx, (p = { push: [], wake: false }));
    tx.beforeCommit('signals', async (t) => {
      const all = pending.get(t)!;
      pending.delete(t);
      // On a hub the NOTIFY travels with the COMMIT itself (one round trip); elsewhere it is a statement now.
      if (t instanceof PostgresTx) t.commitPrelude.push(...notifyStatements(all.push, all.wake, (v) => t.literal(v)));
      else await sendSignals(t, all.push, all.wake);
    });
  }
  return p;
}
const isTx = (db: Db): db is Tx => (db as Tx).inTransaction === true;

/** `SELECT pg_notify(…)` statements with literal arguments (for a commit prelude). */
function notifyStatements(messages: SignalMessage[], wake: boolean, literal: (v: string) => string): string[] {
  const calls = (messages.length ? chunks(messages) : []).map((chunk) => `pg_notify('${PUSH_CHANNEL}', ${literal(JSON.stringify({ o: origin, m: chunk }))})`);
  if (wake) calls.push(`pg_notify('${JOBS_CHANNEL}', '')`);
  return calls.length ? [`SELECT ${calls.join(', ')}`] : [];
}

async function sendSignals(db: Db, messages: SignalMessage[], wake: boolean): Promise<void> {
  if (db.dialect === 'postgres') {
    const calls: string[] = [];
    const params: unknown[] = [];
    for (const chunk of messages.length ? chunks(messages) : []) {
      calls.push('pg_notify(?, ?)');
      params.push(PUSH_CHANNEL, JSON.stringify({ o: origin, m: chunk }));
    }
    if (wake) {
      calls.push('pg_notify(?, ?)');
      params.push(JOBS_CHANNEL, '');
    }
    if (calls.length) await rawRun(db, `SELECT ${calls.join(', ')}`, params);
    return;
  }
  if (messages.length) await rawRun(db, `INSERT INTO push_outbox (origin, messages, created_at) VALUES (?, ?, ?)`, [origin, JSON.stringify(messages), Date.now()]);
}

function chunks(messages: SignalMessage[]): SignalMessage[][] {
  const out: SignalMessage[][] = [];
  let current: SignalMessage[] = [];
  let size = 0;
  for (const m of messages) {
    const n = JSON.stringify(m).length + 1;
    if (current.length && size + n > NOTIFY_MAX) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(m);
    size += n;
  }
  if (current.length) out.push(current);
  return out;
}

/** Idle runners of other processes look for work when `tx` commits (one NOTIFY per transaction, at its end). */
export async function wakeRunnersOnCommit(tx: Db): Promise<void> {
  if (tx.dialect !== 'postgres') return;
  if (!isTx(tx)) return sendSignals(tx, [], true);
  pendingOf(tx).wake = true;
}

/** Forget outbox rows older than `before` (every process has read them by then). */
export async function pruneSignals(db: Db, before: number): Promise<void> {
  if (db.dialect === 'sqlite') await rawRun(db, `DELETE FROM push_outbox WHERE created_at < ?`, [before]);
}

export interface SignalHandlers {
  /** Push messages another process committed. */
  onPush?(messages: SignalMessage[]): void;
  /** Something was committed elsewhere that may have made jobs due. */
  onJobs?(): void;
  log?(message: string): void;
}

export interface SignalListener {
  stop(): Promise<void>;
}

/** Listen for other processes' signals on `store` until stopped. */
export async function listenForSignals(store: Store, handlers: SignalHandlers, opts: { pollMs?: number } = {}): Promise<SignalListener> {
  if (store instanceof PostgresStore) return listenPostgres(store, handlers);
  return listenSqlite(store, handlers, opts.pollMs ?? 100);
}

async function listenSqlite(store: Store, h: SignalHandlers, pollMs: number): Promise<SignalListener> {
  const version = async () => (await rawAll<{ data_version: number }>(store, 'PRAGMA data_version'))[0].data_version;
  const maxSeq = async () => (await rawAll<{ s: number | null }>(store, 'SELECT max(seq) AS s FROM push_outbox'))[0].s ?? 0;
  let seen = await version();
  let seq = await maxSeq();
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const poll = async () => {
    const v = await version();
    if (v === seen) return;
    seen = v;
    h.onJobs?.();
    if (!h.onPush) return;
    const rows = await rawAll<{ seq: number; origin: string; messages: string }>(store, 'SELECT seq, origin, messages FROM push_outbox WHERE seq > ? ORDER BY seq', [seq]);
    for (const r of rows) {
      seq = r.seq;
      if (r.origin !== origin) h.onPush(JSON.parse(r.messages) as SignalMessage[]);
    }
  };
  const timer = setInterval(() => {
    if (stopped) return;
    running = running.then(poll).catch((err: Error) => h.log?.(`[signals] polling failed: ${err.message}`));
  }, pollMs);
  timer.unref?.();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

async function listenPostgres(store: PostgresStore, h: SignalHandlers): Promise<SignalListener> {
  let client: pg.Client | null = null;
  let stopped = false;
  let retry: NodeJS.Timeout | null = null;
  let delay = 250;
  const connect = async (): Promise<void> => {
    const c = new pg.Client(store.clientConfig);
    c.on('notification', (n) => {
      if (n.channel === JOBS_CHANNEL) return h.onJobs?.();
      if (n.channel !== PUSH_CHANNEL || !n.payload || !h.onPush) return;
      try {
        const body = JSON.parse(n.payload) as { o: string; m: SignalMessage[] };
        if (body.o !== origin) h.onPush(body.m);
      } catch {
        h.log?.('[signals] an unreadable notification was ignored');
      }
    });
    c.on('error', (err) => {
      h.log?.(`[signals] the listening connection failed (${err.message}); reconnecting`);
      schedule();
    });
    c.on('end', () => schedule());
    await c.connect();
    await c.query(`LISTEN ${PUSH_CHANNEL}`);
    await c.query(`LISTEN ${JOBS_CHANNEL}`);
    client = c;
    delay = 250;
    // Work committed while no connection listened: look once.
    h.onJobs?.();
  };
  const schedule = () => {
    const old = client;
    client = null;
    old?.removeAllListeners('end');
    void old?.end().catch(() => {});
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = null;
      connect().catch((err: Error) => {
        h.log?.(`[signals] cannot listen on the hub (${err.message}); retrying`);
        delay = Math.min(delay * 2, 10_000);
        schedule();
      });
    }, delay);
    retry.unref?.();
  };
  await connect();
  return {
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = null;
      c?.removeAllListeners('end');
      await c?.end().catch(() => {});
    },
  };
}
