import type { Migration } from '../types.ts';

// Data key fingerprints, sealed custom headers, storage check results. (Version 6 belongs to another change; the
// runner applies whatever versions are pending, in order.)
// - `data_keys`: the fingerprint of each data key (webhook-secrets.key, audit-signing.key) that sealed rows of
//   this workspace, so a process with a missing or different key file says so instead of making a new key over
//   them (main/crypto/key-guard.ts). Only fingerprints: a key never enters the database.
// - `webhook_endpoints.headers_in_clear`: custom header values are sealed with the webhook data key from now on
//   (`headers` holds {name: sealed value}). Rows written before this version hold clear values; they are marked
//   here and sealed at the first open that has the key (main/webhooks/headers.ts): a migration runs in db/,
//   without key files (and `chronicle migrate` on a hub may run where none is), so it cannot encrypt.
// - `storage_checks`: the last quick and full integrity check of the file (SQLite's quick_check and
//   integrity_check), shown in Settings; a hub keeps the table empty (PostgreSQL has its own tools).
export const migration0007: Migration = {
  version: 7,
  name: 'keys_and_checks',
  async up(tx) {
    await tx.script(`
      CREATE TABLE data_keys (
        name TEXT PRIMARY KEY CHECK (name IN ('webhook-secrets', 'audit-signing')),
        fingerprint TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;

      ALTER TABLE webhook_endpoints ADD COLUMN headers_in_clear INTEGER NOT NULL DEFAULT 0 CHECK (headers_in_clear IN (0, 1));
      UPDATE webhook_endpoints SET headers_in_clear = 1 WHERE headers <> '{}';

      CREATE TABLE storage_checks (
        kind TEXT PRIMARY KEY CHECK (kind IN ('quick', 'full')),
        ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
        problems TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(problems)),
        checked_at INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
