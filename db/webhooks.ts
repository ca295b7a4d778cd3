// SQL of the webhooks area: endpoints, deliveries, attempts. Every read a person can reach takes the account id.
import type { DeliveryStatus, WebhookAttemptsTable, WebhookDeliveriesTable, WebhookEndpointsTable } from './schema.ts';
import { all, bool, first, marks, rawAll, rawFirst, rawRun, run, type Db, type Tx } from './sql.ts';

// ---- Endpoints ----

export const insertEndpoint = (db: Db, row: WebhookEndpointsTable) => run(db, db.q.insertInto('webhook_endpoints').values(row));

export const findEndpoint = (db: Db, accountId: string, id: string) =>
  first(db, db.q.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', accountId).where('id', '=', id));

/** For the dispatcher (no session): by id only. A plain statement: this is on the hot path. */
export const endpointById = (db: Db, id: string) => rawFirst<WebhookEndpointsTable>(db, `SELECT * FROM webhook_endpoints WHERE id = ?`, [id]);

/** Endpoints by id, in one statement (a claim reads those of every endpoint it takes jobs of, for their limits). */
export async function endpointsByIds(db: Db, ids: string[]): Promise<Map<string, WebhookEndpointsTable>> {
  const map = new Map<string, WebhookEndpointsTable>();
  if (ids.length === 0) return map;
  for (const r of await rawAll<WebhookEndpointsTable>(db, `SELECT * FROM webhook_endpoints WHERE id IN (${marks(ids.length)})`, ids)) map.set(r.id, r);
  return map;
}

/**
 * The endpoint row for a read-modify-write of its health (inside the recording transaction). PostgreSQL: locked
 * until commit, so two dispatchers recording results of one endpoint never lose each other's counts (SQLite's one
 * writer already guarantees it). FOR NO KEY UPDATE, the lock an UPDATE of non-key columns takes, not FOR UPDATE:
 * the same transaction has already inserted an attempt (or a delivery) referencing the endpoint, which holds FOR
 * KEY SHARE on its row; FOR UPDATE conflicts with that, so two dispatchers each holding the share and asking for
 * the upgrade deadlocked.
 */
export const endpointForUpdate = (tx: Tx, id: string) =>
  rawFirst<WebhookEndpointsTable>(tx, `SELECT * FROM webhook_endpoints WHERE id = ?${tx.dialect === 'postgres' ? ' FOR NO KEY UPDATE' : ''}`, [id]);

/** The account's endpoints, deleted ones left out (they stay in the table for their deliveries' sake). */
export const listEndpoints = (db: Db, accountId: string) =>
  all(db, db.q.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', accountId).where('deleted_at', 'is', null).orderBy('created_at').orderBy('id'));

/**
 * Delete an endpoint (0006): marked deleted and disabled (so fan-out, which takes active endpoints only, skips it),
 * and its waiting deliveries (pending or retrying, with their ready jobs) cancelled. One being sent right now is
 * left to finish its attempt: the dispatcher does not retry a delivery of a disabled endpoint. Returns how many
 * deliveries were cancelled.
 */
export async function deleteEndpoint(tx: Tx, accountId: string, id: string, reason: string, at: number): Promise<number> {
  await rawRun(
    tx,
    `UPDATE jobs SET status = 'cancelled', finished_at = ? WHERE status = 'ready' AND id IN
       (SELECT job_id FROM webhook_deliveries WHERE account_id = ? AND endpoint_id = ? AND status IN ('pending', 'retrying') AND job_id IS NOT NULL)`,
    [at, accountId, id],
  );
  const cancelled = await rawRun(
    tx,
    `UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL, updated_at = ? WHERE account_id = ? AND endpoint_id = ? AND status IN ('pending', 'retrying')`,
    [at, accountId, id],
  );
  await rawRun(
    tx,
    `UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = ?, disabled_at = ?, paused_until = NULL, deleted_at = ?, updated_at = ? WHERE account_id = ? AND id = ?`,
    [reason, at, at, at, accountId, id],
  );
  return cancelled;
}

export function updateEndpoint(db: Db, accountId: string, id: string, patch: Partial<WebhookEndpointsTable>): Promise<number> {
  return run(db, db.q.updateTable('webhook_endpoints').set(patch).where('account_id', '=', accountId).where('id', '=', id));
}

/** Active endpoints subscribed to a type, that existed when the event happened. */
export function subscribedEndpoints(db: Db, accountId: string, type: string, at: number): Promise<WebhookEndpointsTable[]> {
  const subscribed = db.dialect === 'postgres'
    ? `(event_types @> '["*"]'::jsonb OR event_types @> jsonb_build_array(?::text))`
    : `EXISTS (SELECT 1 FROM json_each(event_types) WHERE value = '*' OR value = ?)`;
  return rawAll<WebhookEndpointsTable>(
    db,
    `SELECT * FROM webhook_endpoints WHERE account_id = ? AND status = 'active' AND created_at <= ? AND ${subscribed} ORDER BY id`,
    [accountId, at, type],
  );
}

export interface EndpointHealth {
  endpoint_id: string; total: number; delivered: number; failed: number; pending: number; delivering: number; cancelled: number;
  last_failure_at: number | null;
}

/** Deliveries created since `since`, per endpoint of the account, by where they are now: one query. */
export async function endpointHealth(db: Db, accountId: string, since: number): Promise<Map<string, EndpointHealth>> {
  const rows = await rawAll<EndpointHealth>(
    db,
    `SELECT endpoint_id, count(*) AS total, count(*) FILTER (WHERE status = 'delivered') AS delivered, count(*) FILTER (WHERE status = 'failed') AS failed,
       count(*) FILTER (WHERE status IN ('pending', 'retrying', 'delivering')) AS pending,
       count(*) FILTER (WHERE status = 'delivering') AS delivering,
       count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
       max(CASE WHEN status IN ('failed', 'retrying') THEN updated_at END) AS last_failure_at
     FROM webhook_deliveries WHERE account_id = ? AND created_at >= ? GROUP BY endpoint_id`,
    [accountId, since],
  );
  return new Map(rows.map((r) => [r.endpoint_id, r]));
}

export interface AttemptHealth { endpoint_id: string; succeeded: number; failed: number }

/** Attempts made since `since`, per endpoint, by outcome: one query over the (endpoint, time) index. */
export async function attemptHealth(db: Db, accountId: string, endpointIds: readonly string[], since: number): Promise<Map<string, AttemptHealth>> {
  if (endpointIds.length === 0) return new Map();
  const rows = await rawAll<AttemptHealth>(
    db,
    `SELECT endpoint_id, count(*) FILTER (WHERE error_kind IS NULL) AS succeeded, count(*) FILTER (WHERE error_kind IS NOT NULL) AS failed
     FROM webhook_attempts WHERE endpoint_id IN (${marks(endpointIds.length)}) AND account_id = ? AND created_at >= ? GROUP BY endpoint_id`,
    [...endpointIds, accountId, since],
  );
  return new Map(rows.map((r) => [r.endpoint_id, r]));
}

// ---- Deliveries ----

export const insertDelivery = (db: Db, row: WebhookDeliveriesTable) => run(db, db.q.insertInto('webhook_deliveries').values(row));

export const findDelivery = (db: Db, accountId: string, id: string) =>
  first(db, db.q.selectFrom('webhook_deliveries').selectAll().where('account_id', '=', accountId).where('id', '=', id));

export const deliveryById = (db: Db, id: string) => rawFirst<WebhookDeliveriesTable>(db, `SELECT * FROM webhook_deliveries WHERE id = ?`, [id]);

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
export function listDeliveries(db: Db, accountId: string, f: DeliveryFilter) {
  let query = db.q
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
  return all(db, query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit));
}

export function setDeliveryState(
  db: Db,
  id: string,
  patch: Partial<Pick<WebhookDeliveriesTable, 'status' | 'attempts' | 'next_attempt_at' | 'last_status' | 'last_error' | 'delivered_at' | 'job_id' | 'updated_at'>>,
): Promise<number> {
  return run(db, db.q.updateTable('webhook_deliveries').set(patch).where('id', '=', id));
}

/**
 * Mark claimed deliveries as being delivered (in the claim transaction). Resolves to the rows as they are now
 * (RETURNING), so the dispatcher can send them without reading each delivery again right after the claim.
 */
export function markDelivering(tx: Tx, ids: string[], now: number): Promise<WebhookDeliveriesTable[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return rawAll<WebhookDeliveriesTable>(
    tx,
    `UPDATE webhook_deliveries SET status = 'delivering', updated_at = ? WHERE id IN (${marks(ids.length)}) AND status IN ('pending', 'retrying', 'failed') RETURNING *`,
    [now, ...ids],
  );
}

/** Deliveries put back after their worker died: from `delivering` to `retrying` (or `pending`). */
export async function unmarkDelivering(tx: Tx, ids: string[], now: number): Promise<void> {
  if (ids.length === 0) return;
  await rawRun(
    tx,
    `UPDATE webhook_deliveries SET status = CASE WHEN attempts = 0 THEN 'pending' ELSE 'retrying' END, next_attempt_at = ?, updated_at = ?
     WHERE id IN (${marks(ids.length)}) AND status = 'delivering'`,
    [now, now, ...ids],
  );
}

// ---- Not delivered: bulk retry and resume

export type UndeliveredState = 'failed' | 'retrying' | 'pending' | 'paused';

/**
 * The state a delivery that is not delivered is in, as SQL: `failed`; `paused` when it waits (pending or
 * retrying) for a time no later than the end of the endpoint's pause (the dispatcher would hold it until then);
 * else its status. `?` is the pause's end (-1 when the endpoint is not paused: nothing is due before that).
 */
const undeliveredState = `CASE WHEN status = 'failed' THEN 'failed' WHEN next_attempt_at <= ? THEN 'paused' ELSE status END`;
const undeliveredWhere = `account_id = ? AND endpoint_id = ? AND status IN ('failed', 'retrying', 'pending') AND updated_at >= ?`;

/** Deliveries of an endpoint not delivered whose last change is since `since`, per state, and how many are in flight. */
export async function undeliveredCounts(db: Db, accountId: string, endpointId: string, since: number, pausedUntil: number): Promise<{ counts: Record<UndeliveredState, number>; delivering: number }> {
  const rows = await rawAll<{ state: UndeliveredState; n: number }>(
    db,
    `SELECT state, count(*) AS n FROM (SELECT ${undeliveredState} AS state FROM webhook_deliveries WHERE ${undeliveredWhere}) s GROUP BY state`,
    [pausedUntil, accountId, endpointId, since],
  );
  const counts: Record<UndeliveredState, number> = { failed: 0, retrying: 0, pending: 0, paused: 0 };
  for (const r of rows) counts[r.state] = r.n;
  const delivering = (await rawFirst<{ n: number }>(
    db,
    `SELECT count(*) AS n FROM webhook_deliveries WHERE account_id = ? AND endpoint_id = ? AND status = 'delivering' AND updated_at >= ?`,
    [accountId, endpointId, since],
  ))!.n;
  return { counts, delivering };
}

/** A page of those deliveries' ids in the given states, in id order after `afterId`. */
export async function undeliveredIds(
  db: Db, accountId: string, endpointId: string, since: number, pausedUntil: number, states: readonly UndeliveredState[], afterId: string, limit: number,
): Promise<string[]> {
  if (states.length === 0) return [];
  return (
    await rawAll<{ id: string }>(
      db,
      `SELECT id FROM webhook_deliveries WHERE ${undeliveredWhere} AND id > ? AND ${undeliveredState} IN (${marks(states.length)}) ORDER BY id LIMIT ?`,
      [accountId, endpointId, since, afterId, pausedUntil, ...states, limit],
    )
  ).map((r) => r.id);
}

/**
 * Deliveries of an endpoint waiting for an attempt (not attempted yet, or waiting to retry), with their jobs;
 * with `dueBy`, only those due no later than it (the ones a breaker pause ending then holds).
 */
export function waitingDeliveries(db: Db, accountId: string, endpointId: string, dueBy?: number): Promise<{ id: string; job_id: string | null }[]> {
  return rawAll<{ id: string; job_id: string | null }>(
    db,
    `SELECT id, job_id FROM webhook_deliveries WHERE account_id = ? AND endpoint_id = ? AND status IN ('pending', 'retrying')${dueBy === undefined ? '' : ' AND next_attempt_at <= ?'} ORDER BY id`,
    dueBy === undefined ? [accountId, endpointId] : [accountId, endpointId, dueBy],
  );
}

/**
 * Make waiting deliveries due at `now` (resume). A `last_error` that only said why it waited (it starts with
 * `waitNote`, e.g. the breaker's "Paused until …") is cleared: it was not an attempt's error.
 */
export async function makeDeliveriesDue(tx: Tx, ids: readonly string[], now: number, waitNote: string): Promise<number> {
  let n = 0;
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    n += await rawRun(
      tx,
      `UPDATE webhook_deliveries SET next_attempt_at = ?, updated_at = ?,
         last_error = CASE WHEN last_error LIKE ? THEN NULL ELSE last_error END
       WHERE id IN (${marks(part.length)}) AND status IN ('pending', 'retrying')`,
      [now, now, `${waitNote.replace(/[%_]/g, '')}%`, ...part],
    );
  }
  return n;
}

// ---- Deleting an endpoint

/** How many of an endpoint's deliveries are being attempted right now (a delete waits for them). */
export async function countDelivering(db: Db, accountId: string, endpointId: string): Promise<number> {
  return (await rawFirst<{ n: number }>(
    db,
    `SELECT count(*) AS n FROM webhook_deliveries WHERE account_id = ? AND endpoint_id = ? AND status = 'delivering'`,
    [accountId, endpointId],
  ))!.n;
}

/** The jobs of an endpoint's deliveries (to cancel with it). */
export async function endpointDeliveryJobIds(db: Db, accountId: string, endpointId: string): Promise<string[]> {
  return (await rawAll<{ job_id: string }>(
    db,
    `SELECT job_id FROM webhook_deliveries WHERE account_id = ? AND endpoint_id = ? AND job_id IS NOT NULL ORDER BY id`,
    [accountId, endpointId],
  )).map((r) => r.job_id);
}

/** Pending/retrying/delivering deliveries whose job is gone or finished (repaired by the sweep). */
export function orphanDeliveries(db: Db, accountId: string, limit: number) {
  return rawAll<{ id: string; endpoint_id: string; status: DeliveryStatus; job_id: string | null }>(
    db,
    `SELECT d.id, d.endpoint_id, d.status, d.job_id FROM webhook_deliveries d LEFT JOIN jobs j ON j.id = d.job_id
     WHERE d.account_id = ? AND d.status IN ('pending', 'retrying', 'delivering')
       AND (j.id IS NULL OR j.status IN ('done', 'failed', 'cancelled') OR (d.status = 'delivering' AND j.status = 'ready'))
     ORDER BY d.id LIMIT ?`,
    [accountId, limit],
  );
}

// ---- Attempts ----

const attemptColumns = [
  'id', 'account_id', 'delivery_id', 'endpoint_id', 'url', 'request_headers', 'body_size', 'response_status', 'response_headers',
  'response_body', 'response_truncated', 'error_kind', 'error_message', 'duration_ms', 'trigger', 'triggered_by', 'created_at',
] as const satisfies readonly (keyof WebhookAttemptsTable)[];
const insertAttemptSql = `INSERT INTO webhook_attempts (${attemptColumns.join(', ')}) VALUES (${marks(attemptColumns.length)})`;

export const insertAttempt = (db: Db, row: WebhookAttemptsTable) => rawRun(db, insertAttemptSql, attemptColumns.map((c) => row[c]));

/** Attempt rows of one recording batch in one statement (a few hundred rows at most per statement). */
export async function insertAttempts(db: Db, rows: WebhookAttemptsTable[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) {
    const part = rows.slice(i, i + 200);
    const one = `(${marks(attemptColumns.length)})`;
    await rawRun(db, `INSERT INTO webhook_attempts (${attemptColumns.join(', ')}) VALUES ${part.map(() => one).join(', ')}`, part.flatMap((row) => attemptColumns.map((c) => row[c])));
  }
}

export type DeliveryOutcome = Pick<WebhookDeliveriesTable, 'id' | 'status' | 'attempts' | 'next_attempt_at' | 'last_status' | 'last_error' | 'delivered_at' | 'updated_at'>;

const outcomeColumns = ['id', 'status', 'attempts', 'next_attempt_at', 'last_status', 'last_error', 'delivered_at', 'updated_at'] as const satisfies readonly (keyof DeliveryOutcome)[];
// PostgreSQL types a VALUES list's parameters as text unless told: each is cast to its column's type.
const outcomeCasts = ['text', 'text', 'int4', 'int8', 'int4', 'text', 'int8', 'int8'];

/**
 * The states attempts left deliveries in, for a batch of deliveries in one statement (UPDATE … FROM a VALUES
 * list, on both stores).
 */
export async function recordDeliveryOutcomes(db: Db, outcomes: DeliveryOutcome[]): Promise<void> {
  const one = db.dialect === 'postgres' ? `(${outcomeCasts.map((t) => `?::${t}`).join(', ')})` : `(${marks(outcomeColumns.length)})`;
  const sets = outcomeColumns.slice(1).map((c) => `${c} = v.${c}`).join(', ');
  for (let i = 0; i < outcomes.length; i += 200) {
    const part = outcomes.slice(i, i + 200);
    await rawRun(
      db,
      `WITH v(${outcomeColumns.join(', ')}) AS (VALUES ${part.map(() => one).join(', ')})
       UPDATE webhook_deliveries SET ${sets} FROM v WHERE webhook_deliveries.id = v.id`,
      part.flatMap((o) => outcomeColumns.map((c) => o[c])),
    );
  }
}

/** The state an attempt leaves a delivery in (hot path: one plain statement). */
export async function recordDeliveryOutcome(
  db: Db,
  id: string,
  o: Pick<WebhookDeliveriesTable, 'status' | 'attempts' | 'next_attempt_at' | 'last_status' | 'last_error' | 'delivered_at' | 'updated_at'>,
): Promise<void> {
  await rawRun(db, `UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_status = ?, last_error = ?, delivered_at = ?, updated_at = ? WHERE id = ?`, [
    o.status, o.attempts, o.next_attempt_at, o.last_status, o.last_error, o.delivered_at, o.updated_at, id,
  ]);
}

export async function listAttempts(db: Db, accountId: string, deliveryId: string): Promise<WebhookAttemptsTable[]> {
  const rows = await all(db, db.q.selectFrom('webhook_attempts').selectAll().where('account_id', '=', accountId).where('delivery_id', '=', deliveryId).orderBy('created_at').orderBy('id'));
  return rows.map((r) => ({ ...r, response_truncated: bool(r.response_truncated) }));
}

export async function pruneOld(tx: Tx, accountId: string, before: number): Promise<{ attempts: number; deliveries: number; jobs: number }> {
  const attempts = await rawRun(
    tx,
    `DELETE FROM webhook_attempts WHERE account_id = ? AND delivery_id IN (SELECT id FROM webhook_deliveries WHERE account_id = ? AND created_at < ? AND status IN ('delivered', 'failed', 'cancelled'))`,
    [accountId, accountId, before],
  );
  const deliveries = await rawRun(tx, `DELETE FROM webhook_deliveries WHERE account_id = ? AND created_at < ? AND status IN ('delivered', 'failed', 'cancelled')`, [accountId, before]);
  // Failed jobs too (their deliveries, failed for good, go at the same age): nothing would ever remove them.
  const jobs = await rawRun(tx, `DELETE FROM jobs WHERE account_id = ? AND status IN ('done', 'failed', 'cancelled') AND finished_at < ?`, [accountId, before]);
  return { attempts, deliveries, jobs };
}

/** Attempts of an endpoint per hour since `since`: succeeded (no error) and failed. */
export function attemptsPerHour(db: Db, accountId: string, endpointId: string, since: number) {
  return rawAll<{ hour: number; succeeded: number; failed: number }>(
    db,
    `SELECT created_at / 3600000 AS hour, count(*) FILTER (WHERE error_kind IS NULL) AS succeeded, count(*) FILTER (WHERE error_kind IS NOT NULL) AS failed
     FROM webhook_attempts WHERE account_id = ? AND endpoint_id = ? AND created_at >= ? GROUP BY created_at / 3600000 ORDER BY 1`,
    [accountId, endpointId, since],
  );
}

// ---- Custom headers (sealed with the webhook data key; main/webhooks/headers.ts) ----

/** Endpoints whose custom header values are still in clear (written before migration 0007). */
export function endpointsWithClearHeaders(db: Db): Promise<{ id: string; account_id: string; headers: string }[]> {
  return rawAll(db, `SELECT id, account_id, headers FROM webhook_endpoints WHERE headers_in_clear = ? ORDER BY id`, [true]);
}

export async function setSealedHeaders(tx: Tx, id: string, headers: string): Promise<void> {
  await rawRun(tx, `UPDATE webhook_endpoints SET headers = ?, headers_in_clear = ? WHERE id = ?`, [headers, false, id]);
}

/** An endpoint's attempts in id order, a page at a time (rewriting their logged request headers). */
export function attemptHeadersPage(db: Db, endpointId: string, afterId: string, limit: number): Promise<{ id: string; request_headers: string }[]> {
  return rawAll(db, `SELECT id, request_headers FROM webhook_attempts WHERE endpoint_id = ? AND id > ? ORDER BY id LIMIT ?`, [endpointId, afterId, limit]);
}

export async function setAttemptRequestHeaders(tx: Tx, id: string, requestHeaders: string): Promise<void> {
  await rawRun(tx, `UPDATE webhook_attempts SET request_headers = ? WHERE id = ?`, [requestHeaders, id]);
}
