import type { Migration } from '../types.ts';

// Webhooks: endpoints, deliveries (one per event × endpoint), attempts (one per HTTP request), and recurring
// tasks (rows with a next run, turned into jobs by the runner). Jobs gain a concurrency key so the claim can
// respect per-endpoint limits (Solid Queue's concurrency controls).
export const migration0002: Migration = {
  version: 2,
  name: 'webhooks',
  async up(tx) {
    await tx.script(`
      CREATE TABLE webhook_endpoints (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        url TEXT NOT NULL CHECK (url LIKE 'http://%' OR url LIKE 'https://%'),
        description TEXT NOT NULL DEFAULT '',
        event_types TEXT NOT NULL CHECK (json_valid(event_types)),
        secret_enc TEXT NOT NULL,
        previous_secret_enc TEXT,
        previous_secret_expires_at INTEGER,
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
        disabled_reason TEXT,
        disabled_at INTEGER,
        retry_schedule TEXT CHECK (retry_schedule IS NULL OR json_valid(retry_schedule)),
        rate_limit INTEGER CHECK (rate_limit IS NULL OR rate_limit > 0),
        concurrency INTEGER NOT NULL DEFAULT 4 CHECK (concurrency BETWEEN 1 AND 64),
        headers TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(headers)),
        network_scope TEXT NOT NULL DEFAULT 'public' CHECK (network_scope IN ('public', 'private', 'loopback')),
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        failing_since INTEGER,
        paused_until INTEGER,
        last_success_at INTEGER,
        last_failure_at INTEGER,
        creator_id TEXT NOT NULL REFERENCES users(id),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX webhook_endpoints_account ON webhook_endpoints(account_id, created_at);

      CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id),
        event_table TEXT,
        event_id TEXT,
        event_type TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivering', 'delivered', 'failed', 'retrying', 'cancelled')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER,
        last_status INTEGER,
        last_error TEXT,
        job_id TEXT,
        delivered_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, created_at DESC, id DESC);
      CREATE INDEX webhook_deliveries_account ON webhook_deliveries(account_id, created_at DESC, id DESC);
      CREATE INDEX webhook_deliveries_failed ON webhook_deliveries(endpoint_id, updated_at) WHERE status = 'failed';
      CREATE INDEX webhook_deliveries_waiting ON webhook_deliveries(account_id, status) WHERE status IN ('pending', 'retrying', 'delivering');
      CREATE INDEX webhook_deliveries_event ON webhook_deliveries(event_id) WHERE event_id IS NOT NULL;

      CREATE TABLE webhook_attempts (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id),
        endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id),
        url TEXT NOT NULL,
        request_headers TEXT NOT NULL CHECK (json_valid(request_headers)),
        body_size INTEGER NOT NULL,
        response_status INTEGER,
        response_headers TEXT CHECK (response_headers IS NULL OR json_valid(response_headers)),
        response_body TEXT,
        response_truncated INTEGER NOT NULL DEFAULT 0,
        error_kind TEXT CHECK (error_kind IS NULL OR error_kind IN ('dns', 'connect', 'tls', 'timeout', 'reset', 'redirect', 'too_large', 'blocked', 'http', 'other')),
        error_message TEXT,
        duration_ms INTEGER NOT NULL,
        trigger TEXT NOT NULL CHECK (trigger IN ('scheduled', 'manual')),
        triggered_by TEXT REFERENCES users(id),
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id, created_at);
      CREATE INDEX webhook_attempts_endpoint ON webhook_attempts(endpoint_id, created_at);

      CREATE TABLE recurring_tasks (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        kind TEXT NOT NULL,
        queue TEXT NOT NULL,
        args TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(args)),
        every_ms INTEGER NOT NULL CHECK (every_ms >= 1000),
        next_run_at INTEGER NOT NULL,
        last_run_at INTEGER,
        last_job_id TEXT,
        created_at INTEGER NOT NULL,
        UNIQUE (account_id, kind)
      ) STRICT;
      CREATE INDEX recurring_tasks_due ON recurring_tasks(next_run_at);

      ALTER TABLE jobs ADD COLUMN concurrency_key TEXT;
      CREATE INDEX jobs_concurrency ON jobs(concurrency_key) WHERE status = 'claimed' AND concurrency_key IS NOT NULL;
      -- The claim reads ready jobs best-first, and the runner's sleep reads the earliest run_at: both from
      -- small partial indexes instead of sorting every ready row. Ties are broken by rowid (the order the jobs
      -- were written), not by id: ids minted in the same millisecond are in random order, and claiming in that
      -- order touched a different page of jobs, this index and webhook_deliveries for every job (about four
      -- times the pages written per commit in the dispatch benchmark).
      CREATE INDEX jobs_ready_priority ON jobs(priority DESC, run_at) WHERE status = 'ready';
      CREATE INDEX jobs_ready_run_at ON jobs(run_at) WHERE status = 'ready';
      -- Replaced by the two partial indexes above (every claim and finish paid for its updates).
      DROP INDEX jobs_due;
    `);
  },
};
