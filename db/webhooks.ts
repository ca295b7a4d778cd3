// SQL of the webhooks area: endpoints, deliveries, attempts. Every read a person can reach takes the account id.
import type { DeliveryStatus, WebhookAttemptsTable, WebhookDeliveriesTable, WebhookEndpointsTable } from './schema.ts';
import { all, first, prepare, q, run, type Sqlite } from './sql.ts';

// ---- Endpoints ----

export const insertEndpoint = (s: Sqlite, row: WebhookEndpointsTable) => run(s, q.insertInto('webhook_endpoints').values(row));

export const findEndpoint = (s: Sqlite, accountId: string, id: string) =>
  first(s, q.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', accountId).where('id', '=', id));

/** For the dispatcher (no session): by id only. A plain prepared statement: this is on the hot path. */
export const endpointById = (s: Sqlite, id: string) => prepare(s, `SELECT * FROM webhook_endpoints WHERE id = ?`).get(id) as WebhookEndpointsTable | undefined;

export const listEndpoints = (s: Sqlite, accountId: string) =>
  all(s, q.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', accountId).orderBy('created_at').orderBy('id'));

export function updateEndpoint(s: Sqlite, accountId: string, id: string, patch: Partial<WebhookEndpointsTable>): number {
  return run(s, q.updateTable('webhook_endpoints').set(patch).where('account_id', '=', accountId).where('id', '=', id));
}

/** Active endpoints subscribed to a type, that existed when the event happened. */
export function subscribedEndpoints(s: Sqlite, accountId: string, type: string, at: number) {
  return prepare(
    s,
    `SELECT * FROM webhook_endpoints WHERE account_id = ? AND status = 'active' AND created_at <= ?
       AND EXISTS (SELECT 1 FROM json_each(event_types) WHERE value = '*' OR value = ?)`,
  ).all(accountId, at, type) as WebhookEndpointsTable[];
}

export interface EndpointHealth { endpoint_id: string; total: number; delivered: number; failed: number; pending: number; last_failure_at: number | null }

/** Success rate over the last `since` window, per endpoint of the account: one query. */
export function endpointHealth(s: Sqlite, accountId: string, since: number): Map<string, EndpointHealth> {
  const rows = prepare(
    s,
    `SELECT endpoint_id, count(*) total, sum(status = 'delivered') delivered, sum(status = 'failed') failed,
       sum(status IN ('pending', 'retrying', 'delivering')) pending, max(CASE WHEN status IN ('failed', 'retrying') THEN updated_at END) last_failure_at
     FROM webhook_deliveries WHERE account_id = ? AND created_at >= ? GROUP BY endpoint_id`,
  ).all(accountId, since) as EndpointHealth[];
  return new Map(rows.map((r) => [r.endpoint_id, r]));
}

// ---- Deliveries ----

export const insertDelivery = (s: Sqlite, row: WebhookDeliveriesTable) => run(s, q.insertInto('webhook_deliveries').values(row));

export const findDelivery = (s: Sqlite, accountId: string, id: string) =>
  first(s, q.selectFrom('webhook_deliveries').selectAll().where('account_id', '=', accountId).where('id', '=', id));

export const deliveryById = (s: Sqlite, id: string) => prepare(s, `SELECT * FROM webhook_deliveries WHERE id = ?`).get(id) as WebhookDeliveriesTable | undefined;

export interface DeliveryFilter {
  endpointId?: string;
  status?: DeliveryStatus[];
  eventType?: string;
  from?: number;
  to?: number;
  before?: { at: number; id: string };
  limit: number;
}

/** Newest first, keyset-paginated. */
export function listDeliveries(s: Sqlite, accountId: string, f: DeliveryFilter) {
  let query = q
    .selectFrom('webhook_deliveries')
    .select(['id', 'endpoint_id', 'event_type', 'event_id', 'status', 'attempts', 'next_attempt_at', 'last_status', 'last_error', 'delivered_at', 'created_at', 'updated_at'])
    .where('account_id', '=', accountId);
  if (f.endpointId) query = query.where('endpoint_id', '=', f.endpointId);
  if (f.status?.length) query = query.where('status', 'in', f.status);
  if (f.eventType) query = query.where('event_type', '=', f.eventType);
  if (f.from !== undefined) query = query.where('created_at', '>=', f.from);
  if (f.to !== undefined) query = query.where('created_at', '<', f.to);
  if (f.before) {
    const b = f.before;
    query = query.where((eb) => eb.or([eb('created_at', '<', b.at), eb.and([eb('created_at', '=', b.at), eb('id', '<', b.id)])]));
  }
  return all(s, query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit));
}

export function setDeliveryState(
  s: Sqlite,
  id: string,
  patch: Partial<Pick<WebhookDeliveriesTable, 'status' | 'attempts' | 'next_attempt_at' | 'last_status' | 'last_error' | 'delivered_at' | 'job_id' | 'updated_at'>>,
): number {
  return run(s, q.updateTable('webhook_deliveries').set(patch).where('id', '=', id));
}

/**
 * Mark claimed deliveries as being delivered (in the claim transaction). Returns the rows as they are now
 * (RETURNING), so the dispatcher can send them without reading each delivery again right after the claim.
 */
export function markDelivering(s: Sqlite, ids: string[], now: number): WebhookDeliveriesTable[] {
  const stmt = prepare(s, `UPDATE webhook_deliveries SET status = 'delivering', updated_at = ? WHERE id = ? AND status IN ('pending', 'retrying', 'failed') RETURNING *`);
  const rows: WebhookDeliveriesTable[] = [];
  for (const id of ids) {
    const row = stmt.get(now, id) as WebhookDeliveriesTable | undefined;
    if (row) rows.push(row);
  }
  return rows;
}

/** Deliveries put back after their worker died: from `delivering` to `retrying`. */
export function unmarkDelivering(s: Sqlite, ids: string[], now: number): void {
  const stmt = prepare(s, `UPDATE webhook_deliveries SET status = CASE WHEN attempts = 0 THEN 'pending' ELSE 'retrying' END, next_attempt_at = ?, updated_at = ? WHERE id = ? AND status = 'delivering'`);
  for (const id of ids) stmt.run(now, now, id);
}

export function failedDeliveryIds(s: Sqlite, accountId: string, endpointId: string, since: number, afterId: string, limit: number): string[] {
  return (
    prepare(s, `SELECT id FROM webhook_deliveries WHERE account_id = ? AND endpoint_id = ? AND status = 'failed' AND updated_at >= ? AND id > ? ORDER BY id LIMIT ?`).all(
      accountId, endpointId, since, afterId, limit,
    ) as { id: string }[]
  ).map((r) => r.id);
}

export function countFailed(s: Sqlite, accountId: string, endpointId: string, since: number): number {
  return (prepare(s, `SELECT count(*) n FROM webhook_deliveries WHERE account_id = ? AND endpoint_id = ? AND status = 'failed' AND updated_at >= ?`).get(accountId, endpointId, since) as { n: number }).n;
}

/** Pending/retrying/delivering deliveries whose job is gone or finished (repaired by the sweep). */
export function orphanDeliveries(s: Sqlite, accountId: string, limit: number) {
  return prepare(
    s,
    `SELECT d.id, d.endpoint_id, d.status, d.job_id FROM webhook_deliveries d LEFT JOIN jobs j ON j.id = d.job_id
     WHERE d.account_id = ? AND d.status IN ('pending', 'retrying', 'delivering')
       AND (j.id IS NULL OR j.status IN ('done', 'failed', 'cancelled') OR (d.status = 'delivering' AND j.status = 'ready'))
     LIMIT ?`,
  ).all(accountId, limit) as { id: string; endpoint_id: string; status: DeliveryStatus; job_id: string | null }[];
}

// ---- Attempts ----

const attemptColumns = [
  'id', 'account_id', 'delivery_id', 'endpoint_id', 'url', 'request_headers', 'body_size', 'response_status', 'response_headers',
  'response_body', 'response_truncated', 'error_kind', 'error_message', 'duration_ms', 'trigger', 'triggered_by', 'created_at',
] as const satisfies readonly (keyof WebhookAttemptsTable)[];
const insertAttemptSql = `INSERT INTO webhook_attempts (${attemptColumns.join(', ')}) VALUES (${attemptColumns.map(() => '?').join(', ')})`;

export const insertAttempt = (s: Sqlite, row: WebhookAttemptsTable) => prepare(s, insertAttemptSql).run(...attemptColumns.map((c) => row[c]));

/** The state an attempt leaves a delivery in (hot path: one prepared statement). */
export function recordDeliveryOutcome(
  s: Sqlite,
  id: string,
  o: Pick<WebhookDeliveriesTable, 'status' | 'attempts' | 'next_attempt_at' | 'last_status' | 'last_error' | 'delivered_at' | 'updated_at'>,
): void {
  prepare(s, `UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_status = ?, last_error = ?, delivered_at = ?, updated_at = ? WHERE id = ?`).run(
    o.status, o.attempts, o.next_attempt_at, o.last_status, o.last_error, o.delivered_at, o.updated_at, id,
  );
}

export const listAttempts = (s: Sqlite, accountId: string, deliveryId: string) =>
  all(s, q.selectFrom('webhook_attempts').selectAll().where('account_id', '=', accountId).where('delivery_id', '=', deliveryId).orderBy('created_at').orderBy('id'));

export function pruneOld(s: Sqlite, accountId: string, before: number): { attempts: number; deliveries: number; jobs: number } {
  const attempts = prepare(
    s,
    `DELETE FROM webhook_attempts WHERE account_id = ? AND delivery_id IN (SELECT id FROM webhook_deliveries WHERE account_id = ? AND created_at < ? AND status IN ('delivered', 'failed', 'cancelled'))`,
  ).run(accountId, accountId, before).changes;
  const deliveries = prepare(s, `DELETE FROM webhook_deliveries WHERE account_id = ? AND created_at < ? AND status IN ('delivered', 'failed', 'cancelled')`).run(accountId, before).changes;
  const jobs = prepare(s, `DELETE FROM jobs WHERE account_id = ? AND status IN ('done', 'cancelled') AND finished_at < ?`).run(accountId, before).changes;
  return { attempts, deliveries, jobs };
}

/** Attempts of an endpoint per hour since `since`: succeeded (no error) and failed. */
export function attemptsPerHour(s: Sqlite, accountId: string, endpointId: string, since: number) {
  return prepare(
    s,
    `SELECT created_at / 3600000 hour, sum(error_kind IS NULL) succeeded, sum(error_kind IS NOT NULL) failed
     FROM webhook_attempts WHERE account_id = ? AND endpoint_id = ? AND created_at >= ? GROUP BY hour ORDER BY hour`,
  ).all(accountId, endpointId, since) as { hour: number; succeeded: number; failed: number }[];
}
