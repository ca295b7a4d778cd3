import type { Migration } from '../types.ts';

// Processes and throttles of the job queue (Solid Queue's processes table).
// - `processes`: every job runner registers itself and heartbeats its own row (one write per interval, however
//   many jobs it runs). A runner that stops heartbeating is gone: any runner deletes its row and takes its claims
//   back within seconds, and a starting runner does so at once for processes that are gone.
// - `job_throttles`: the next free send slot per concurrency key with a rate limit, shared by every runner, so
//   an endpoint's rate limit holds across all dispatchers together.
// - `push_outbox` (SQLite only): what a process committed that the windows of OTHER processes on the same file
//   must hear (a new activity, a delivery's progress); each process polls it when the file's data_version moves.
//   PostgreSQL hubs use LISTEN/NOTIFY instead, so the table has no twin there. Rows live for a minute.
export const migration0005: Migration = {
  version: 5,
  name: 'processes',
  async up(tx) {
    await tx.script(`
      CREATE TABLE processes (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        hostname TEXT NOT NULL,
        pid INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        heartbeat_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX processes_heartbeat ON processes(heartbeat_at);

      CREATE TABLE job_throttles (
        key TEXT PRIMARY KEY,
        next_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;

      CREATE INDEX jobs_claimed_by ON jobs(claimed_by) WHERE status = 'claimed';

      CREATE TABLE push_outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        origin TEXT NOT NULL,
        messages TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
