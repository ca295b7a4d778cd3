// The audit hash chain's canonical form. It is part of the stored format (db/audit.ts writes the links, the
// verifier and review bundles check them), hence in db/. This file is the specification: an outside verifier
// can be written from it alone (it depends on nothing but node:crypto).
//
// ONE CHAIN PER ACCOUNT. Every domain event row of an account (every table of CHAINED_COLUMNS) gets one link in
// `audit_chain`, written in the same transaction as the event: (account_id, seq, event_table, event_id,
// prev_hash, hash, created_at). `seq` counts 1, 2, 3… in recording order; `prev_hash` is the `hash` of the link
// with seq − 1, or GENESIS (64 zeros) for seq 1.
//
// THE HASH of a link is SHA-256 over the UTF-8 bytes of
//
//     "chronicle.audit.v1" LF prev_hash LF event_table LF canonical_row
//
// where LF is a single 0x0A byte, prev_hash is 64 lowercase hex digits, event_table is the table name
// (e.g. `card_updated`), and the digest is written as 64 lowercase hex digits.
//
// canonical_row is a JSON object with exactly the columns listed in CHAINED_COLUMNS for that table, keys in
// that (ascending, byte-wise) order, no whitespace at all:
//   - TEXT    → a JSON string as ECMAScript JSON.stringify writes it: `"` and `\` escaped with a backslash;
//               U+0008, U+0009, U+000A, U+000C, U+000D as \b \t \n \f \r; other code points below U+0020 and
//               lone surrogates as \u followed by 4 lowercase hex digits; everything else literally (UTF-8).
//   - INTEGER → decimal digits, a leading `-` if negative, no leading zeros, no exponent, no fraction.
//   - NULL    → null
// TEXT columns holding JSON (card_updated.changes, webhook_endpoint_changed.changes) are hashed as the stored string, byte for byte (they are not
// re-serialised); that is why card_updated.changes stays TEXT on PostgreSQL too, where a jsonb column would
// normalise it. The form is the same whichever store holds the rows: a workspace file, a hub, a review bundle.
// Example for a comment_added row:
//
//     {"account_id":"019a…","card_id":"019a…","comment_id":"019a…","created_at":1767258000000,"creator_id":"019a…","id":"019a…"}
//
// `seq` is not part of the hash: order is carried by prev_hash alone, so a reordering shows as a link whose
// prev_hash names another row. Adding a column to an event table means a new version tag ("…v2") for rows
// chained after the change; the columns below are the v1 set and never change.
import { createHash } from 'node:crypto';

export const CHAIN_VERSION = 'chronicle.audit.v1';
export const GENESIS = '0'.repeat(64);

/** The hashed columns of each event table, in canonical (ascending byte) order. */
export const CHAINED_COLUMNS = {
  card_created: ['account_id', 'board_id', 'card_id', 'column_id', 'created_at', 'creator_id', 'id', 'title'],
  card_moved: ['account_id', 'card_id', 'created_at', 'creator_id', 'from_column_id', 'from_position', 'id', 'to_column_id', 'to_position'],
  card_updated: ['account_id', 'card_id', 'changes', 'created_at', 'creator_id', 'id'],
  comment_added: ['account_id', 'card_id', 'comment_id', 'created_at', 'creator_id', 'id'],
  member_invited: ['account_id', 'created_at', 'creator_id', 'id', 'invitee_id', 'membership_id', 'role'],
  project_archived: ['account_id', 'created_at', 'creator_id', 'id', 'project_id', 'reason'],
  // Access events (migration 0006): who may do what, and who acted as whom.
  member_role_changed: ['account_id', 'created_at', 'creator_id', 'from_role', 'id', 'member_id', 'membership_id', 'to_role'],
  invitation_sent: ['account_id', 'created_at', 'creator_id', 'id', 'invitation_id', 'invitee_id', 'role'],
  invitation_accepted: ['account_id', 'created_at', 'creator_id', 'id', 'invitation_id', 'membership_id', 'role'],
  invitation_declined: ['account_id', 'created_at', 'creator_id', 'id', 'invitation_id'],
  invitation_revoked: ['account_id', 'created_at', 'creator_id', 'id', 'invitation_id', 'invitee_id'],
  token_created: ['account_id', 'created_at', 'creator_id', 'id', 'person_id', 'source', 'token_id'],
  token_revoked: ['account_id', 'created_at', 'creator_id', 'id', 'person_id', 'token_id'],
  webhook_endpoint_created: ['account_id', 'created_at', 'creator_id', 'endpoint_id', 'id', 'origin'],
  webhook_endpoint_changed: ['account_id', 'changes', 'created_at', 'creator_id', 'endpoint_id', 'id', 'origin'],
  webhook_endpoint_disabled: ['account_id', 'created_at', 'creator_id', 'endpoint_id', 'id', 'origin', 'reason'],
  webhook_endpoint_deleted: ['account_id', 'cancelled_deliveries', 'created_at', 'creator_id', 'endpoint_id', 'id', 'origin'],
  webhook_secret_revealed: ['account_id', 'created_at', 'creator_id', 'endpoint_id', 'id', 'origin'],
  webhook_secret_rotated: ['account_id', 'created_at', 'creator_id', 'endpoint_id', 'id', 'origin', 'previous_expires_at'],
  session_switched: ['account_id', 'created_at', 'creator_id', 'from_user_id', 'id', 'to_user_id'],
} as const satisfies Record<string, readonly string[]>;

export type ChainedTable = keyof typeof CHAINED_COLUMNS;
export const CHAINED_TABLES = Object.keys(CHAINED_COLUMNS) as ChainedTable[];

export function isChainedTable(t: string): t is ChainedTable {
  return Object.prototype.hasOwnProperty.call(CHAINED_COLUMNS, t);
}

function value(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (typeof v === 'bigint') return v.toString();
  throw new Error(`The audit chain only hashes TEXT, INTEGER and NULL values; got ${typeof v} ${String(v)}.`);
}

/** canonical_row for a row given as an object (column → value). */
export function canonicalRow(table: ChainedTable, row: Record<string, unknown>): string {
  const cols = CHAINED_COLUMNS[table];
  let out = '{';
  for (let i = 0; i < cols.length; i++) out += (i ? ',"' : '"') + cols[i] + '":' + value(row[cols[i]]);
  return out + '}';
}

/** canonical_row for a row given as values in CHAINED_COLUMNS order (the verifier's fast path). */
export function canonicalValues(table: ChainedTable, values: readonly unknown[], offset = 0): string {
  const cols = CHAINED_COLUMNS[table];
  let out = '{';
  for (let i = 0; i < cols.length; i++) out += (i ? ',"' : '"') + cols[i] + '":' + value(values[offset + i]);
  return out + '}';
}

/** The exact text whose SHA-256 is the link's hash. */
export function linkPreimage(prevHash: string, table: ChainedTable, canonical: string): string {
  return CHAIN_VERSION + '\n' + prevHash + '\n' + table + '\n' + canonical;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function linkHash(prevHash: string, table: ChainedTable, canonical: string): string {
  return sha256Hex(linkPreimage(prevHash, table, canonical));
}
