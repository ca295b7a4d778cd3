// Migration 0002 (webhooks), on each store's own DDL: from a store at version 1 with a queued job, to version 2.
import { describe, expect, it } from 'vitest';
import { migrate, openStore, schemaVersion } from '../../db/open.ts';
import { onSqlite, sqlRow, sqlRows, tableNames, tempLocation, testStore } from '../support/workspace.ts';

const ACCOUNT = '019a0000-0000-7000-8000-000000000001';
const USER = '019a0000-0000-7000-8000-000000000003';

describe(`migration 0002 (webhooks) on ${testStore}`, () => {
  it('adds the webhooks tables, recurring tasks and jobs.concurrency_key, keeping queued jobs', async () => {
    const s = await openStore(await tempLocation(), { migrate: false, check: false });
    try {
      await migrate(s, { upTo: 1 });
      expect(await schemaVersion(s)).toBe(1);
      await sqlRows(s, `INSERT INTO accounts (id, name, created_at) VALUES (?, 'Acme', 1)`, ACCOUNT);
      await sqlRows(s, `INSERT INTO users (id, account_id, name, email, created_at) VALUES (?, ?, 'Ana', 'ana@x.test', 1)`, USER, ACCOUNT);
      await sqlRows(
        s,
        `INSERT INTO jobs (id, account_id, queue, kind, args, run_at, created_at) VALUES ('019a0000-0000-7000-8000-000000000002', ?, 'webhooks', 'webhooks.fanout', '{"table":"card_created","eventId":"x"}', 5, 5)`,
        ACCOUNT,
      );
      expect(await tableNames(s)).not.toContain('webhook_endpoints');
      await migrate(s, { upTo: 2 });
      expect(await schemaVersion(s)).toBe(2);
      expect(await tableNames(s)).toEqual(expect.arrayContaining(['webhook_endpoints', 'webhook_deliveries', 'webhook_attempts', 'recurring_tasks']));
      expect(await sqlRow(s, `SELECT status, concurrency_key FROM jobs`)).toEqual({ status: 'ready', concurrency_key: null });
      if (onSqlite) {
        for (const t of ['webhook_endpoints', 'webhook_deliveries', 'webhook_attempts', 'recurring_tasks']) {
          expect((await sqlRow<{ sql: string }>(s, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, t)).sql, t).toMatch(/\bSTRICT\b/);
        }
      }
      // The checks hold: a non-http URL or an unknown scope is refused by the schema itself.
      let n = 0;
      const insert = (url: string, scope: string) =>
        sqlRows(
          s,
          `INSERT INTO webhook_endpoints (id, account_id, url, event_types, secret_enc, network_scope, creator_id, created_at, updated_at)
           VALUES (?, ?, ?, '["*"]', 'v1:x', ?, ?, 1, 1)`,
          `019a0000-0000-7000-8000-0000000001${String(++n).padStart(2, '0')}`, ACCOUNT, url, scope, USER,
        );
      await expect(insert('ftp://x', 'public')).rejects.toThrow(/CHECK constraint/i);
      await expect(insert('https://x', 'everywhere')).rejects.toThrow(/CHECK constraint/i);
      await expect(insert('https://x', 'private')).resolves.toBeDefined();
      expect(await sqlRow(s, `SELECT url, network_scope, status, concurrency FROM webhook_endpoints`)).toEqual({ url: 'https://x', network_scope: 'private', status: 'active', concurrency: 4 });
    } finally {
      await s.close();
    }
  });
});
