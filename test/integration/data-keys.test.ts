// Data keys and the rows they sealed: a missing or different key file is said in a sentence, never replaced by a
// new key over sealed rows, and deliveries that need it end failed with that sentence instead of retrying for
// ever. On both stores; the hub's several processes (different data folders) too.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../db/open.ts';
import type { Store } from '../../db/store.ts';
import { createApp, type App } from '../../main/app.ts';
import { auditKeySpec, SIGNING_KEY_FILE } from '../../main/audit/keys.ts';
import { keyFingerprint, openDataKey } from '../../main/crypto/key-guard.ts';
import { JobRunner } from '../../main/jobs/runner.ts';
import type { WebhooksRunnerConfig } from '../../main/webhooks/deliver.ts';
import { KEY_FILE, loadSecretKey } from '../../main/webhooks/secrets.ts';
import { webhooksService } from '../../main/webhooks/service.ts';
import { hasNoStack, runChronicle } from '../support/cli.ts';
import { caller, openTestApp, sqlCount, sqlRow, sqlRows, tempDir } from '../support/workspace.ts';
import { deliveriesOf, receiver, waitFor } from './webhooks-support.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});
const keep = <T extends { close(): Promise<unknown> }>(x: T) => (cleanups.push(() => x.close()), x);

/** A dispatcher on its own connection with the given webhooks config (as the app's worker gets it). */
async function dispatcher(app: App, webhooks: WebhooksRunnerConfig): Promise<{ runner: JobRunner; store: Store }> {
  const store = await openStore(app.connectTo, { synchronous: 'normal', poolSize: 4 });
  const runner = new JobRunner({
    store, dataDir: app.dataDir, pollMs: 20, heartbeatMs: 200,
    config: { webhooks: { attemptTimeoutMs: 2_000, connectTimeoutMs: 1_000, ...webhooks } },
    publish: () => {},
  });
  await runner.start();
  cleanups.push(async () => {
    await runner.stop();
    await store.close();
  });
  return { runner, store };
}

/** A workspace with one loopback endpoint and one test delivery waiting (no dispatcher ran). */
async function workspaceWithDelivery() {
  const app = await openTestApp({ events: 20 });
  const rx = await receiver();
  cleanups.push(() => rx.close());
  const { call } = await caller(app);
  const ep = await call('webhooks.endpoints.create', { url: rx.url, eventTypes: ['*'], networkScope: 'loopback', headers: { 'X-Api-Token': 'tok-1' } });
  const delivery = await call('webhooks.endpoints.sendTest', { endpointId: ep.id });
  const fingerprint = keyFingerprint(webhooksService(app).key!);
  const { location, dataDir } = { location: app.connectTo, dataDir: app.dataDir };
  await app.close();
  return { location, dataDir, rx, endpointId: ep.id, deliveryId: delivery.id, fingerprint };
}

async function errorOf(app: App, method: string, input: unknown) {
  const r = await (await caller(app)).raw(method, input);
  return r.ok ? { code: 'ok', message: '' } : r.error;
}

describe('a data key file that is missing or another one', () => {
  it('records the key’s fingerprint with the first secret it seals', async () => {
    const app = keep(await openTestApp({ events: 10 }));
    expect(await sqlCount(app, `SELECT count(*) AS n FROM data_keys`)).toBe(0);
    const { call } = await caller(app);
    await call('webhooks.endpoints.create', { url: 'https://hooks.example.com/a', eventTypes: ['*'] });
    const fp = keyFingerprint(loadSecretKey(app.dataDir));
    expect(fp).toMatch(/^[0-9A-F]{4}( [0-9A-F]{4}){4}$/);
    expect(await sqlRows(app, `SELECT name, fingerprint FROM data_keys`)).toEqual([{ name: 'webhook-secrets', fingerprint: fp }]);
  });

  it('missing: said in a sentence, no new key made, secrets refused with it, the waiting delivery ends failed with it', async () => {
    const w = await workspaceWithDelivery();
    const keyFile = path.join(w.dataDir, KEY_FILE);
    fs.rmSync(keyFile);
    const said: string[] = [];
    const error = console.error;
    console.error = (...args: unknown[]) => void said.push(args.join(' '));
    let app: App;
    try {
      app = keep(await createApp({ location: w.location, dataDir: w.dataDir, background: false }));
    } finally {
      console.error = error;
    }
    expect(fs.existsSync(keyFile)).toBe(false); // never a new key over sealed rows
    const status = webhooksService(app).keyStatus;
    expect(status.state).toBe('missing');
    expect(status.sentence).toContain(`The webhook secrets key is missing: ${keyFile} does not exist, but this workspace holds endpoint signing secrets and custom header values sealed with it (key fingerprint ${w.fingerprint}). Chronicle did not make a new key over them.`);
    expect(said.join('\n')).toContain(status.sentence!); // the host says so when it starts

    const before = await sqlCount(app, `SELECT count(*) AS n FROM webhook_endpoints`);
    for (const [method, input] of [
      ['webhooks.endpoints.revealSecret', { endpointId: w.endpointId }],
      ['webhooks.endpoints.revealHeaders', { endpointId: w.endpointId }],
      ['webhooks.endpoints.rotateSecret', { endpointId: w.endpointId }],
      ['webhooks.endpoints.create', { url: 'https://hooks.example.com/new', eventTypes: ['*'] }],
    ] as const) {
      const e = await errorOf(app, method, input);
      expect(e.code, method).toBe('key_unavailable');
      expect(e.message, method).toBe(status.sentence);
    }
    expect(await sqlCount(app, `SELECT count(*) AS n FROM webhook_endpoints`)).toBe(before);
    expect(fs.existsSync(keyFile)).toBe(false);

    // The dispatcher of this workspace (as the app starts it: the sentence instead of a key).
    const d = await dispatcher(app, { keyProblem: status.sentence });
    const failed = await waitFor(async () => (await deliveriesOf(app, w.endpointId)).find((x) => x.id === w.deliveryId && x.status === 'failed'), 'the delivery to fail');
    expect(failed.last_error).toBe(`Not sent: ${status.sentence} Then retry this delivery.`);
    await d.runner.idle();
    const job = await sqlRow(app, `SELECT status, attempts FROM jobs WHERE id = ?`, failed.job_id);
    expect(job).toEqual({ status: 'done', attempts: 1 }); // once, not a million times
    expect(w.rx.requests).toHaveLength(0);
  });

  it('another key: both fingerprints named; a dispatcher holding it fails deliveries with a sentence, not a crypto error', async () => {
    const w = await workspaceWithDelivery();
    const keyFile = path.join(w.dataDir, KEY_FILE);
    const otherDir = tempDir('chronicle-other-key-');
    const other = loadSecretKey(otherDir);
    fs.copyFileSync(path.join(otherDir, KEY_FILE), keyFile);
    const app = keep(await createApp({ location: w.location, dataDir: w.dataDir, background: false }));
    const status = webhooksService(app).keyStatus;
    expect(status.state).toBe('different');
    expect(status.sentence).toContain(`The webhook secrets key in ${keyFile} (key fingerprint ${keyFingerprint(other)}) is not the key this workspace sealed endpoint signing secrets and custom header values with (key fingerprint ${w.fingerprint})`);
    expect((await errorOf(app, 'webhooks.endpoints.revealSecret', { endpointId: w.endpointId })).code).toBe('key_unavailable');
    // A dispatcher that was handed that key anyway (as a hub process whose key matched nothing yet would be).
    await dispatcher(app, { secretKey: other.toString('base64') });
    const failed = await waitFor(async () => (await deliveriesOf(app, w.endpointId)).find((x) => x.id === w.deliveryId && x.status === 'failed'), 'the delivery to fail');
    expect(failed.last_error).toMatch(/^Not sent: A stored secret could not be opened with the webhook secrets key of this dispatcher \(data folder .*\): it was sealed with another key\./);
    expect(failed.last_error).not.toMatch(/Unsupported state|authenticate data/);
    expect(w.rx.requests).toHaveLength(0);
  });

  it('rows sealed before fingerprints were kept: the key that opens them is recorded, another one is refused', async () => {
    const w = await workspaceWithDelivery();
    const store = await openStore(w.location);
    await sqlRows(store, `DELETE FROM data_keys`);
    await store.close();
    const wrongDir = tempDir('chronicle-wrong-');
    loadSecretKey(wrongDir);
    const wrong = keep(await createApp({ location: w.location, dataDir: wrongDir, background: false }));
    expect(webhooksService(wrong).keyStatus).toMatchObject({ state: 'different', expected: null });
    expect(await sqlCount(wrong, `SELECT count(*) AS n FROM data_keys`)).toBe(0);
    await wrong.close();
    const right = keep(await createApp({ location: w.location, dataDir: w.dataDir, background: false }));
    expect(webhooksService(right).keyStatus.state).toBe('ok');
    expect(await sqlRows(right, `SELECT fingerprint FROM data_keys WHERE name = 'webhook-secrets'`)).toEqual([{ fingerprint: w.fingerprint }]);
  });

  it('two processes with their own data folders (a hub): the second key is refused when it would seal a secret', async () => {
    const a = keep(await openTestApp({ events: 10 }));
    const b = keep(await createApp({ location: a.connectTo, dataDir: tempDir('chronicle-b-'), background: false }));
    expect(webhooksService(b).keyStatus.state).toBe('ok'); // nothing sealed yet: each made a key
    const ep = await (await caller(a)).call('webhooks.endpoints.create', { url: 'https://hooks.example.com/a', eventTypes: ['*'] });
    const e = await errorOf(b, 'webhooks.endpoints.create', { url: 'https://hooks.example.com/b', eventTypes: ['*'] });
    expect(e.code).toBe('key_unavailable');
    expect(e.message).toContain(`(key fingerprint ${keyFingerprint(webhooksService(b).key!)}) is not the one this workspace's other secrets were sealed with (key fingerprint ${keyFingerprint(webhooksService(a).key!)})`);
    expect(await sqlCount(a, `SELECT count(*) AS n FROM webhook_endpoints`)).toBe(1);
    const reveal = await errorOf(b, 'webhooks.endpoints.revealSecret', { endpointId: ep.id });
    expect(reveal.code).toBe('key_unavailable');
    expect(reveal.message).toMatch(/could not be opened with the webhook secrets key in .*: it was sealed with another key/);
  });

  it('chronicle dispatch with a wrong --data-dir refuses with the sentence, makes no key and registers nothing', async () => {
    const w = await workspaceWithDelivery();
    const wrongDir = tempDir('chronicle-empty-');
    const r = await runChronicle(['dispatch', '--db', w.location, '--data-dir', wrongDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`chronicle dispatch: The webhook secrets key is missing: ${path.join(wrongDir, KEY_FILE)} does not exist`);
    expect(r.stderr).toContain(`(key fingerprint ${w.fingerprint})`);
    expect(r.stderr).toContain('This dispatcher did not start.');
    expect(hasNoStack(r.stderr)).toBe(true);
    expect(fs.readdirSync(wrongDir)).toEqual([]);
    const store = await openStore(w.location);
    try {
      expect(await sqlCount(store, `SELECT count(*) AS n FROM processes`)).toBe(0);
      expect((await sqlRow(store, `SELECT status FROM webhook_deliveries WHERE id = ?`, w.deliveryId)).status).toBe('pending');
    } finally {
      await store.close();
    }
  });

  it('the audit signing key: recorded at the first export; missing afterwards, it is named and no new one is made', async () => {
    const app = keep(await openTestApp({ events: 10 }));
    const { call } = await caller(app);
    await call('audit.export', {});
    const keyFile = path.join(app.dataDir, SIGNING_KEY_FILE);
    const fp = keyFingerprint(Buffer.from(JSON.parse(fs.readFileSync(keyFile, 'utf8')).key, 'base64'));
    expect((await sqlRow(app, `SELECT fingerprint FROM data_keys WHERE name = 'audit-signing'`)).fingerprint).toBe(fp);
    fs.rmSync(keyFile);
    const status = await openDataKey(app.store, app.dataDir, auditKeySpec, { create: false });
    expect(status).toMatchObject({ state: 'missing', expected: fp });
    expect(status.sentence).toContain(`The audit signing key is missing: ${keyFile} does not exist, but this workspace holds its review-bundle signing key sealed with it (key fingerprint ${fp})`);
    const e = await errorOf(app, 'audit.export', {});
    expect(e.code).not.toBe('ok');
    expect(fs.existsSync(keyFile)).toBe(false);
  });
});
