// Offline review from a hub, desktop side (main/hub-client/desktop.ts, Electron-free): connected to a real hub
// (`chronicle serve`, a real process), *Download for offline review* fetches a signed bundle of the account's
// trail for a date range, verifies it on arrival against the hub's own key, keeps it per hub account, and offers
// and opens it read-only when the hub cannot be reached. A bundle that does not verify is never kept or opened.
import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../main/app.ts';
import type { Encrypter } from '../../main/crypto/at-rest.ts';
import { DesktopHub, HubCredentials } from '../../main/hub-client/desktop.ts';
import { checkArrivedBundle } from '../../main/hub-client/offline.ts';
import { invoke } from '../../main/rpc.ts';
import { serveChronicle, stopChild } from '../support/cli.ts';
import { onPostgres, tempDir, tempLocation } from '../support/workspace.ts';

const root = path.resolve(import.meta.dirname, '../..');
const built = fs.existsSync(path.join(root, 'out/renderer/index.html'));

/** A keychain stand-in: AES-GCM under a key of this test, as safeStorage's is the OS's. */
function testKeychain(): Encrypter {
  const key = crypto.randomBytes(32);
  return {
    name: 'test-keychain',
    isAvailable: () => true,
    encrypt(plain) {
      const iv = crypto.randomBytes(12);
      const c = crypto.createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decrypt(cipher) {
      const d = crypto.createDecipheriv('aes-256-gcm', key, cipher.subarray(0, 12));
      d.setAuthTag(cipher.subarray(12, 28));
      return Buffer.concat([d.update(cipher.subarray(28)), d.final()]);
    },
  };
}

const children: ChildProcess[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map(stopChild));
});

async function serveHub(token: string) {
  const location = await tempLocation();
  const keys = tempDir('chronicle-hub-keys-');
  const { child, url } = await serveChronicle(['--db', location, '--data-dir', keys, '--demo', '--port', '0', '--token', token], children);
  return { child, origin: url.origin, keys };
}

describe.skipIf(!built)(`offline review from a hub (${onPostgres ? 'PostgreSQL' : 'SQLite file'})`, { timeout: 180_000 }, () => {
  it('downloads a verified bundle for a date range, keeps it per hub account, offers and opens it read-only while the hub is away', async () => {
    const token = 'personal-token-offline-0123';
    const hub = await serveHub(token);
    const dir = tempDir('chronicle-desk-');
    const opened: string[] = [];
    const desktop = new DesktopHub({
      credentials: new HubCredentials(path.join(dir, 'hub'), testKeychain()),
      offlineDir: path.join(dir, 'hub', 'offline'),
      openBundle: async (file) => void opened.push(file),
      readRetryDelaysMs: [50],
      log: () => {},
    });
    const pushes: { topic: string; payload: any }[] = [];
    desktop.attachWindow('1', (topic, payload) => pushes.push({ topic, payload }));
    const local = async () => ({ ok: false as const, error: { code: 'internal', message: 'the local workspace must not be asked while connected' } });
    const call = (method: string, input: unknown = {}) => desktop.invoke('1', method, input, local);

    expect(await call('connection.connect', { url: hub.origin, token })).toMatchObject({ ok: true, result: { hub: { url: hub.origin, offline: null } } });
    const nothingYet = await call('connection.openOffline');
    expect(nothingYet).toMatchObject({ ok: false, error: { code: 'not_found' } });

    const session = (await call('session.get')) as { ok: true; result: { account: { id: string; name: string } } };
    const from = new Date(Date.now() - 30 * 86_400_000).toISOString();
    const to = new Date().toISOString();
    const got = await call('connection.downloadOffline', { from, to });
    expect(got).toMatchObject({ ok: true, result: { account: session.result.account, range: { from, to } } });
    const copy = (got as { ok: true; result: { links: number; fingerprint: string; bytes: number } }).result;
    expect(copy.links).toBeGreaterThan(0);
    // The hub keeps no file per download.
    expect(fs.readdirSync(path.join(hub.keys, 'bundles'))).toEqual([]);
    const kept = fs.readdirSync(path.join(dir, 'hub', 'offline')).filter((f) => f.endsWith('.chronicle-bundle'));
    expect(kept).toHaveLength(1);
    const file = path.join(dir, 'hub', 'offline', kept[0]!);
    expect(fs.statSync(file).size).toBe(copy.bytes);

    // A second download replaces the first: one copy per hub account.
    expect((await call('connection.downloadOffline', {})).ok).toBe(true);
    expect(fs.readdirSync(path.join(dir, 'hub', 'offline')).filter((f) => f.endsWith('.chronicle-bundle'))).toEqual(kept);

    // The hub goes away: reads fail with hub_unreachable, and the state offers the offline copy.
    await stopChild(hub.child);
    expect(await call('boards.list')).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    const down = (await call('connection.get')) as { ok: true; result: { hub: { reachable: boolean; offline: { account: { name: string } } | null } } };
    expect(down.result.hub.reachable).toBe(false);
    expect(down.result.hub.offline?.account.name).toBe(session.result.account.name);
    expect(pushes.some((p) => p.topic === 'connection.changed' && p.payload.hub.reachable === false && p.payload.hub.offline)).toBe(true);

    expect(await call('connection.openOffline')).toEqual({ ok: true, result: { opened: true } });
    expect(opened).toEqual([file]);
    // What opens is a read-only review bundle of that account, whose chain verifies.
    const bundle = await createApp({ location: file, readonly: true, migrate: false, background: false });
    try {
      const slot = { session: await bundle.defaultSession() };
      expect(await invoke(bundle, slot, 'session.get', {})).toMatchObject({ ok: true, result: { readOnly: true, account: { name: session.result.account.name } } });
      expect(await invoke(bundle, slot, 'audit.verify', {})).toMatchObject({ ok: true, result: { ok: true } });
      expect(await invoke(bundle, slot, 'cards.create', { boardId: crypto.randomUUID(), columnId: crypto.randomUUID(), title: 'x' })).toMatchObject({ ok: false, error: { code: 'read_only' } });
    } finally {
      await bundle.close();
    }

    // A copy changed on disk after it arrived is not opened.
    const bytes = fs.readFileSync(file);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    fs.writeFileSync(file, bytes);
    expect(await call('connection.openOffline')).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringContaining('no longer verifies') } });
    expect(opened).toHaveLength(1);
    await desktop.close();
  });

  it('connect input is checked; the saved connection is restored at the next start (not without its keychain); a bundle signed by another key, or of another account, is refused on arrival', async () => {
    const token = 'personal-token-offline-4567';
    const hub = await serveHub(token);
    const dir = tempDir('chronicle-desk-');
    const keychain = testKeychain();
    const desktop = new DesktopHub({ credentials: new HubCredentials(path.join(dir, 'hub'), keychain), offlineDir: path.join(dir, 'hub', 'offline'), openBundle: async () => {}, log: () => {} });
    const call = (method: string, input: unknown = {}) => desktop.invoke('1', method, input, async () => ({ ok: true, result: null }));
    expect(await call('connection.connect', { url: hub.origin, token: 'short' })).toMatchObject({ ok: false, error: { code: 'invalid_input', issues: [{ path: ['token'] }] } });
    expect(await call('connection.connect', { url: 'ftp://hub.example', token })).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringContaining('https://') } });
    expect(await call('connection.connect', { url: 'http://hub.example.com', token })).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringContaining('must be reached over https://') } });
    expect((await call('connection.connect', { url: hub.origin, token })).ok).toBe(true);
    expect(await call('connection.downloadOffline', { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });

    // The next start of the app finds the saved connection (the token unsealed with the keychain's key)...
    const logs: string[] = [];
    const restarted = new DesktopHub({ credentials: new HubCredentials(path.join(dir, 'hub'), keychain), offlineDir: path.join(dir, 'hub', 'offline'), openBundle: async () => {}, log: (l) => logs.push(l) });
    restarted.restore();
    expect(restarted.connected).toBe(true);
    expect(await restarted.invoke('1', 'session.get', {}, async () => ({ ok: true, result: null }))).toMatchObject({ ok: true, result: { user: { name: 'Ana Lima' } } });
    await restarted.close();
    // ...and without that keychain (another machine, a reset keychain) it cannot, says so, and stays local.
    const elsewhere = new DesktopHub({ credentials: new HubCredentials(path.join(dir, 'hub'), { ...testKeychain(), name: 'other-keychain' }), offlineDir: path.join(dir, 'hub', 'offline'), openBundle: async () => {}, log: (l) => logs.push(l) });
    elsewhere.restore();
    expect(elsewhere.connected).toBe(false);
    expect(logs.join('\n')).toContain('the saved team hub connection cannot be read');

    const got = (await call('connection.downloadOffline', {})) as { ok: true; result: { fingerprint: string; account: { id: string } } };
    expect(got.ok).toBe(true);
    const file = fs.readdirSync(path.join(dir, 'hub', 'offline')).find((f) => f.endsWith('.chronicle-bundle'))!;
    const full = path.join(dir, 'hub', 'offline', file);
    expect((await checkArrivedBundle(full, { fingerprint: got.result.fingerprint, accountId: got.result.account.id })).ok).toBe(true);
    expect(await checkArrivedBundle(full, { fingerprint: 'sha256:another-key', accountId: got.result.account.id })).toMatchObject({ ok: false, reason: expect.stringContaining('not by the hub’s key') });
    expect(await checkArrivedBundle(full, { fingerprint: got.result.fingerprint, accountId: crypto.randomUUID() })).toMatchObject({ ok: false, reason: expect.stringContaining('not the one this token acts in') });
    await desktop.close();
  });
});
