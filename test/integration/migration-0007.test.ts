// Migration 0007 (data key fingerprints, sealed custom headers, storage checks), on each store's own DDL: from a
// store at version 5 holding endpoints with and without custom headers, to version 7.
import { describe, expect, it } from 'vitest';
import { migrate, openStore, schemaVersion } from '../../db/open.ts';
import { bool } from '../../db/sql.ts';
import { onSqlite, sqlRow, sqlRows, tableNames, tempLocation, testStore } from '../support/workspace.ts';

const ACCOUNT = '019a0000-0000-7000-8000-000000000001';
const USER = '019a0000-0000-7000-8000-000000000003';
const WITH_HEADERS = '019a0000-0000-7000-8000-000000000101';
const WITHOUT = '019a0000-0000-7000-8000-000000000102';

describe(`migration 0007 (keys and checks) on ${testStore}`, () => {
  it('adds data_keys and storage_checks, and marks endpoints whose headers are still in clear', async () => {
    const s = await openStore(await tempLocation(), { migrate: false, check: false });
    try {
      await migrate(s, { upTo: 5 });
      expect(await schemaVersion(s)).toBe(5);
      await sqlRows(s, `INSERT INTO accounts (id, name, created_at) VALUES (?, 'Acme', 1)`, ACCOUNT);
      await sqlRows(s, `INSERT INTO users (id, account_id, name, email, created_at) VALUES (?, ?, 'Ana', 'ana@x.test', 1)`, USER, ACCOUNT);
      const insert = (id: string, headers: string) =>
        sqlRows(
          s,
          `INSERT INTO webhook_endpoints (id, account_id, url, event_types, secret_enc, headers, network_scope, creator_id, created_at, updated_at)
           VALUES (?, ?, 'https://x.test/h', '["*"]', 'v1:x', ?, 'public', ?, 1, 1)`,
          id, ACCOUNT, headers, USER,
        );
      await insert(WITH_HEADERS, '{"X-Api-Token":"tok-123"}');
      await insert(WITHOUT, '{}');
      expect(await tableNames(s)).not.toContain('data_keys');

      await migrate(s, { upTo: 7 });
      expect(await schemaVersion(s)).toBe(7);
      expect(await tableNames(s)).toEqual(expect.arrayContaining(['data_keys', 'storage_checks']));
      const rows = await sqlRows<{ id: string; headers: string; headers_in_clear: unknown }>(s, `SELECT id, headers, headers_in_clear FROM webhook_endpoints ORDER BY id`);
      expect(rows.map((r) => [r.id, r.headers, bool(r.headers_in_clear)])).toEqual([
        [WITH_HEADERS, '{"X-Api-Token":"tok-123"}', true], // sealed at the first open with the key, not here
        [WITHOUT, '{}', false],
      ]);
      // A new row is sealed unless it says otherwise.
      await sqlRows(
        s,
        `INSERT INTO webhook_endpoints (id, account_id, url, event_types, secret_enc, network_scope, creator_id, created_at, updated_at) VALUES ('019a0000-0000-7000-8000-000000000103', ?, 'https://x.test/h', '["*"]', 'v1:x', 'public', ?, 1, 1)`,
        ACCOUNT, USER,
      );
      expect(bool((await sqlRow(s, `SELECT headers_in_clear FROM webhook_endpoints WHERE id = '019a0000-0000-7000-8000-000000000103'`)).headers_in_clear)).toBe(false);

      // The checks hold: only known key names, valid JSON problems, a kind of check.
      await sqlRows(s, `INSERT INTO data_keys (name, fingerprint, created_at) VALUES ('webhook-secrets', 'AB12 CD34', 1)`);
      await expect(sqlRows(s, `INSERT INTO data_keys (name, fingerprint, created_at) VALUES ('other', 'x', 1)`)).rejects.toThrow(/check constraint/i);
      await expect(sqlRows(s, `INSERT INTO data_keys (name, fingerprint, created_at) VALUES ('webhook-secrets', 'EF56', 1)`)).rejects.toThrow(/unique|primary key|duplicate/i);
      await sqlRows(s, `INSERT INTO storage_checks (kind, ok, problems, checked_at, duration_ms) VALUES ('full', ?, '[]', 1, 2)`, true);
      await expect(sqlRows(s, `INSERT INTO storage_checks (kind, ok, problems, checked_at, duration_ms) VALUES ('weekly', ?, '[]', 1, 2)`, true)).rejects.toThrow(/check constraint/i);
      await expect(sqlRows(s, `INSERT INTO storage_checks (kind, ok, problems, checked_at, duration_ms) VALUES ('quick', ?, 'not json', 1, 2)`, false)).rejects.toThrow(/check constraint|invalid input syntax for type json/i);
      if (onSqlite) {
        for (const t of ['data_keys', 'storage_checks']) {
          expect((await sqlRow<{ sql: string }>(s, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, t)).sql, t).toMatch(/\bSTRICT\b/);
        }
      }
    } finally {
      await s.close();
    }
  });
});
