// SQL of people and permissions (migration 0006): who a session is allowed to be (memberships and roles, the
// demo flag), invitations, personal access tokens. Every read a person can reach takes the account id, except the
// few that follow one person across accounts (their own pending invitations) or resolve a presented secret.
import { createHash, timingSafeEqual } from 'node:crypto';
import { all, bool, first, rawFirst, rawRun, run, type Db, type Tx } from './sql.ts';
import type { AccessTokensTable, InvitationsTable, InvitationStatus, MembershipsTable, Role, UsersTable } from './schema.ts';

// ---- Who the session is ----

/**
 * The session's person in the session's account: their role and whether the account is a demo. One statement;
 * main/rpc.ts runs it before every method that needs a role. Undefined: not a member (or no such account).
 */
export async function findAccess(db: Db, accountId: string, userId: string): Promise<{ role: Role; demo: boolean; accountName: string } | undefined> {
  const row = await rawFirst<{ role: Role; demo: unknown; name: string }>(
    db,
    'SELECT m.role, a.demo, a.name FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE m.account_id = ? AND m.user_id = ?',
    [accountId, userId],
  );
  return row ? { role: row.role, demo: bool(row.demo), accountName: row.name } : undefined;
}

export const markAccountDemo = (db: Db, accountId: string) => run(db, db.q.updateTable('accounts').set({ demo: true }).where('id', '=', accountId));

export async function isDemoAccount(db: Db, accountId: string): Promise<boolean> {
  const row = await first(db, db.q.selectFrom('accounts').select('demo').where('id', '=', accountId));
  return row ? bool(row.demo) : false;
}

/** The oldest account and its first owner: who a local workspace acts as (the person who created it). */
export async function workspaceCreator(db: Db): Promise<{ accountId: string; userId: string } | undefined> {
  return rawFirst<{ accountId: string; userId: string }>(
    db,
    `SELECT a.id AS "accountId", m.user_id AS "userId" FROM accounts a
       JOIN memberships m ON m.account_id = a.id
      ORDER BY a.created_at, a.id, CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, m.created_at, m.id
      LIMIT 1`,
  );
}

// ---- People ----

/**
 * A person with this e-mail: the existing one, or a new one made from `row`. Race-free on a hub: two commands
 * inviting one new e-mail at once meet at the unique index (ON CONFLICT DO NOTHING) and both get the same person.
 */
export async function ensureUser(db: Db, row: UsersTable): Promise<{ user: UsersTable; created: boolean }> {
  const email = row.email.trim().toLowerCase();
  const inserted = await run(db, db.q.insertInto('users').values({ ...row, email }).onConflict((oc) => oc.column('email').doNothing()));
  const user = (await first(db, db.q.selectFrom('users').selectAll().where('email', '=', email)))!;
  return { user, created: inserted > 0 };
}

/** Insert a person only if the e-mail is free; false when someone already has it (nothing written). */
export async function insertNewUser(db: Db, row: UsersTable): Promise<boolean> {
  const email = row.email.trim().toLowerCase();
  return (await run(db, db.q.insertInto('users').values({ ...row, email }).onConflict((oc) => oc.column('email').doNothing()))) > 0;
}

// ---- Memberships and roles ----

export const setMembershipRole = (db: Db, accountId: string, userId: string, role: Role) =>
  run(db, db.q.updateTable('memberships').set({ role }).where('account_id', '=', accountId).where('user_id', '=', userId));

/** A membership row with its person (what the Members page shows). */
export const findMember = (db: Db, accountId: string, userId: string) =>
  first(
    db,
    db.q.selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select(['memberships.id', 'memberships.role', 'memberships.created_at', 'memberships.account_id', 'users.id as user_id', 'users.name', 'users.email'])
      .where('memberships.account_id', '=', accountId)
      .where('memberships.user_id', '=', userId),
  );

/** Insert a membership unless the person already has one in the account; false when they had. */
export async function insertMembershipIfNew(db: Db, row: MembershipsTable): Promise<boolean> {
  return (await run(db, db.q.insertInto('memberships').values(row).onConflict((oc) => oc.columns(['account_id', 'user_id']).doNothing()))) > 0;
}

// ---- Secrets presented to the host: personal access tokens and join tokens ----

/**
 * The stored form of a token: SHA-256, hex. A fast hash is right here, unlike for passwords: the tokens are 256
 * random bits, so no guess or dictionary gets anywhere near one; slow hashes (scrypt, bcrypt) protect
 * low-entropy secrets a person chose. Fast and deterministic also means the host finds a token by its hash through
 * the unique index on every request.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Equal hashes, compared in constant time (both are 64 hex digits). */
function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

const LAST_USED_EVERY_MS = 60_000;

/**
 * The person and account a presented personal access token acts for, or undefined (unknown or revoked). The token
 * is hashed first and looked up by its hash: the index walk can only reveal how much of a stored *hash* a guess
 * matches, which says nothing about any token (SHA-256 is not invertible); the final comparison is constant-time
 * anyway. `last_used_at` is written at most once a minute per token (the UPDATE's condition keeps it so when
 * several requests race), so a busy client costs no write per request.
 */
export async function resolveAccessToken(db: Db, presented: string, now: number): Promise<{ tokenId: string; accountId: string; userId: string } | undefined> {
  const hash = hashToken(presented);
  const row = await rawFirst<{ id: string; account_id: string; user_id: string; token_hash: string; last_used_at: number | null; revoked_at: number | null }>(
    db,
    'SELECT id, account_id, user_id, token_hash, last_used_at, revoked_at FROM access_tokens WHERE token_hash = ?',
    [hash],
  );
  if (!row || !sameHash(row.token_hash, hash) || row.revoked_at !== null) return undefined;
  if (row.last_used_at === null || row.last_used_at <= now - LAST_USED_EVERY_MS) {
    await rawRun(db, 'UPDATE access_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)', [now, row.id, now - LAST_USED_EVERY_MS]);
  }
  return { tokenId: row.id, accountId: row.account_id, userId: row.user_id };
}

export const insertAccessToken = (db: Db, row: AccessTokensTable) => run(db, db.q.insertInto('access_tokens').values(row));

const tokenView = (db: Db) =>
  db.q.selectFrom('access_tokens as t')
    .innerJoin('users as p', 'p.id', 't.user_id')
    .innerJoin('users as c', 'c.id', 't.created_by')
    .leftJoin('memberships as m', (j) => j.onRef('m.account_id', '=', 't.account_id').onRef('m.user_id', '=', 't.user_id'))
    .select([
      't.id', 't.account_id', 't.user_id', 't.name', 't.prefix', 't.created_by', 't.created_at', 't.last_used_at', 't.revoked_at', 't.revoked_by',
      'p.name as person_name', 'c.name as creator_name', 'm.role as role',
    ]);

/** Tokens of the account (of one person when `userId` is given), newest first; revoked ones only when asked. */
export function listAccessTokens(db: Db, accountId: string, opts: { userId?: string; includeRevoked: boolean }) {
  let q = tokenView(db).where('t.account_id', '=', accountId);
  if (opts.userId) q = q.where('t.user_id', '=', opts.userId);
  if (!opts.includeRevoked) q = q.where('t.revoked_at', 'is', null);
  return all(db, q.orderBy('t.created_at', 'desc').orderBy('t.id', 'desc'));
}

export const findAccessToken = (db: Db, accountId: string, id: string) =>
  first(db, tokenView(db).where('t.account_id', '=', accountId).where('t.id', '=', id));

/** Revoke a live token; false when it was already revoked (nothing written). */
export async function revokeAccessToken(tx: Tx, accountId: string, id: string, by: string, at: number): Promise<boolean> {
  return (await run(tx, tx.q.updateTable('access_tokens').set({ revoked_at: at, revoked_by: by }).where('account_id', '=', accountId).where('id', '=', id).where('revoked_at', 'is', null))) > 0;
}

// ---- Invitations ----

export const insertInvitation = (db: Db, row: InvitationsTable) => run(db, db.q.insertInto('invitations').values(row));

const invitationView = (db: Db) =>
  db.q.selectFrom('invitations as i')
    .innerJoin('users as u', 'u.id', 'i.invitee_id')
    .innerJoin('users as b', 'b.id', 'i.invited_by')
    .innerJoin('accounts as a', 'a.id', 'i.account_id')
    .selectAll('i')
    .select(['u.name as invitee_name', 'u.email as invitee_email', 'b.name as inviter_name', 'a.name as account_name']);

export type InvitationRow = InvitationsTable & { invitee_name: string; invitee_email: string; inviter_name: string; account_name: string };

export const findInvitation = (db: Db, accountId: string, id: string): Promise<InvitationRow | undefined> =>
  first(db, invitationView(db).where('i.account_id', '=', accountId).where('i.id', '=', id));

/** An invitation addressed to this person, in whichever account (the invitee answering it). */
export const findInvitationFor = (db: Db, inviteeId: string, id: string): Promise<InvitationRow | undefined> =>
  first(db, invitationView(db).where('i.invitee_id', '=', inviteeId).where('i.id', '=', id));

/** The invitation a join token opens (constant-time check of the hash once found, as for access tokens). */
export async function findInvitationByJoinToken(db: Db, token: string): Promise<InvitationRow | undefined> {
  const hash = hashToken(token);
  const row = await first(db, invitationView(db).where('i.join_token_hash', '=', hash));
  return row && row.join_token_hash && sameHash(row.join_token_hash, hash) ? row : undefined;
}

/** The account's invitations: pending first, then newest first. */
export const listInvitations = (db: Db, accountId: string): Promise<InvitationRow[]> =>
  all(
    db,
    invitationView(db).where('i.account_id', '=', accountId)
      .orderBy((eb) => eb.case().when('i.status', '=', 'pending').then(0).else(1).end())
      .orderBy('i.created_at', 'desc')
      .orderBy('i.id', 'desc')
      .limit(500),
  );

/** Pending, unexpired invitations addressed to a person, from every account. */
export const listPendingInvitationsFor = (db: Db, inviteeId: string, now: number): Promise<InvitationRow[]> =>
  all(
    db,
    invitationView(db).where('i.invitee_id', '=', inviteeId).where('i.status', '=', 'pending').where('i.expires_at', '>', now)
      .orderBy('i.created_at', 'desc')
      .orderBy('i.id', 'desc'),
  );

/** The account's pending invitation of a person, if any (expired or not). */
export const findPendingInvitation = (db: Db, accountId: string, inviteeId: string) =>
  first(db, db.q.selectFrom('invitations').selectAll().where('account_id', '=', accountId).where('invitee_id', '=', inviteeId).where('status', '=', 'pending'));

/**
 * Close a pending invitation (accepted, declined, revoked): the join token goes with it. False when it was no longer
 * pending: someone answered it at the same moment, and this answer changed nothing.
 */
export async function closeInvitation(
  tx: Tx,
  id: string,
  decision: { status: Exclude<InvitationStatus, 'pending'>; by: string; at: number; membershipId?: string },
): Promise<boolean> {
  return (
    (await run(
      tx,
      tx.q.updateTable('invitations')
        .set({ status: decision.status, decided_by: decision.by, decided_at: decision.at, join_token_hash: null, membership_id: decision.membershipId ?? null })
        .where('id', '=', id)
        .where('status', '=', 'pending'),
    )) > 0
  );
}

// ---- What the invitation notification says, and to whom ----

/** An invitation_sent event with the names its notification uses, and the accounts its invitee belongs to. */
export async function invitationNotice(db: Db, accountId: string, eventId: string) {
  const ev = await rawFirst<{ id: string; account_id: string; creator_id: string; created_at: number; invitation_id: string; invitee_id: string; role: string; inviter: string; account: string }>(
    db,
    `SELECT e.id, e.account_id, e.creator_id, e.created_at, e.invitation_id, e.invitee_id, e.role, u.name AS inviter, a.name AS account
       FROM invitation_sent e JOIN users u ON u.id = e.creator_id JOIN accounts a ON a.id = e.account_id
      WHERE e.id = ? AND e.account_id = ?`,
    [eventId, accountId],
  );
  if (!ev) return undefined;
  const accounts = await all(db, db.q.selectFrom('memberships').select('account_id').where('user_id', '=', ev.invitee_id).where('account_id', '<>', accountId).orderBy('account_id'));
  return { ...ev, inviteeAccounts: accounts.map((a) => a.account_id) };
}

/** An invitation by id alone (after its invitee answered it: the answer's own row, for the reply). */
export const findInvitationById = (db: Db, id: string): Promise<InvitationRow | undefined> => first(db, invitationView(db).where('i.id', '=', id));
