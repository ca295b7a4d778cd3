import type { Generated } from 'kysely';

// Row types of the webhooks area (migration 0002). Times are epoch milliseconds.
export type NetworkScope = 'public' | 'private' | 'loopback';
export type DeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'failed' | 'retrying' | 'cancelled';
export type AttemptErrorKind = 'dns' | 'connect' | 'tls' | 'timeout' | 'reset' | 'redirect' | 'too_large' | 'blocked' | 'http' | 'other';

export interface WebhookEndpointsTable {
  id: string; account_id: string; url: string; description: string;
  /** JSON array of webhook types, or ["*"]. */
  event_types: string;
  secret_enc: string; previous_secret_enc: string | null; previous_secret_expires_at: number | null;
  status: 'active' | 'disabled'; disabled_reason: string | null; disabled_at: number | null;
  /** JSON array of delays in ms, or null for the default schedule. */
  retry_schedule: string | null;
  rate_limit: number | null; concurrency: number;
  /**
   * JSON object of extra request headers: name → value sealed with the webhook data key (main/webhooks/headers.ts).
   * Names are in clear (views list them without the key); values never are, except in rows written before
   * migration 0007 until the first open with the key seals them (`headers_in_clear`).
   */
  headers: string;
  headers_in_clear: boolean;
  network_scope: NetworkScope;
  consecutive_failures: number; failing_since: number | null; paused_until: number | null;
  last_success_at: number | null; last_failure_at: number | null;
  creator_id: string; created_at: number; updated_at: number;
  /** Deleted by a person (0006): kept with its deliveries for the record, gone from lists and fan-out. */
  deleted_at?: number | null;
}

export interface WebhookDeliveriesTable {
  id: string; account_id: string; endpoint_id: string;
  event_table: string | null; event_id: string | null; event_type: string;
  /** The exact body bytes sent on every attempt. */
  payload: string;
  status: DeliveryStatus; attempts: number; next_attempt_at: number | null;
  last_status: number | null; last_error: string | null; job_id: string | null;
  delivered_at: number | null; created_at: number; updated_at: number;
}

export interface WebhookAttemptsTable {
  id: string; account_id: string; delivery_id: string; endpoint_id: string; url: string;
  request_headers: string; body_size: number;
  response_status: number | null; response_headers: string | null; response_body: string | null; response_truncated: boolean;
  error_kind: AttemptErrorKind | null; error_message: string | null; duration_ms: number;
  trigger: 'scheduled' | 'manual'; triggered_by: string | null; created_at: number;
}

export interface RecurringTasksTable {
  id: string; account_id: string; kind: string; queue: string; args: Generated<string>; every_ms: number;
  next_run_at: number; last_run_at: number | null; last_job_id: string | null; created_at: number;
}

export interface WebhooksSchema {
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  recurring_tasks: RecurringTasksTable;
}
