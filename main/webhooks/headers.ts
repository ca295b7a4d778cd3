// Custom webhook headers (an endpoint's X-Api-Token and the like): values are secrets.
//
// Stored as JSON {name: value sealed with the webhook data key} (names in clear, so views list them without the
// key); shown everywhere as names with a masked value; revealed only to admins (webhooks.endpoints.revealHeaders);
// sent decrypted; and in attempt logs (and so in Copy as curl) every custom header value is `<redacted>`.
//
// Rows from before migration 0007 hold clear values (`headers_in_clear`): the first open that has the key seals
// them (`sealClearHeaders`, at app start and at `chronicle dispatch` start) and redacts those endpoints' logged
// attempts, with SQLite's secure_delete on and the WAL truncated after, so the clear bytes leave the file.
import { bool } from '../../db/sql.ts';
import { transactionScrubbed } from '../../db/maintenance.ts';
import type { Store } from '../../db/store.ts';
import type { WebhookEndpointsTable } from '../../db/schema.ts';
import * as db from '../../db/webhooks.ts';
import { MASKED_HEADER_VALUE } from '../../preload/contract/constants.ts';
import { invalid } from '../errors.ts';
import type { SecretBox } from './secrets.ts';

export const REDACTED = '<redacted>';

type HeaderRow = Pick<WebhookEndpointsTable, 'headers' | 'headers_in_clear'>;

const parse = (json: string) => JSON.parse(json) as Record<string, string>;

export const headerNames = (ep: HeaderRow): string[] => Object.keys(parse(ep.headers));

/** What every view shows: each name with a masked value. */
export const maskedHeaders = (ep: HeaderRow): Record<string, string> =>
  Object.fromEntries(headerNames(ep).map((name) => [name, MASKED_HEADER_VALUE]));

/** Seal every value (a new endpoint, or headers replaced). */
export function sealHeaders(box: SecretBox, headers: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, box.encrypt(value)])));
}

/** The values as sent (throws key_unavailable with a sentence when the key cannot open them). */
export function openHeaders(box: SecretBox, ep: HeaderRow): Record<string, string> {
  const stored = parse(ep.headers);
  if (bool(ep.headers_in_clear)) return stored;
  return Object.fromEntries(Object.entries(stored).map(([name, sealed]) => [name, box.decrypt(sealed)]));
}

/**
 * The stored JSON for an update's `headers`: a value given as the mask keeps that header's stored value (what the
 * edit form sends back for values nobody changed); any other value is sealed anew.
 */
export function updatedHeaders(box: SecretBox, ep: HeaderRow, next: Record<string, string>): string {
  const stored = parse(ep.headers);
  const inClear = bool(ep.headers_in_clear);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(next)) {
    if (value === MASKED_HEADER_VALUE) {
      const kept = Object.prototype.hasOwnProperty.call(stored, name) ? stored[name] : undefined;
      if (kept === undefined) throw invalid(`The header “${name}” has no stored value to keep: type its value.`, ['headers', name]);
      out[name] = inClear ? box.encrypt(kept) : kept;
    } else out[name] = box.encrypt(value);
  }
  return JSON.stringify(out);
}

/** Request headers as logged: every custom header's value and the other credentials redacted. */
const CREDENTIALS = new Set(['webhook-signature', 'authorization', 'cookie', 'x-api-key', 'proxy-authorization']);
export function redactHeaders(h: Record<string, string>, customNames: readonly string[] = []): Record<string, string> {
  const custom = new Set(customNames.map((n) => n.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    const lower = k.toLowerCase();
    if (lower === 'webhook-signature') out[k] = v.split(' ').map((p) => p.replace(/,.*/, `,${REDACTED}`)).join(' ');
    else out[k] = CREDENTIALS.has(lower) || custom.has(lower) ? REDACTED : v;
  }
  return out;
}

/**
 * Seal the values of endpoints still in clear and redact them in those endpoints' logged attempts, in one
 * transaction whose freed space is zeroed. Resolves the number of endpoints sealed.
 */
export async function sealClearHeaders(store: Store, box: SecretBox): Promise<{ endpoints: number; attempts: number; scrubbed: boolean }> {
  if (!box.available || store.readonly) return { endpoints: 0, attempts: 0, scrubbed: false };
  const pending = await db.endpointsWithClearHeaders(store);
  if (pending.length === 0) return { endpoints: 0, attempts: 0, scrubbed: true };
  const { result, scrubbed } = await transactionScrubbed(store, async (tx) => {
    let endpoints = 0;
    let attempts = 0;
    for (const ep of await db.endpointsWithClearHeaders(tx)) {
      const clear = parse(ep.headers);
      await db.setSealedHeaders(tx, ep.id, sealHeaders(box, clear));
      endpoints++;
      const names = Object.keys(clear);
      let after = '';
      for (;;) {
        const page = await db.attemptHeadersPage(tx, ep.id, after, 500);
        if (page.length === 0) break;
        for (const a of page) {
          const logged = parse(a.request_headers);
          const redacted = redactHeaders(logged, names);
          if (JSON.stringify(redacted) !== JSON.stringify(logged)) {
            await db.setAttemptRequestHeaders(tx, a.id, JSON.stringify(redacted));
            attempts++;
          }
        }
        after = page[page.length - 1].id;
      }
    }
    return { endpoints, attempts };
  });
  return { ...result, scrubbed };
}
