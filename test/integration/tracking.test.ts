// tracking.track through the real host: valid, invalid and oversized batches; the setting; the explorer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../main/app.ts';
import { pruneTrackingEvents } from '../../db/tracking.ts';
import { JobRunner } from '../../main/jobs/runner.ts';
import { pruneJobKind } from '../../main/tracking/retention.ts';
import { openTestApp, openTestHost, sqlCount, sqlRow, sqlRows } from '../support/workspace.ts';

let app: App;
let t: Awaited<ReturnType<typeof openTestHost>>;
const count = () => sqlCount(app, 'SELECT count(*) AS n FROM tracking_events');
const DAY = 86_400_000;

beforeAll(async () => {
  app = await openTestApp({ events: 200 });
  t = await openTestHost(app);
});
afterAll(async () => {
  await t.host.close();
  await app.close();
});

const pageView = (url: string, referrer?: string) => ({ eventType: 'page_view', url, ...(referrer ? { referrer } : {}) });

describe('tracking.track through the host', () => {
  it('stores a valid batch for the session person and account', async () => {
    const c = t.client();
    const me = (await c.post('session.get', {})).body;
    const card = '019a0000-0000-7000-8000-000000000002';
    const r = await c.post('tracking.track', {
      events: [
        pageView('/'),
        pageView('/reports?range=30', '/'),
        { eventType: 'button_click', url: '/reports?range=30', metadata: { element: 'reports.export-csv', table: 'boards' } },
        { eventType: 'link_click', url: '/', trackableType: 'card', trackableId: card, metadata: { element: 'timeline.open-card', position: 3, pinned: false } },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ accepted: 4, enabled: true });
    // One batch shares one time: the rows are told apart by what they hold, not by insertion order.
    const rows = await sqlRows(app, 'SELECT * FROM tracking_events ORDER BY event_type, url');
    expect(rows).toHaveLength(4);
    expect(new Set(rows.map((x) => x.user_id))).toEqual(new Set([me.user.id]));
    expect(new Set(rows.map((x) => x.account_id))).toEqual(new Set([me.account.id]));
    expect(rows.map((x) => [x.event_type, x.url, x.referrer])).toEqual([
      [1, '/', null],
      [1, '/reports?range=30', '/'],
      [2, '/', null],
      [4, '/reports?range=30', null],
    ]);
    expect(rows[2]).toMatchObject({ trackable_type: 'card', trackable_id: card });
    expect(rows.map((x) => (typeof x.created_at === 'number' ? 'number' : typeof x.created_at))).toEqual(['number', 'number', 'number', 'number']);
    // The metadata is stored as the JSON it was sent as (JSONB on a hub; read back as its text on both stores).
    expect(rows.map((x) => JSON.parse(x.metadata))).toEqual([
      {},
      {},
      { element: 'timeline.open-card', position: 3, pinned: false },
      { element: 'reports.export-csv', table: 'boards' },
    ]);
  });

  it('refuses a whole batch with one invalid event, writing nothing', async () => {
    const c = t.client();
    const before = await count();
    const bad = [
      { eventType: 'teleport', url: '/' },
      { eventType: 'page_view', url: 'https://evil.example/' },
      { eventType: 'page_view', url: '/?token=abc' },
      { eventType: 'page_view', url: '/', metadata: { password: 'hunter2' } },
      { eventType: 'page_view', url: '/', metadata: { inputValue: 'what someone typed' } },
      { eventType: 'page_view', url: '/', metadata: { note: 'x'.repeat(121) } },
      { eventType: 'page_view', url: '/', metadata: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, i])) },
      { eventType: 'page_view', url: '/', metadata: { nested: { a: 1 } } },
      { eventType: 'page_view', url: '/', trackableType: 'card' },
      { eventType: 'page_view', url: '/', extra: 1 },
    ];
    for (const [i, event] of bad.entries()) {
      const r = await c.post('tracking.track', { events: [pageView('/'), event, pageView('/boards')] });
      expect(r.status, `case ${i}`).toBe(400);
      expect(r.body.error.code).toBe('invalid_input');
      expect(r.body.error.issues[0].path[0]).toBe('events');
      expect(r.body.error.issues[0].path[1]).toBe(1);
    }
    expect((await c.post('tracking.track', { events: [] })).body.error.code).toBe('invalid_input');
    expect(await count()).toBe(before);
  });

  it('refuses oversized batches: more than 200 events, or a body over 1 MiB', async () => {
    const c = t.client();
    const before = await count();
    const many = await c.post('tracking.track', { events: Array.from({ length: 201 }, () => pageView('/')) });
    expect(many.status).toBe(400);
    expect(many.body.error.code).toBe('invalid_input');
    const huge = await c.post('tracking.track', { events: [pageView('/' + 'a'.repeat(1024 * 1024))] });
    expect(huge.status).toBe(413);
    const max = await c.post('tracking.track', { events: Array.from({ length: 200 }, (_, i) => pageView(`/boards/${i}`)) });
    expect(max.body.accepted).toBe(200);
    expect(await count()).toBe(before + 200);
  });

  it('records nothing when tracking is off, and members cannot switch it back on', async () => {
    const c = t.client();
    expect((await c.post('settings.updateAccount', { trackingEnabled: false })).body.trackingEnabled).toBe(false);
    const before = await count();
    const r = await c.post('tracking.track', { events: [pageView('/')] });
    expect(r.body).toEqual({ accepted: 0, enabled: false });
    expect(await count()).toBe(before);
    expect((await c.post('settings.get', {})).body).toMatchObject({ trackingEnabled: false, retentionDays: 90, osNotifications: true });
    const members = (await c.post('members.list', {})).body.items;
    const member = members.find((m: { role: string }) => m.role === 'member');
    const other = t.client();
    await other.post('session.switchUser', { userId: member.user.id });
    const refused = await other.post('settings.updateAccount', { trackingEnabled: true });
    expect(refused.status).toBe(403);
    expect((await other.post('settings.update', { osNotifications: false })).body.osNotifications).toBe(false);
    expect((await c.post('settings.updateAccount', { trackingEnabled: true, retentionDays: 30 })).body).toMatchObject({ trackingEnabled: true, retentionDays: 30, osNotifications: true });
    // Each setting is saved on its own: changing one leaves the other as it was.
    expect((await c.post('settings.updateAccount', { retentionDays: 45 })).body).toMatchObject({ trackingEnabled: true, retentionDays: 45 });
    expect((await c.post('settings.updateAccount', { trackingEnabled: false })).body).toMatchObject({ trackingEnabled: false, retentionDays: 45 });
    expect((await c.post('settings.updateAccount', { trackingEnabled: true, retentionDays: 30 })).body).toMatchObject({ trackingEnabled: true, retentionDays: 30 });
    expect((await other.post('settings.get', {})).body).toMatchObject({ trackingEnabled: true, retentionDays: 30, osNotifications: false });
  });

  it('explores counts by type, routes, elements, people, filtered by a metadata key/value', async () => {
    const c = t.client();
    const today = new Date().toISOString().slice(0, 10);
    const all = (await c.post('tracking.explore', { from: today, to: today })).body;
    expect(all.total).toBe(await count());
    expect(all.byType.find((b: any) => b.eventType === 'page_view').count).toBe(202);
    expect(all.topElements).toEqual(expect.arrayContaining([{ element: 'reports.export-csv', count: 1 }]));
    expect(all.perPerson[0].count).toBe(all.total);
    expect(all.metaKeys).toEqual(expect.arrayContaining(['element', 'table', 'position']));
    const filtered = (await c.post('tracking.explore', { from: today, to: today, metaKey: 'table', metaValue: 'boards' })).body;
    expect(filtered.total).toBe(1);
    const hasKey = (await c.post('tracking.explore', { from: today, to: today, metaKey: 'element' })).body;
    expect(hasKey.total).toBe(2);
    // Numbers and booleans match by their JSON text, the same on both stores.
    expect((await c.post('tracking.explore', { from: today, to: today, metaKey: 'position', metaValue: '3' })).body.total).toBe(1);
    expect((await c.post('tracking.explore', { from: today, to: today, metaKey: 'pinned', metaValue: 'false' })).body.total).toBe(1);
    expect((await c.post('tracking.explore', { from: today, to: today, metaKey: 'pinned', metaValue: '0' })).body.total).toBe(0);
    expect((await c.post('tracking.explore', { from: today, to: today, metaKey: 'pinned' })).body.total).toBe(1);
    const byElement = (await c.post('tracking.explore', { from: today, to: today, metaKey: 'element', metaValue: 'timeline.open-card' })).body;
    expect(byElement).toMatchObject({ total: 1, byType: [{ eventType: 'link_click', count: 1 }], topElements: [{ element: 'timeline.open-card', count: 1 }] });
    expect(all.metaKeys).toEqual([...all.metaKeys].sort((x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0)));
    const bad = await c.post('tracking.explore', { from: today, to: today, metaKey: "x') OR 1=1 --" });
    expect(bad.status).toBe(400);
    // Another account of the same person sees none of these events.
    const accounts = (await c.post('session.get', {})).body.accounts;
    const other = t.client();
    await other.post('session.switchAccount', { accountId: accounts[1].id });
    expect((await other.post('tracking.explore', { from: today, to: today })).body.total).toBe(0);
  });

  it('prunes events older than the retention window', async () => {
    const { account_id: accountId } = await sqlRow<{ account_id: string }>(app, 'SELECT account_id FROM tracking_events ORDER BY id LIMIT 1');
    await sqlRows(app, 'UPDATE tracking_events SET created_at = created_at - ? WHERE id IN (SELECT id FROM tracking_events ORDER BY id LIMIT 10)', 40 * DAY);
    const before = await count();
    expect(await pruneTrackingEvents(app.store, accountId, Date.now() - 30 * DAY)).toBe(10);
    expect(await count()).toBe(before - 10);
    expect(await sqlCount(app, 'SELECT count(*) AS n FROM tracking_events WHERE created_at < ?', Date.now() - 30 * DAY)).toBe(0);
  });

  it('a recurring job prunes each account by its own retention setting, through the job runner', async () => {
    const { account_id: accountId } = await sqlRow<{ account_id: string }>(app, 'SELECT account_id FROM tracking_events ORDER BY id LIMIT 1');
    // Retention is 30 days (set above): 5 events 40 days old go, 5 events 10 days old stay.
    await sqlRows(app, 'UPDATE tracking_events SET created_at = ? WHERE id IN (SELECT id FROM tracking_events ORDER BY id LIMIT 5)', Date.now() - 40 * DAY);
    await sqlRows(app, 'UPDATE tracking_events SET created_at = ? WHERE id IN (SELECT id FROM tracking_events ORDER BY id LIMIT 5 OFFSET 5)', Date.now() - 10 * DAY);
    const before = await count();
    let clock = Date.now();
    const runner = new JobRunner({
      store: app.store, dataDir: app.dataDir, publish: () => {}, queues: ['maintenance'], kinds: { 'tracking.prune': pruneJobKind }, pollMs: 10, now: () => clock,
    });
    await runner.start();
    await runner.idle(); // registers the hourly task for each account
    const tasks = await sqlRows<{ account_id: string }>(app, "SELECT account_id FROM recurring_tasks WHERE kind = 'tracking.prune'");
    expect(tasks.map((t) => t.account_id)).toContain(accountId);
    expect(await count()).toBe(before);
    clock += 2 * 3_600_000; // an hour later the task is due
    runner.wake();
    // idle() may be answered by a step that began before the clock moved (the runner's loop is async): wait until
    // the due task's job has run, a few idle rounds at most.
    const pruned = async () => (await sqlRows(app, "SELECT id FROM jobs WHERE kind = 'tracking.prune' AND account_id = ? AND status = 'done'", accountId)).length > 0;
    for (let round = 0; round < 10 && !(await pruned()); round++) {
      runner.wake();
      await runner.idle();
    }
    await runner.stop();
    expect(await count()).toBe(before - 5);
    const done = await sqlRows<{ status: string }>(app, "SELECT status FROM jobs WHERE kind = 'tracking.prune' AND account_id = ?", accountId);
    expect(done.map((d) => d.status)).toEqual(['done']);
  });
});
