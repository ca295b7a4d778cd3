import type { Migration } from '../types.ts';

// Data key fingerprints, sealed custom headers, storage check results (twin of ../sqlite/0007_keys_and_checks.ts,
// which says why each exists). On a hub `storage_checks` stays empty: SQLite's checks do not apply (use
// PostgreSQL's amcheck / pg_amcheck).
export const migration0007: Migration = {
  version: 7,
  name: 'keys_and_checks',
  async up(tx) {
    await tx.script(`
      CREATE TABLE data_keys (
        name TEXT PRIMARY KEY CHECK (name IN ('webhook-secrets', 'audit-signing')),
        fingerprint TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );

      ALTER TABLE webhook_endpoints ADD COLUMN headers_in_clear BOOLEAN NOT NULL DEFAULT false;
      UPDATE webhook_endpoints SET headers_in_clear = true WHERE headers::jsonb <> '{}'::jsonb;

      CREATE TABLE storage_checks (
        kind TEXT PRIMARY KEY CHECK (kind IN ('quick', 'full')),
        ok BOOLEAN NOT NULL,
        problems TEXT NOT NULL DEFAULT '[]' CHECK (problems::jsonb IS NOT NULL),
        checked_at BIGINT NOT NULL,
        duration_ms INTEGER NOT NULL
      );
    `);
  },
};
