// Endpoint management as access events (migration 0006): who created, changed, disabled, deleted an endpoint, and
// who revealed or rotated its secret. Rows name the endpoint's origin, never its full URL (a hook URL's path is
// often a secret itself) and never a header value.
import { newId } from '../../db/ids.ts';
import type { Schema, WebhookEndpointsTable } from '../../db/schema.ts';
import type { Tx } from '../../db/store.ts';
import { recordEvent } from '../domain/record.ts';
import type { RecordedEvent } from '../domain/hooks.ts';
import type { Session } from '../session.ts';

type EndpointEventTable =
  | 'webhook_endpoint_created' | 'webhook_endpoint_changed' | 'webhook_endpoint_disabled' | 'webhook_endpoint_deleted'
  | 'webhook_secret_revealed' | 'webhook_secret_rotated';

/** scheme://host:port of a URL (what the trail may keep of it). */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'an invalid URL';
  }
}

/** Record one endpoint event for `ep` by the session's person, in the command's transaction. */
export function recordEndpointEvent<T extends EndpointEventTable>(
  tx: Tx,
  session: Session,
  table: T,
  ep: Pick<WebhookEndpointsTable, 'id' | 'url'>,
  at: number,
  extra: Omit<Schema[T], 'id' | 'account_id' | 'creator_id' | 'created_at' | 'endpoint_id' | 'origin'>,
): Promise<RecordedEvent> {
  const row = { id: newId(at), account_id: session.accountId, creator_id: session.userId, created_at: at, endpoint_id: ep.id, origin: originOf(ep.url), ...extra } as Schema[T];
  return recordEvent(tx, table, row, { boardId: null, projectId: null });
}

/** What a change did, as { attribute: [old, new] }: URLs as their origin + "/…", custom headers by name only. */
export function endpointChanges(before: WebhookEndpointsTable, patch: Partial<WebhookEndpointsTable>): Record<string, [unknown, unknown]> {
  const changes: Record<string, [unknown, unknown]> = {};
  const shownUrl = (u: string) => `${originOf(u)}/…`;
  const json = (s: string | null) => (s === null ? null : (JSON.parse(s) as unknown));
  const keys = ['url', 'description', 'event_types', 'network_scope', 'retry_schedule', 'rate_limit', 'concurrency', 'headers'] as const;
  for (const k of keys) {
    if (!(k in patch)) continue;
    const a = before[k];
    const b = patch[k];
    if (a === b) continue;
    if (k === 'url') {
      if (a !== b) changes.url = [shownUrl(a as string), shownUrl(b as string)];
    } else if (k === 'headers') {
      const names = (s: unknown) => Object.keys((json(s as string) as Record<string, string>) ?? {}).sort();
      changes.headers = [names(a), names(b)];
    } else if (k === 'event_types' || k === 'retry_schedule') {
      changes[k] = [json(a as string | null), json(b as string | null)];
    } else {
      changes[k] = [a, b];
    }
  }
  return changes;
}
