// Migration 0002 (webhooks): from a file at version 1 with a queued job, to version 2.
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase, schemaVersion } from '../../db/open.ts';
import { tempDbFile } from '../support/workspace.ts';

describe('migration 0002 (webhooks)', () => {
  it('adds the webhooks tables, recurring tasks and jobs.concurrency_key, keeping queued jobs', () => {
    const file = tempDbFile();
    const s = openDatabase(file, { migrate: false });
    migrate(s, file, 1);
    s.prepare(`INSERT INTO accounts (id, name, created_at) VALUES ('019a0000-0000-7000-8000-000000000001', 'Acme', 1)`).run();
    s.prepare(
      `INSERT INTO jobs (id, account_id, queue, kind, args, run_at, created_at) VALUES ('019a0000-0000-7000-8000-000000000002', '019a0000-0000-7000-8000-000000000001', 'webhooks', 'webhooks.fanout', '{"table":"card_created","eventId":"x"}', 5, 5)`,
    ).run();
    migrate(s, file, 2);
    expect(schemaVersion(s)).toBe(2);
    const tables = (s.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['webhook_endpoints', 'webhook_deliveries', 'webhook_attempts', 'recurring_tasks']));
    expect(s.prepare(`SELECT status, concurrency_key FROM jobs`).get()).toEqual({ status: 'ready', concurrency_key: null });
    // STRICT tables and checks hold: a non-http URL or an unknown scope is refused by the schema itself.
    const insert = (url: string, scope: string) =>
      s.prepare(
        `INSERT INTO webhook_endpoints (id, account_id, url, event_types, secret_enc, network_scope, creator_id, created_at, updated_at)
         VALUES (lower(hex(randomblob(16))), '019a0000-0000-7000-8000-000000000001', ?, '["*"]', 'v1:x', ?, 'nobody', 1, 1)`,
      ).run(url, scope);
    s.pragma('foreign_keys = OFF');
    expect(() => insert('ftp://x', 'public')).toThrow(/CHECK/);
    expect(() => insert('https://x', 'everywhere')).toThrow(/CHECK/);
    expect(() => insert('https://x', 'private')).not.toThrow();
    s.close();
  });
});
