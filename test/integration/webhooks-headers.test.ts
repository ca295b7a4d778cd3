// Custom webhook headers are secrets: sealed at rest (never in the file's bytes), masked in every view, revealed
// to admins only, sent in clear to the receiver, redacted in attempt logs; rows from before sealing existed are
// sealed at the first open with the key.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openStore } from '../../db/open.ts';
import type { App } from '../../main/app.ts';
import { createApp } from '../../main/app.ts';
import { seedDemo } from '../../main/demo.ts';
import { endpointKey } from '../../main/webhooks/deliver.ts';
import { MASKED_HEADER_VALUE } from '../../preload/contract/constants.ts';
import { addMember } from '../support/people.ts';
import { caller, onSqlite, openTestApp, sqlRow, sqlRows, tableNames, tempDir, tempLocation } from '../support/workspace.ts';
import { attemptsOf, deliveriesOf, receiver, startRunner, waitFor, type Receiver } from './webhooks-support.ts';

const TOKEN = 'tok-Very-Secret-4711';
const TEAM = 'team-ops-9931';

/** No table row holds `text` (both stores), and on SQLite no byte of the file or its WAL does either. */
async function nowhereInStore(app: App, text: string) {
  for (const table of await tableNames(app)) {
    expect(JSON.stringify(await sqlRows(app, `SELECT * FROM "${table}"`)), table).not.toContain(text);
  }
  if (onSqlite) {
    await sqlRows(app, 'PRAGMA wal_checkpoint(TRUNCATE)');
    for (const f of [app.location, `${app.location}-wal`]) {
      if (fs.existsSync(f)) expect(fs.readFileSync(f).includes(Buffer.from(text)), f).toBe(false);
    }
  }
}

describe('custom headers', () => {
  let app: App;
  let rx: Receiver;
  beforeAll(async () => {
    app = await openTestApp({ events: 40 });
    rx = await receiver();
  });
  afterAll(async () => {
    await rx.close();
    await app.close();
  });

  it('are sealed at rest, masked in every view and revealed to admins only', async () => {
    const { call, raw } = await caller(app);
    const ep = await call('webhooks.endpoints.create', { url: rx.url, eventTypes: ['*'], networkScope: 'loopback', headers: { 'X-Api-Token': TOKEN, 'X-Team': TEAM } });
    expect(ep.headers).toEqual({ 'X-Api-Token': MASKED_HEADER_VALUE, 'X-Team': MASKED_HEADER_VALUE });
    const listed = (await call('webhooks.endpoints.list', {})).items.find((e) => e.id === ep.id)!;
    expect(listed.headers).toEqual({ 'X-Api-Token': MASKED_HEADER_VALUE, 'X-Team': MASKED_HEADER_VALUE });
    expect(JSON.stringify(await call('webhooks.endpoints.get', { endpointId: ep.id }))).not.toContain(TOKEN);
    await nowhereInStore(app, TOKEN);
    await nowhereInStore(app, TEAM);
    // Names stay readable without the key; values are sealed with it.
    const stored = JSON.parse((await sqlRow(app, 'SELECT headers FROM webhook_endpoints WHERE id = ?', ep.id)).headers);
    expect(Object.keys(stored)).toEqual(['X-Api-Token', 'X-Team']);
    expect(stored['X-Api-Token']).toMatch(/^v1:/);

    expect(await call('webhooks.endpoints.revealHeaders', { endpointId: ep.id })).toEqual({ headers: { 'X-Api-Token': TOKEN, 'X-Team': TEAM } });
    const members = await call('members.list', {});
    const viewerId = members.items.find((m) => m.role === 'viewer')?.user.id ?? (await addMember(app, await caller(app), { email: 'viewer@acme.test', name: 'Vera Viewer', role: 'viewer' }));
    const memberId = members.items.find((m) => m.role === 'member')!.user.id;
    for (const who of [{ id: viewerId, role: 'viewer' }, { id: memberId, role: 'member' }]) {
      const v = await caller(app);
      await v.call('session.switchUser', { userId: who.id });
      const r = await v.raw('webhooks.endpoints.revealHeaders', { endpointId: ep.id });
      expect(r.ok ? 'ok' : r.error.code, who.role).toBe('forbidden');
      expect(JSON.stringify(await v.call('webhooks.endpoints.list', {})), who.role).not.toContain(TOKEN);
    }
    // Unknown endpoint: not found, nothing revealed.
    const missing = await raw('webhooks.endpoints.revealHeaders', { endpointId: '019a0000-0000-7000-8000-0000000000ff' });
    expect(missing.ok ? 'ok' : missing.error.code).toBe('not_found');
  });

  it('an edit that sends the masked value keeps it; a new value replaces it; a mask for a new name is refused', async () => {
    const { call, raw } = await caller(app);
    const ep = await call('webhooks.endpoints.create', { url: rx.url, eventTypes: ['*'], networkScope: 'loopback', headers: { 'X-Api-Token': TOKEN, 'X-Team': TEAM } });
    // What the edit form sends back when only the team header was changed.
    await call('webhooks.endpoints.update', { endpointId: ep.id, headers: { 'X-Api-Token': MASKED_HEADER_VALUE, 'X-Team': 'team-new' } });
    expect((await call('webhooks.endpoints.revealHeaders', { endpointId: ep.id })).headers).toEqual({ 'X-Api-Token': TOKEN, 'X-Team': 'team-new' });
    const before = (await sqlRow(app, 'SELECT headers FROM webhook_endpoints WHERE id = ?', ep.id)).headers;
    const r = await raw('webhooks.endpoints.update', { endpointId: ep.id, headers: { 'X-Other': MASKED_HEADER_VALUE } });
    expect(r.ok ? 'ok' : r.error.code).toBe('invalid_input');
    expect(r.ok ? '' : r.error.message).toMatch(/X-Other.*has no stored value/);
    expect((await sqlRow(app, 'SELECT headers FROM webhook_endpoints WHERE id = ?', ep.id)).headers).toBe(before);
    await call('webhooks.endpoints.update', { endpointId: ep.id, headers: {} });
    expect((await call('webhooks.endpoints.get', { endpointId: ep.id })).headers).toEqual({});
  });

  it('are sent to the receiver and logged redacted (so Copy as curl has no value either)', async () => {
    const { call } = await caller(app);
    const ep = await call('webhooks.endpoints.create', { url: rx.url, eventTypes: ['*'], networkScope: 'loopback', headers: { 'X-Api-Token': TOKEN, 'X-Team': TEAM } });
    const r = await startRunner(app);
    try {
      const sent = await call('webhooks.endpoints.sendTest', { endpointId: ep.id });
      r.runner.wake();
      await waitFor(async () => (await deliveriesOf(app, ep.id)).find((d) => d.id === sent.id && d.status === 'delivered'), 'the test delivery');
    } finally {
      await r.stop();
    }
    const got = rx.requests.at(-1)!;
    expect(got.headers['x-api-token']).toBe(TOKEN);
    expect(got.headers['x-team']).toBe(TEAM);
    const detail = await call('webhooks.deliveries.get', { deliveryId: (await deliveriesOf(app, ep.id))[0].id });
    expect(detail.attemptList[0].requestHeaders).toMatchObject({ 'X-Api-Token': '<redacted>', 'X-Team': '<redacted>', 'webhook-id': expect.any(String) });
    expect(JSON.stringify(detail)).not.toContain(TOKEN);
    const [attempt] = await attemptsOf(app, detail.id);
    expect(JSON.parse(attempt.request_headers)['X-Api-Token']).toBe('<redacted>');
    await nowhereInStore(app, TOKEN);
  });

  it('an edited value is what the running dispatcher sends next (opened values are remembered per stored value)', async () => {
    const { call } = await caller(app);
    const ep = await call('webhooks.endpoints.create', { url: rx.url, eventTypes: ['*'], networkScope: 'loopback', headers: { 'X-Api-Token': TOKEN } });
    const r = await startRunner(app);
    const sendTest = async () => {
      const sent = await call('webhooks.endpoints.sendTest', { endpointId: ep.id });
      r.runner.wake();
      await waitFor(async () => (await deliveriesOf(app, ep.id)).find((d) => d.id === sent.id && d.status === 'delivered'), 'the test delivery');
      return rx.requests.find((q) => q.headers['webhook-id'] === sent.id)!;
    };
    try {
      expect((await sendTest()).headers['x-api-token']).toBe(TOKEN);
      await call('webhooks.endpoints.update', { endpointId: ep.id, headers: { 'X-Api-Token': 'tok_rotated', 'X-Team': TEAM } });
      const after = await sendTest();
      expect(after.headers['x-api-token']).toBe('tok_rotated');
      expect(after.headers['x-team']).toBe(TEAM);
    } finally {
      await r.stop();
    }
  });

  it('a value edited while deliveries wait, claimed ahead, is what they send when they start later', async () => {
    // The claim's endpoint row serves its jobs that start soon after it (deliver.ts CLAIMED_ENDPOINT_MS); one that
    // waited for a slot longer reads the row again. A runner of 4 slots claiming ahead (as on a hub, where it
    // does by default) on an endpoint of limit 16 sends 3 and claims 5 ahead; the 3 are held until the value was
    // edited. The endpoint's last success is set ahead of the clock, so every success here is quiet and writes no
    // health (which would drop the claim's row too, and the waiting five would then pass without the expiry).
    const { call } = await caller(app);
    let release!: () => void;
    const edited = new Promise<void>((r) => (release = r));
    const slow = await receiver((_req, res, n) => (n <= 2 ? void edited.then(() => res.end('ok')) : res.end('ok')));
    const ep = await call('webhooks.endpoints.create', { url: slow.url, eventTypes: ['*'], networkScope: 'loopback', concurrency: 16, headers: { 'X-Api-Token': TOKEN } });
    const lastSuccess = Date.now() + 3_600_000;
    await sqlRows(app, 'UPDATE webhook_endpoints SET last_success_at = ? WHERE id = ?', lastSuccess, ep.id);
    const sent = [];
    for (let i = 0; i < 8; i++) sent.push(await call('webhooks.endpoints.sendTest', { endpointId: ep.id }));
    const r = await startRunner(app, {}, { concurrency: 4, claimAhead: 12 });
    try {
      await waitFor(() => slow.requests.length >= 3, 'the three held requests');
      const held = await sqlRow<{ n: number }>(app, `SELECT count(*) AS n FROM jobs WHERE status = 'claimed' AND concurrency_key = ?`, endpointKey(ep.id));
      expect(Number(held.n)).toBe(8); // claimed at once: 3 sent, 5 waiting
      await new Promise((res) => setTimeout(res, 300)); // longer than a claim's row serves
      await call('webhooks.endpoints.update', { endpointId: ep.id, headers: { 'X-Api-Token': 'tok_rotated' } });
      release();
      await waitFor(async () => (await deliveriesOf(app, ep.id)).filter((d) => d.status === 'delivered').length === 8, '8 deliveries');
      const tokens = slow.requests.map((q) => q.headers['x-api-token']);
      expect(tokens).toEqual([...Array(3).fill(TOKEN), ...Array(5).fill('tok_rotated')]);
      expect(new Set(slow.requests.map((q) => q.headers['webhook-id']))).toEqual(new Set(sent.map((d) => d.id)));
      // No success wrote health: the waiting five read the row again because the claim's copy had expired.
      expect(Number((await sqlRow(app, 'SELECT last_success_at AS t FROM webhook_endpoints WHERE id = ?', ep.id)).t)).toBe(lastSuccess);
    } finally {
      await r.stop();
      await slow.close();
    }
  });
});

describe('custom headers written in clear before they were sealed', () => {
  it('are sealed, and redacted in logged attempts, at the first open with the key', async () => {
    const location = await tempLocation();
    const dataDir = onSqlite ? path.dirname(location) : tempDir('chronicle-keys-');
    // A workspace as an older Chronicle left it: schema 6 (before sealing), a clear header value, an attempt that
    // logged it.
    const old = await openStore(location, { migrate: false, check: false });
    await migrate(old, { upTo: 6 });
    await seedDemo(old, { seed: 3, events: 20 });
    const account = (await sqlRow(old, 'SELECT id FROM accounts ORDER BY name LIMIT 1')).id;
    const user = (await sqlRow(old, 'SELECT user_id FROM memberships WHERE account_id = ? ORDER BY created_at LIMIT 1', account)).user_id;
    const endpointId = '019a0000-0000-7000-8000-00000000e001';
    const deliveryId = '019a0000-0000-7000-8000-00000000d001';
    await old.close();
    // The key that sealed its signing secret (made by an older build beside the file).
    const { SecretBox, loadSecretKey } = await import('../../main/webhooks/secrets.ts');
    const box = new SecretBox(loadSecretKey(dataDir));
    const again = await openStore(location, { migrate: false });
    await sqlRows(
      again,
      `INSERT INTO webhook_endpoints (id, account_id, url, event_types, secret_enc, headers, network_scope, creator_id, created_at, updated_at)
       VALUES (?, ?, 'https://hooks.example.com/old', '["*"]', ?, ?, 'public', ?, 1, 1)`,
      endpointId, account, box.encrypt('whsec_' + Buffer.alloc(32, 1).toString('base64')), JSON.stringify({ 'X-Api-Token': TOKEN }), user,
    );
    await sqlRows(
      again,
      `INSERT INTO webhook_deliveries (id, account_id, endpoint_id, event_type, payload, status, attempts, created_at, updated_at) VALUES (?, ?, ?, 'webhook.test', '{}', 'delivered', 1, 1, 1)`,
      deliveryId, account, endpointId,
    );
    await sqlRows(
      again,
      `INSERT INTO webhook_attempts (id, account_id, delivery_id, endpoint_id, url, request_headers, body_size, duration_ms, trigger, created_at) VALUES ('019a0000-0000-7000-8000-00000000a001', ?, ?, ?, 'https://hooks.example.com/old', ?, 2, 5, 'scheduled', 1)`,
      account, deliveryId, endpointId, JSON.stringify({ 'X-Api-Token': TOKEN, 'webhook-id': deliveryId }),
    );
    await again.close();

    const app = await createApp({ location, dataDir, background: false });
    try {
      const { call } = await caller(app);
      expect((await call('webhooks.endpoints.get', { endpointId })).headers).toEqual({ 'X-Api-Token': MASKED_HEADER_VALUE });
      expect(await call('webhooks.endpoints.revealHeaders', { endpointId })).toEqual({ headers: { 'X-Api-Token': TOKEN } });
      const detail = await call('webhooks.deliveries.get', { deliveryId });
      expect(detail.attemptList[0].requestHeaders).toEqual({ 'X-Api-Token': '<redacted>', 'webhook-id': deliveryId });
      const row = await sqlRow(app, 'SELECT headers, headers_in_clear FROM webhook_endpoints WHERE id = ?', endpointId);
      expect(Boolean(row.headers_in_clear)).toBe(false);
      await nowhereInStore(app, TOKEN);
    } finally {
      await app.close();
    }
    // Closed (its WAL folded into the file and removed): still nowhere in the bytes.
    if (onSqlite) expect(fs.readFileSync(location).includes(Buffer.from(TOKEN))).toBe(false);
  });
});
