import type { Migration } from '../types.ts';

// Two lanes for the claim (twin of ../sqlite/0008_job_lanes.ts); ties in write order (`seq`).
export const migration0008: Migration = {
  version: 8,
  name: 'job lanes',
  async up(tx) {
    await tx.script(`
      DROP INDEX jobs_ready_priority;
      DROP INDEX jobs_claimed;
      CREATE INDEX jobs_ready_unkeyed ON jobs(priority DESC, run_at, seq) WHERE status = 'ready' AND concurrency_key IS NULL;
      CREATE INDEX jobs_ready_keyed ON jobs(concurrency_key, priority DESC, run_at, seq) WHERE status = 'ready' AND concurrency_key IS NOT NULL;
    `);
  },
};
