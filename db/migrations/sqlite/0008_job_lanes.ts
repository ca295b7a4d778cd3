import type { Migration } from '../types.ts';

// Two lanes for the claim (db/jobs.ts dueJobs, keysWithReadyJobs, dueJobsOfKey): jobs without a concurrency key
// (fan-out, notifications, maintenance) are read best-first from their own partial index, so a backlog of
// deliveries never hides them; jobs with a key (deliveries to an endpoint) are indexed by key first, so a claim
// visits each endpoint with work in a few index seeks and reads only the jobs it will take, however long one slow
// or paused endpoint's backlog is. Claims are taken back by the process registry (0005), not by heartbeat times.
export const migration0008: Migration = {
  version: 8,
  name: 'job lanes',
  async up(tx) {
    await tx.script(`
      DROP INDEX jobs_ready_priority;
      DROP INDEX jobs_claimed;
      CREATE INDEX jobs_ready_unkeyed ON jobs(priority DESC, run_at) WHERE status = 'ready' AND concurrency_key IS NULL;
      CREATE INDEX jobs_ready_keyed ON jobs(concurrency_key, priority DESC, run_at) WHERE status = 'ready' AND concurrency_key IS NOT NULL;
    `);
  },
};
