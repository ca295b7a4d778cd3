// Settings → Backups through the contract, on both stores: a file is backed up with progress and its key files,
// only by owners and admins; a hub says that its backups are pg_dump's job and refuses both actions.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../main/app.ts';
import { markStorageDamaged } from '../../main/storage/health.ts';
import { caller, onPostgres, onSqlite, openTestApp, sqlRow } from '../support/workspace.ts';

let app: App;
beforeAll(async () => {
  app = await openTestApp({ events: 60 });
});
afterAll(async () => {
  await app.close();
});

async function errorOf(method: string, input: unknown, slot?: Awaited<ReturnType<typeof caller>>['slot']) {
  const r = await (await caller(app, slot)).raw(method, input);
  return r.ok ? { code: 'ok', message: '' } : r.error;
}

async function memberSlot() {
  const account = (await app.defaultSession())!.accountId;
  const m = await sqlRow<{ user_id: string }>(app, `SELECT user_id FROM memberships WHERE account_id = ? AND role = 'member' ORDER BY id LIMIT 1`, account);
  return { session: { accountId: account, userId: m.user_id } };
}

describe.runIf(onSqlite)('Settings → Backups on a workspace file', () => {
  it('an admin backs up with progress; the backup is listed with its key files and the restore command', async () => {
    const { call } = await caller(app);
    await call('webhooks.endpoints.create', { url: 'https://hooks.example.com/b', eventTypes: ['*'] });
    const fractions: number[] = [];
    const off = app.push.subscribe((_a, topic, payload) => {
      if (topic === 'storage.progress' && (payload as { runId: string }).runId === 'run-1') fractions.push((payload as { fraction: number }).fraction);
    });
    const r = await call('storage.backup', { runId: 'run-1' });
    off();
    expect(fractions.at(-1)).toBe(1);
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1])).toBe(true);
    expect(r.warnings).toEqual([]);
    expect(r.keyFiles).toEqual(['webhook-secrets.key']);
    expect(path.dirname(r.folder)).toBe(path.join(path.dirname(app.location), 'backups'));
    expect(fs.readdirSync(r.folder).sort()).toEqual(['backup.json', 'webhook-secrets.key', path.basename(app.location)].sort());

    const s = await call('storage.status', {});
    expect(s).toMatchObject({ kind: 'file', canManage: true, damage: null, backupsNote: null, backupsFolder: path.dirname(r.folder) });
    expect(s.backups[0]).toEqual({ folder: r.folder, createdAt: r.createdAt, bytes: r.bytes, schemaVersion: r.schemaVersion, keyFiles: ['webhook-secrets.key'] });
    expect(s.restoreCommand).toBe(`chronicle restore --from ${r.folder} --db ${app.location}`);
    expect(s.keys.map((k) => [k.label, k.state])).toEqual([['The webhook secrets key', 'ok'], ['The audit signing key', 'unused']]);

    const check = await call('storage.check', { kind: 'full' });
    expect(check).toMatchObject({ kind: 'full', ok: true, problems: [] });
    expect((await call('storage.status', {})).checks.find((c) => c.kind === 'full')).toMatchObject({ ok: true });
  });

  it('a member sees the damage state and checks but no keys or backups, and may not back up or check', async () => {
    const slot = await memberSlot();
    const s = await (await caller(app, slot)).call('storage.status', {});
    expect(s).toMatchObject({ kind: 'file', canManage: false, backups: [], keys: [], backupsFolder: null, restoreCommand: null });
    for (const m of ['storage.backup', 'storage.check']) {
      expect(await errorOf(m, {}, slot), m).toEqual({ code: 'forbidden', message: 'Only owners and admins of this account can do this; you are a member.' });
    }
  });

  it('once damage is known, status says so and the restore command replaces the damaged file (--force)', async () => {
    markStorageDamaged(app, { sentence: 'Test: the file is damaged.', problems: ['Tree 9 page 9: btreeInitPage() returns error code 11'] });
    const s = await (await caller(app)).call('storage.status', {});
    expect(s.damage).toMatchObject({ sentence: 'Test: the file is damaged.', problems: ['Tree 9 page 9: btreeInitPage() returns error code 11'] });
    expect(s.restoreCommand).toMatch(/ --force$/);
    // A backup can still be taken (of what can be read); changes cannot.
    expect((await errorOf('projects.create', { name: 'After damage' })).code).toBe('storage_corrupt');
  });
});

describe.runIf(onPostgres)('Settings → Backups on a hub', () => {
  it('says that backups are pg_dump’s job and refuses a backup or check with that sentence', async () => {
    const s = await (await caller(app)).call('storage.status', {});
    expect(s).toMatchObject({ kind: 'hub', canManage: true, checks: [], backups: [], backupsFolder: null, restoreCommand: null, damage: null });
    expect(s.backupsNote).toBe('A PostgreSQL hub is backed up with pg_dump (and restored with pg_restore), not with Chronicle: keep a copy of the data folder that holds its key files beside the dump.');
    expect(await errorOf('storage.backup', {})).toEqual({ code: 'invalid_input', message: s.backupsNote });
    expect((await errorOf('storage.check', {})).message).toContain('pg_amcheck');
  });
});
