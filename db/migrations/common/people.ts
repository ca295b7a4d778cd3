// Migration 0006 (people and permissions), the parts both dialects share: the access event tables as one spec
// (each dialect writes its own DDL from it, so the two cannot drift), and the e-mail clean-up that must run before
// `users.email` becomes unique.
import { rawAll, rawRun, type Tx } from '../../sql.ts';

type ColumnType = 'text' | 'time' | 'int';

interface ColumnSpec {
  name: string;
  type: ColumnType;
  nullable?: boolean;
  /** A foreign key to users(id). Only people are referenced: review bundles keep the account's people but leave
   *  out endpoints, tokens and invitations (secret-bearing tables), and a chained row must survive in a bundle. */
  person?: boolean;
  /** A CHECK over the column, written in SQL both dialects accept. */
  check?: string;
}

export interface EventTableSpec {
  name: string;
  columns: ColumnSpec[];
}

const roles = `IN ('owner', 'admin', 'member', 'viewer')`;

/**
 * The access events (0006): one table per type, typed columns, the four columns every event table has first.
 * Endpoint events carry the endpoint's origin (scheme, host, port), never its full URL: a webhook URL's path or
 * query is often a secret itself (Slack-style hook URLs), and a chained row can never be changed again.
 */
export const accessEventTables: EventTableSpec[] = [
  { name: 'member_role_changed', columns: [
    { name: 'membership_id', type: 'text' },
    { name: 'member_id', type: 'text', person: true },
    // NULL: the membership began with this event (a person added from the server's shell).
    { name: 'from_role', type: 'text', nullable: true, check: `from_role IS NULL OR from_role ${roles}` },
    { name: 'to_role', type: 'text', check: `to_role ${roles}` },
  ] },
  { name: 'invitation_sent', columns: [
    { name: 'invitation_id', type: 'text' },
    { name: 'invitee_id', type: 'text', person: true },
    { name: 'role', type: 'text', check: `role IN ('admin', 'member', 'viewer')` },
  ] },
  { name: 'invitation_accepted', columns: [
    { name: 'invitation_id', type: 'text' },
    { name: 'membership_id', type: 'text' },
    { name: 'role', type: 'text', check: `role IN ('admin', 'member', 'viewer')` },
  ] },
  { name: 'invitation_declined', columns: [{ name: 'invitation_id', type: 'text' }] },
  { name: 'invitation_revoked', columns: [
    { name: 'invitation_id', type: 'text' },
    { name: 'invitee_id', type: 'text', person: true },
  ] },
  { name: 'token_created', columns: [
    { name: 'token_id', type: 'text' },
    { name: 'person_id', type: 'text', person: true },
    { name: 'source', type: 'text', check: `source IN ('console', 'shell', 'invitation')` },
  ] },
  { name: 'token_revoked', columns: [
    { name: 'token_id', type: 'text' },
    { name: 'person_id', type: 'text', person: true },
  ] },
  { name: 'webhook_endpoint_created', columns: [{ name: 'endpoint_id', type: 'text' }, { name: 'origin', type: 'text' }] },
  { name: 'webhook_endpoint_changed', columns: [
    { name: 'endpoint_id', type: 'text' },
    { name: 'origin', type: 'text' },
    // { attribute: [old, new] } as card_updated.changes (hashed as stored); header values are never in it.
    { name: 'changes', type: 'text' },
  ] },
  { name: 'webhook_endpoint_disabled', columns: [
    { name: 'endpoint_id', type: 'text' },
    { name: 'origin', type: 'text' },
    { name: 'reason', type: 'text' },
  ] },
  { name: 'webhook_endpoint_deleted', columns: [
    { name: 'endpoint_id', type: 'text' },
    { name: 'origin', type: 'text' },
    { name: 'cancelled_deliveries', type: 'int', check: 'cancelled_deliveries >= 0' },
  ] },
  { name: 'webhook_secret_revealed', columns: [{ name: 'endpoint_id', type: 'text' }, { name: 'origin', type: 'text' }] },
  { name: 'webhook_secret_rotated', columns: [
    { name: 'endpoint_id', type: 'text' },
    { name: 'origin', type: 'text' },
    { name: 'previous_expires_at', type: 'time' },
  ] },
  { name: 'session_switched', columns: [
    { name: 'from_user_id', type: 'text', person: true },
    { name: 'to_user_id', type: 'text', person: true },
  ] },
];

/** CREATE TABLE statements (and the remove-activity trigger per table) for one dialect. */
export function accessEventDdl(dialect: 'sqlite' | 'postgres'): string {
  const time = dialect === 'sqlite' ? 'INTEGER' : 'BIGINT';
  const sqlType: Record<ColumnType, string> = { text: 'TEXT', time, int: dialect === 'sqlite' ? 'INTEGER' : 'BIGINT' };
  return accessEventTables
    .map((t) => {
      const cols = [
        'id TEXT PRIMARY KEY',
        'account_id TEXT NOT NULL REFERENCES accounts(id)',
        'creator_id TEXT NOT NULL REFERENCES users(id)',
        `created_at ${time} NOT NULL`,
        ...t.columns.map((c) =>
          [c.name, sqlType[c.type], c.nullable ? '' : 'NOT NULL', c.person ? 'REFERENCES users(id)' : '', c.check ? `CHECK (${c.check})` : '']
            .filter(Boolean)
            .join(' '),
        ),
      ];
      const table = `CREATE TABLE ${t.name} (\n  ${cols.join(',\n  ')}\n)${dialect === 'sqlite' ? ' STRICT' : ''};`;
      // Removing an event row removes its activity, as for the first six tables (migration 0004).
      const trigger = dialect === 'sqlite'
        ? `CREATE TRIGGER ${t.name}_remove_activity AFTER DELETE ON ${t.name} BEGIN
  DELETE FROM activities WHERE subject_type = '${t.name}' AND subject_id = OLD.id;
END;`
        : `CREATE TRIGGER ${t.name}_remove_activity AFTER DELETE ON ${t.name} FOR EACH ROW EXECUTE FUNCTION event_remove_activity();`;
      return `${table}\nCREATE INDEX ${t.name}_account ON ${t.name}(account_id, created_at);\n${trigger}`;
    })
    .join('\n\n');
}

/**
 * Before `users.email` becomes unique: every e-mail lowercased and trimmed (the form the code has always
 * written), then, where two people still share one, the first created keeps it and each later one gets
 * `local+duplicate-<id>@domain`. Duplicates are renamed, never merged: their ids are in chained event rows
 * (creator_id and others), which cannot change without breaking the audit chain, and the two rows may be two
 * memberships an admin wants to tell apart. Returns the renamed people.
 */
export async function dedupeEmails(tx: Tx): Promise<{ id: string; from: string; to: string }[]> {
  await rawRun(tx, 'UPDATE users SET email = lower(trim(email)) WHERE email <> lower(trim(email))');
  const rows = await rawAll<{ id: string; email: string }>(
    tx,
    `SELECT u.id, u.email FROM users u
      WHERE EXISTS (SELECT 1 FROM users o WHERE o.email = u.email AND (o.created_at < u.created_at OR (o.created_at = u.created_at AND o.id < u.id)))
      ORDER BY u.email, u.created_at, u.id`,
  );
  const renamed: { id: string; from: string; to: string }[] = [];
  for (const r of rows) {
    const at = r.email.lastIndexOf('@');
    const to = at > 0 ? `${r.email.slice(0, at)}+duplicate-${r.id}${r.email.slice(at)}` : `${r.email}+duplicate-${r.id}`;
    await rawRun(tx, 'UPDATE users SET email = ? WHERE id = ?', [to, r.id]);
    renamed.push({ id: r.id, from: r.email, to });
  }
  return renamed;
}
