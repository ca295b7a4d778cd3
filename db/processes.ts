// The registry of live job runners (table `processes`, migration 0005), as Solid Queue keeps one.
//
// Each runner heartbeats its own row. A row whose heartbeat is older than the stale window belongs to a runner
// that is gone; any runner deletes it, and the claims it held become orphans (db/jobs.ts orphanedClaims) that are
// taken back. On PostgreSQL the heartbeat and the stale check use the server's clock, so runners on machines
// whose clocks disagree still agree on who is alive.
import type { ProcessesTable } from './schema.ts';
import { rawAll, rawRun, type Db } from './sql.ts';

const serverNow = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;

export async function registerProcess(db: Db, row: Omit<ProcessesTable, 'heartbeat_at'>, now: number): Promise<void> {
  if (db.dialect === 'postgres') {
    await rawRun(db, `INSERT INTO processes (id, kind, hostname, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ${serverNow})
      ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`, [row.id, row.kind, row.hostname, row.pid, row.started_at]);
    return;
  }
  await rawRun(db, `INSERT INTO processes (id, kind, hostname, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`, [row.id, row.kind, row.hostname, row.pid, row.started_at, now]);
}

/** Resolves to false when the row is gone (another runner found this one stale): the caller registers again. */
export async function heartbeatProcess(db: Db, id: string, now: number): Promise<boolean> {
  const n = db.dialect === 'postgres'
    ? await rawRun(db, `UPDATE processes SET heartbeat_at = ${serverNow} WHERE id = ?`, [id])
    : await rawRun(db, `UPDATE processes SET heartbeat_at = ? WHERE id = ?`, [now, id]);
  return n === 1;
}

export async function deregisterProcess(db: Db, id: string): Promise<void> {
  await rawRun(db, `DELETE FROM processes WHERE id = ?`, [id]);
}

/** Processes whose heartbeat is older than `staleMs`. */
export function staleProcesses(db: Db, staleMs: number, now: number): Promise<ProcessesTable[]> {
  return db.dialect === 'postgres'
    ? rawAll<ProcessesTable>(db, `SELECT * FROM processes WHERE heartbeat_at < ${serverNow} - ? ORDER BY id`, [staleMs])
    : rawAll<ProcessesTable>(db, `SELECT * FROM processes WHERE heartbeat_at < ? ORDER BY id`, [now - staleMs]);
}

/** Runners that heartbeated within `withinMs` (the dispatchers running anywhere, busy or idle), oldest first. */
export function liveRunners(db: Db, withinMs: number, now: number): Promise<ProcessesTable[]> {
  return db.dialect === 'postgres'
    ? rawAll<ProcessesTable>(db, `SELECT * FROM processes WHERE kind = 'runner' AND heartbeat_at >= ${serverNow} - ? ORDER BY started_at, id`, [withinMs])
    : rawAll<ProcessesTable>(db, `SELECT * FROM processes WHERE kind = 'runner' AND heartbeat_at >= ? ORDER BY started_at, id`, [now - withinMs]);
}

export function listProcesses(db: Db): Promise<ProcessesTable[]> {
  return rawAll<ProcessesTable>(db, `SELECT * FROM processes ORDER BY started_at, id`);
}

/** Delete a gone process's row (only if it is still stale: it may have come back). */
export async function removeStaleProcess(db: Db, id: string, staleMs: number, now: number): Promise<boolean> {
  const n = db.dialect === 'postgres'
    ? await rawRun(db, `DELETE FROM processes WHERE id = ? AND heartbeat_at < ${serverNow} - ?`, [id, staleMs])
    : await rawRun(db, `DELETE FROM processes WHERE id = ? AND heartbeat_at < ?`, [id, now - staleMs]);
  return n === 1;
}

/** Processes whose heartbeat is younger than `aliveMs` (someone is running on this workspace). */
export function activeProcesses(db: Db, aliveMs: number, now: number): Promise<ProcessesTable[]> {
  return db.dialect === 'postgres'
    ? rawAll<ProcessesTable>(db, `SELECT * FROM processes WHERE heartbeat_at >= ${serverNow} - ? ORDER BY id`, [aliveMs])
    : rawAll<ProcessesTable>(db, `SELECT * FROM processes WHERE heartbeat_at >= ? ORDER BY id`, [now - aliveMs]);
}
