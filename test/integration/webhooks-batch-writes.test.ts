// The dispatcher records a batch of results with one statement per kind of write (attempt rows, delivery
// outcomes, finished jobs), on both stores. These are the statements that write them, on real rows: every row
// gets its own values (nulls included, which PostgreSQL must type from the casts), and a row of another batch or
// a job another runner holds is left alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../db/ids.ts';
import { finishJobs } from '../../db/jobs.ts';
import { insertAttempts, recordDeliveryOutcomes } from '../../db/webhooks.ts';
import type { App } from '../../main/app.ts';
import { createDelivery } from '../../main/webhooks/deliver.ts';
import { caller, openTestApp, sqlRow, sqlRows } from '../support/workspace.ts';

let app: App;
let accountId: string;
let endpointId: string;
beforeAll(async () => {
  app = await openTestApp({ events: 5 });
  accountId = (await app.defaultSession())!.accountId;
  const ep = await (await caller(app)).call('webhooks.endpoints.create', { url: 'http://127.0.0.1:9/hooks', eventTypes: ['webhook.test'], networkScope: 'loopback' });
  endpointId = ep.id;
});
afterAll(() => app.close());

async function deliveries(n: number) {
  const now = Date.now();
  return app.store.transaction(async (tx) => {
    const out = [];
    for (let i = 0; i < n; i++) out.push(await createDelivery(tx, { accountId, endpointId, eventTable: null, eventId: null, eventType: 'webhook.test', payload: `{"n":${i}}`, now }));
    return out;
  });
}

describe('batched recording', () => {
  it('writes each delivery its own outcome in one statement, nulls and all, and no other delivery', async () => {
    const [a, b, c, other] = await deliveries(4);
    const at = Date.now();
    await app.store.transaction((tx) =>
      recordDeliveryOutcomes(tx, [
        { id: a.id, status: 'delivered', attempts: 1, next_attempt_at: null, last_status: 200, last_error: null, delivered_at: at, updated_at: at },
        { id: b.id, status: 'retrying', attempts: 2, next_attempt_at: at + 60_000, last_status: 500, last_error: 'The endpoint answered 500.', delivered_at: null, updated_at: at + 1 },
        { id: c.id, status: 'failed', attempts: 3, next_attempt_at: null, last_status: null, last_error: 'connect ECONNREFUSED', delivered_at: null, updated_at: at + 2 },
      ]),
    );
    const rows = await sqlRows(app, `SELECT id, status, attempts, next_attempt_at, last_status, last_error, delivered_at, updated_at FROM webhook_deliveries WHERE id IN (?, ?, ?, ?)`, a.id, b.id, c.id, other.id);
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(a.id)).toMatchObject({ status: 'delivered', attempts: 1, next_attempt_at: null, last_status: 200, last_error: null, delivered_at: at, updated_at: at });
    expect(byId.get(b.id)).toMatchObject({ status: 'retrying', attempts: 2, next_attempt_at: at + 60_000, last_status: 500, last_error: 'The endpoint answered 500.', delivered_at: null, updated_at: at + 1 });
    expect(byId.get(c.id)).toMatchObject({ status: 'failed', attempts: 3, last_status: null, last_error: 'connect ECONNREFUSED', updated_at: at + 2 });
    expect(byId.get(other.id)).toMatchObject({ status: 'pending', attempts: 0, updated_at: other.updated_at });
    // Timestamps stay numbers on both stores (int8 parsed), not strings.
    expect(typeof byId.get(a.id)!.delivered_at).toBe('number');
  });

  it('inserts a batch of attempt rows in one statement, each as given', async () => {
    const ds = await deliveries(3);
    const at = Date.now();
    const rows = ds.map((d, i) => ({
      id: newId(at), account_id: accountId, delivery_id: d.id, endpoint_id: endpointId, url: 'http://127.0.0.1:9/hooks',
      request_headers: JSON.stringify({ 'webhook-id': d.id }), body_size: d.payload.length, response_status: i === 2 ? null : 200 + i,
      response_headers: i === 2 ? null : '{}', response_body: i === 2 ? null : 'ok', response_truncated: i === 1,
      error_kind: i === 2 ? ('connect' as const) : null, error_message: i === 2 ? 'connect ECONNREFUSED' : null,
      duration_ms: 5 + i, trigger: 'scheduled' as const, triggered_by: null, created_at: at + i,
    }));
    await app.store.transaction((tx) => insertAttempts(tx, rows));
    const got = await sqlRows(app, `SELECT delivery_id, response_status, response_truncated, error_kind, duration_ms FROM webhook_attempts WHERE delivery_id IN (?, ?, ?) ORDER BY created_at`, ...ds.map((d) => d.id));
    expect(got.map((r) => [r.delivery_id, r.response_status, Boolean(r.response_truncated), r.error_kind, r.duration_ms])).toEqual([
      [ds[0].id, 200, false, null, 5],
      [ds[1].id, 201, true, null, 6],
      [ds[2].id, null, false, 'connect', 7],
    ]);
  });

  it('marks done only the claims the worker still holds, each with its note', async () => {
    const ds = await deliveries(3);
    const jobIds = ds.map((d) => d.job_id!);
    const now = Date.now();
    await sqlRows(app, `UPDATE jobs SET status = 'claimed', claimed_by = 'me', claimed_at = ? WHERE id IN (?, ?)`, now, jobIds[0], jobIds[1]);
    await sqlRows(app, `UPDATE jobs SET status = 'claimed', claimed_by = 'someone else', claimed_at = ? WHERE id = ?`, now, jobIds[2]);
    const owned = await app.store.transaction((tx) =>
      finishJobs(tx, [{ id: jobIds[0], note: null }, { id: jobIds[1], note: 'Nothing to send: the delivery is cancelled.' }, { id: jobIds[2], note: null }], 'me', now),
    );
    expect([...owned].sort()).toEqual([jobIds[0], jobIds[1]].sort());
    expect(await sqlRow(app, `SELECT status, last_error, claimed_by FROM jobs WHERE id = ?`, jobIds[0])).toMatchObject({ status: 'done', last_error: null, claimed_by: null });
    expect(await sqlRow(app, `SELECT status, last_error FROM jobs WHERE id = ?`, jobIds[1])).toMatchObject({ status: 'done', last_error: 'Nothing to send: the delivery is cancelled.' });
    expect(await sqlRow(app, `SELECT status, claimed_by FROM jobs WHERE id = ?`, jobIds[2])).toMatchObject({ status: 'claimed', claimed_by: 'someone else' });
  });
});
