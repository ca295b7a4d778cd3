// Backups of a workspace file with its key files, restoring one (the restored workspace reveals its secrets and
// signs webhooks and review bundles with the same keys), refusals with sentences, and the copy taken before a
// migration changes an existing file. Real files, real `chronicle` processes, a real receiver.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { KEEP_PRE_MIGRATION } from '../../db/backup.ts';
import { latestVersion } from '../../db/migrations/index.ts';
import { migrate, openStore, schemaVersion } from '../../db/open.ts';
import { createApp } from '../../main/app.ts';
import { SIGNING_KEY_FILE } from '../../main/audit/keys.ts';
import { KEY_FILE } from '../../main/webhooks/secrets.ts';
import { hasNoStack, runChronicle } from '../support/cli.ts';
import { caller, onSqlite, openTestApp, sqlCount, tempDir } from '../support/workspace.ts';
import { receiver, startRunner, waitFor, type Receiver } from './webhooks-support.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});
const keep = <T extends { close(): Promise<unknown> }>(x: T) => (cleanups.push(() => x.close()), x);
const mode = (f: string) => (fs.statSync(f).mode & 0o777).toString(8);

/** A workspace with an endpoint (signing secret, custom header) and a review bundle exported (audit key made). */
async function workspaceWithSecrets(rx: Receiver) {
  const app = await openTestApp({ events: 40 });
  const { call } = await caller(app);
  const ep = await call('webhooks.endpoints.create', { url: rx.url, eventTypes: ['*'], networkScope: 'loopback', headers: { 'X-Api-Token': 'tok-backup-1' } });
  const bundle = await call('audit.export', {});
  return { app, ep, fingerprint: bundle.manifest.fingerprint };
}

function onlyBackupIn(out: string): string {
  const names = fs.readdirSync(out);
  expect(names).toHaveLength(1);
  return path.join(out, names[0]);
}

describe.runIf(onSqlite)('chronicle backup and restore', () => {
  it('a backup taken while the workspace is open, restored elsewhere: secrets reveal, webhooks and bundles sign with the same keys', async () => {
    const rx = await receiver();
    cleanups.push(() => rx.close());
    const { app, ep, fingerprint } = await workspaceWithSecrets(rx);
    cleanups.push(() => app.close());
    const out = tempDir('chronicle-backups-');
    const r = await runChronicle(['backup', '--db', app.connectTo, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const folder = onlyBackupIn(out);
    expect(path.basename(folder)).toMatch(/^workspace-backup-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/);
    expect(r.stdout).toContain(`Backed up ${app.connectTo} (schema ${latestVersion}, `);
    expect(r.stdout).toContain(folder);
    expect(fs.readdirSync(folder).sort()).toEqual([SIGNING_KEY_FILE, 'backup.json', KEY_FILE, 'workspace.db'].sort());
    expect(mode(folder)).toBe('700');
    for (const f of fs.readdirSync(folder)) expect(mode(path.join(folder, f)), f).toBe('600');
    const manifest = JSON.parse(fs.readFileSync(path.join(folder, 'backup.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'chronicle.backup.v1', source: app.connectTo, database: 'workspace.db', schemaVersion: latestVersion });
    expect(manifest.keys.map((k: { file: string }) => k.file).sort()).toEqual([SIGNING_KEY_FILE, KEY_FILE].sort());
    expect(Object.keys(manifest.recordedFingerprints).sort()).toEqual(['audit-signing', 'webhook-secrets']);
    // The copy is a sound database holding the same rows.
    const copy = new Database(path.join(folder, 'workspace.db'), { readonly: true });
    expect(copy.pragma('quick_check', { simple: true })).toBe('ok');
    expect((copy.prepare('SELECT count(*) AS n FROM activities').get() as { n: number }).n).toBe(await sqlCount(app, 'SELECT count(*) AS n FROM activities'));
    copy.close();
    await app.close();

    // Another machine: a new file and a new data folder.
    const target = path.join(tempDir('chronicle-restored-'), 'restored.db');
    const keys = tempDir('chronicle-restored-keys-');
    const rr = await runChronicle(['restore', '--from', folder, '--db', target, '--data-dir', keys]);
    expect(rr.code, rr.stderr).toBe(0);
    expect(rr.stdout).toContain(`Restored ${target} (schema ${latestVersion}) from ${folder}.`);
    expect(mode(target)).toBe('600');
    expect(mode(path.join(keys, KEY_FILE))).toBe('600');

    const restored = keep(await createApp({ location: target, dataDir: keys, background: false }));
    const { call } = await caller(restored);
    expect((await call('webhooks.endpoints.revealSecret', { endpointId: ep.id })).secret).toBe(ep.secret);
    expect((await call('webhooks.endpoints.revealHeaders', { endpointId: ep.id })).headers).toEqual({ 'X-Api-Token': 'tok-backup-1' });
    // A delivery from the restored workspace is signed with the endpoint's secret (the receiver's verifier agrees).
    const runner = await startRunner(restored);
    cleanups.push(() => runner.stop());
    await call('webhooks.endpoints.sendTest', { endpointId: ep.id });
    const req = await waitFor(() => rx.requests[0], 'the test delivery');
    const headers = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
    expect(new Webhook(ep.secret).verify(req.body, headers)).toMatchObject({ type: expect.any(String) });
    expect(req.headers['x-api-token']).toBe('tok-backup-1');
    // Review bundles are signed with the same audit key.
    expect((await call('audit.export', {})).manifest.fingerprint).toBe(fingerprint);
  });

  it('refuses, with a sentence and changing nothing: a running workspace, one changed after the backup; --force keeps the old one aside', async () => {
    const rx = await receiver();
    cleanups.push(() => rx.close());
    const { app } = await workspaceWithSecrets(rx);
    const file = app.connectTo;
    const out = tempDir('chronicle-backups-');
    expect((await runChronicle(['backup', '--db', file, '--out', out])).code).toBe(0);
    const folder = onlyBackupIn(out);
    // Changed after the backup.
    const { call } = await caller(app);
    const board = (await call('boards.list', {})).items.find((b) => !b.archived)!;
    const columnId = (await call('boards.get', { boardId: board.id })).columns[0].id;
    await call('cards.create', { boardId: board.id, columnId, title: 'After the backup' });
    await app.close();

    // Running: a dispatcher heartbeats in the workspace.
    const running = keep(await openTestApp({ location: file, demo: false }));
    const runner = await startRunner(running);
    const busy = await runChronicle(['restore', '--from', folder, '--db', file, '--force']);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(new RegExp(`^chronicle restore: Chronicle is running on ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(runner \\(pid \\d+ on .+\\)\\): stop it before restoring, so nothing it writes is lost or mixed into the restored file\\. Nothing was changed\\.\\n$`));
    await runner.stop();
    await running.close();

    const before = fs.readFileSync(file);
    const newer = await runChronicle(['restore', '--from', folder, '--db', file]);
    expect(newer.code).toBe(1);
    expect(newer.stderr).toContain(`chronicle restore: ${file} was changed at `);
    expect(newer.stderr).toContain('after the backup was taken');
    expect(newer.stderr).toContain('Nothing was changed; add --force to replace it anyway');
    expect(hasNoStack(newer.stderr)).toBe(true);
    expect(fs.readFileSync(file).equals(before)).toBe(true);

    const forced = await runChronicle(['restore', '--from', folder, '--db', file, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    // The file and whatever side files it had (-wal, -shm) are moved aside together.
    const aside = fs.readdirSync(path.dirname(file)).filter((n) => /^workspace\.db\.before-restore-[^.]*Z$/.test(n));
    expect(aside).toHaveLength(1);
    expect(fs.readFileSync(path.join(path.dirname(file), aside[0])).equals(before)).toBe(true);
    const s = await openStore(file);
    try {
      expect(await sqlCount(s, `SELECT count(*) AS n FROM cards WHERE title = 'After the backup'`)).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('a hub is backed up with pg_dump: both commands refuse a postgres:// location with that sentence', async () => {
    for (const args of [['backup', '--db', 'postgres://u:secret@127.0.0.1:5432/chronicle', '--out', tempDir()], ['restore', '--from', tempDir(), '--db', 'postgres://u:secret@127.0.0.1:5432/chronicle']]) {
      const r = await runChronicle(args);
      expect(r.code, args[0]).toBe(1);
      expect(r.stderr).toBe(`chronicle ${args[0]}: A PostgreSQL hub is backed up with pg_dump (and restored with pg_restore), not with Chronicle: keep a copy of the data folder that holds its key files beside the dump.\n`);
    }
  });
});

describe.runIf(onSqlite)('partial files of killed exports and backups', () => {
  it('are removed when the workspace opens (a live process’s are kept)', async () => {
    const { connectTo: file, dataDir } = await openTestApp({ events: 5 }).then(async (a) => (await a.close(), a));
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const bundles = path.join(dataDir, 'bundles');
    const backups = path.join(path.dirname(file), 'backups');
    fs.mkdirSync(bundles, { recursive: true });
    fs.mkdirSync(path.join(backups, `workspace-backup-2026-01-01T00-00-00-000Z.partial-${gone}`), { recursive: true });
    fs.mkdirSync(path.join(backups, `workspace-backup-2026-01-02T00-00-00-000Z.partial-${process.pid}`), { recursive: true });
    fs.writeFileSync(path.join(bundles, `acme.chronicle-bundle.partial-${gone}-0badf00d`), 'half a bundle');
    keep(await createApp({ location: file, dataDir, background: false }));
    expect(fs.readdirSync(bundles)).toEqual([]);
    expect(fs.readdirSync(backups)).toEqual([`workspace-backup-2026-01-02T00-00-00-000Z.partial-${process.pid}`]);
  });
});

describe.runIf(onSqlite)('the copy taken before a migration', () => {
  /** A workspace file at schema 5 (before this branch's migration 7). */
  async function fileAtVersion5(file: string) {
    const s = await openStore(file, { migrate: false, check: false });
    await migrate(s, { upTo: 5 });
    await s.close();
  }

  it('an existing file is copied (0600, its old schema) before it is migrated; the last few copies are kept; a new file is not', async () => {
    const dir = tempDir('chronicle-premigrate-');
    const file = path.join(dir, 'w.db');
    const backups = path.join(dir, 'backups');
    await (await openStore(path.join(dir, 'new.db'))).close();
    expect(fs.existsSync(backups)).toBe(false); // nothing to keep of a file that was empty

    for (let i = 0; i < KEEP_PRE_MIGRATION + 2; i++) {
      fs.rmSync(file, { force: true });
      await fileAtVersion5(file);
      const s = await openStore(file);
      expect(await schemaVersion(s)).toBe(latestVersion);
      await s.close();
      await new Promise((r) => setTimeout(r, 5)); // distinct times in the names
    }
    const copies = fs.readdirSync(backups).sort();
    expect(copies).toHaveLength(KEEP_PRE_MIGRATION);
    for (const c of copies) {
      expect(c).toMatch(new RegExp(`^w\\.db\\.before-v${latestVersion}-from-v5\\.\\d{4}-.*Z\\.db$`));
      expect(mode(path.join(backups, c))).toBe('600');
      const db = new Database(path.join(backups, c), { readonly: true });
      expect(db.pragma('user_version', { simple: true })).toBe(5);
      db.close();
    }
    // An up-to-date file is opened without a copy.
    await (await openStore(file)).close();
    expect(fs.readdirSync(backups)).toHaveLength(KEEP_PRE_MIGRATION);

    // chronicle restore takes such a copy too (keys stay as they are in the data folder).
    const r = await runChronicle(['restore', '--from', path.join(backups, copies[0]), '--db', path.join(dir, 'back.db')]);
    expect(r.code, r.stderr).toBe(0);
    const back = new Database(path.join(dir, 'back.db'), { readonly: true });
    expect(back.pragma('user_version', { simple: true })).toBe(5);
    back.close();
    // Over the migrated file (schema newer than the copy's): refused without --force, the file untouched.
    const before = fs.readFileSync(file);
    const newer = await runChronicle(['restore', '--from', path.join(backups, copies[0]), '--db', file]);
    expect(newer.code).toBe(1);
    expect(newer.stderr).toBe(`chronicle restore: ${file} has a newer schema (${latestVersion}) than the backup (5). Nothing was changed; add --force to replace it anyway (it is kept aside as ${newer.stderr.match(/kept aside as (w\.db\.before-restore-\S+Z)\)/)?.[1]}).\n`);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('chronicle migrate copies the file first and says where', async () => {
    const dir = tempDir('chronicle-premigrate-');
    const file = path.join(dir, 'w.db');
    await fileAtVersion5(file);
    const r = await runChronicle(['migrate', '--db', file]);
    expect(r.code, r.stderr).toBe(0);
    const [copy] = fs.readdirSync(path.join(dir, 'backups'));
    expect(r.stdout).toContain(`Copied ${file} to ${path.join(dir, 'backups', copy)} before migrating.`);
  });
});
