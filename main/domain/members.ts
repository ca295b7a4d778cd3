// People of an account: new accounts, invitations (pending until the invitee answers), roles, and the demo's
// "acting as". Every change is an access event (main/events/), recorded in the command's transaction.
import { randomBytes } from 'node:crypto';
import { newId } from '../../db/ids.ts';
import * as people from '../../db/people.ts';
import type { InvitedRole, MembershipsTable, Role } from '../../db/schema.ts';
import type { Db, Store, Tx } from '../../db/store.ts';
import * as ws from '../../db/workspace.ts';
import { AppError, conflict, notFound } from '../errors.ts';
import { announce, inCommand, now, type DomainContext } from './context.ts';
import type { RecordedEvent } from './hooks.ts';
import { recordEvent } from './record.ts';
import { mintToken } from './tokens.ts';

/** How long an invitation stays open. */
export const INVITATION_DAYS = 14;
const DAY = 86_400_000;

/** `chrj_` + 256 random bits: a hub invitation's one-time join token. */
export const newJoinToken = () => `chrj_${randomBytes(32).toString('base64url')}`;

const none = { boardId: null, projectId: null };

/**
 * A new account with its owner. The owner is `as` (the person creating it, when they give their own e-mail) or a
 * new person; an e-mail that belongs to someone else is refused, never borrowed: creating an account must not
 * make its caller someone who already exists (and so a member of that person's accounts).
 */
export function createAccount(store: Store, input: { name: string; owner: { name: string; email: string }; at?: number; as?: string }) {
  const at = input.at ?? Date.now();
  const email = input.owner.email.trim().toLowerCase();
  return store.transaction(async (tx) => {
    const accountId = newId(at);
    await ws.insertAccount(tx, { id: accountId, name: input.name, created_at: at });
    const self = input.as ? await ws.findUser(tx, input.as) : undefined;
    let userId: string;
    if (self && self.email === email) userId = self.id;
    else {
      userId = newId(at);
      const inserted = await people.insertNewUser(tx, { id: userId, account_id: accountId, name: input.owner.name, email, created_at: at });
      if (!inserted) {
        throw conflict(`${email} already belongs to someone in this workspace. Give your own e-mail${self ? ` (${self.email})` : ''} or a new one; an account cannot be made for another person.`);
      }
    }
    await ws.insertMembership(tx, { id: newId(at), account_id: accountId, user_id: userId, role: 'owner', created_at: at });
    return { accountId, userId };
  });
}

export interface InviteMemberInput {
  email: string;
  name: string;
  role: InvitedRole;
}

/**
 * Invite a person (existing by e-mail, or new) into the session's account. Nobody joins here: the invitation
 * stays pending until the invitee accepts it. `joinToken`: mint a one-time join token (a hub's invitee has no
 * other way in); it is returned once and kept as its hash only.
 */
export async function inviteMember(ctx: DomainContext, input: InviteMemberInput, opts: { joinToken?: boolean } = {}) {
  const { session } = ctx;
  const at = now(ctx);
  const joinToken = opts.joinToken ? newJoinToken() : undefined;
  const result = await inCommand(ctx, async (tx) => {
    const { user } = await people.ensureUser(tx, { id: newId(at), account_id: session.accountId, name: input.name.trim(), email: input.email, created_at: at });
    if (await ws.findMembership(tx, session.accountId, user.id)) throw conflict(`${user.name} (${user.email}) is already a member of this account.`);
    const events: RecordedEvent[] = [];
    const pending = await people.findPendingInvitation(tx, session.accountId, user.id);
    if (pending && pending.expires_at > at) {
      throw conflict(`${user.name} (${user.email}) already has a pending invitation; revoke it first to invite them again.`);
    }
    if (pending) {
      // An expired invitation is closed by the new one (so the trail says what became of it).
      await people.closeInvitation(tx, pending.id, { status: 'revoked', by: session.userId, at });
      events.push(await recordEvent(tx, 'invitation_revoked', { id: newId(at), account_id: session.accountId, creator_id: session.userId, created_at: at, invitation_id: pending.id, invitee_id: user.id }, none));
    }
    const invitation = {
      id: newId(at), account_id: session.accountId, invitee_id: user.id, role: input.role, status: 'pending' as const,
      join_token_hash: joinToken ? people.hashToken(joinToken) : null, invited_by: session.userId, membership_id: null, decided_by: null,
      created_at: at, expires_at: at + INVITATION_DAYS * DAY, decided_at: null,
    };
    await people.insertInvitation(tx, invitation);
    events.push(await recordEvent(tx, 'invitation_sent', { id: newId(at), account_id: session.accountId, creator_id: session.userId, created_at: at, invitation_id: invitation.id, invitee_id: user.id, role: input.role }, none));
    return { invitation, user, events };
  });
  announce(ctx, result.events);
  ctx.push.publish(session.accountId, 'people.changed', {});
  return { invitation: result.invitation, invitee: result.user, joinToken };
}

/** Which invitation an answer is about: by id (the invitee acting as themselves) or by its one-time join token. */
export type InvitationAnswer = { invitationId: string; inviteeId: string } | { joinToken: string };

/** The invitation an answer names, or the refusal: an invitation of someone else is simply not found. */
async function locateInvitation(db: Db, answer: InvitationAnswer) {
  const inv = 'joinToken' in answer ? await people.findInvitationByJoinToken(db, answer.joinToken) : await people.findInvitationFor(db, answer.inviteeId, answer.invitationId);
  if (!inv) {
    throw 'joinToken' in answer
      ? new AppError('unauthorized', 'This join token is not valid: it may have been used already, or the invitation was revoked.')
      : notFound('The invitation');
  }
  return inv;
}

async function requireOpenInvitation(db: Db, answer: InvitationAnswer, at: number) {
  const inv = await locateInvitation(db, answer);
  if (inv.status !== 'pending') throw conflict(`This invitation was already ${inv.status}.`);
  if (inv.expires_at <= at) throw conflict(`This invitation expired on ${new Date(inv.expires_at).toISOString().slice(0, 10)}; ask for a new one.`);
  return inv;
}

/**
 * Accept: the membership begins, in the inviting account's transaction (its lock, its chain). With `token`, a
 * personal access token for the new membership is minted too (a hub's invitee needs one to come back).
 */
export async function acceptInvitation(ctx: DomainContext, answer: InvitationAnswer, opts: { token?: boolean } = {}) {
  const at = now(ctx);
  // Found first to learn its account; checked again inside the command, under that account's lock.
  const found = await locateInvitation(ctx.store, answer);
  const accountCtx: DomainContext = { ...ctx, session: { accountId: found.account_id, userId: found.invitee_id } };
  const result = await inCommand(accountCtx, async (tx) => {
    const inv = await requireOpenInvitation(tx, answer, at);
    const membership: MembershipsTable = { id: newId(at), account_id: inv.account_id, user_id: inv.invitee_id, role: inv.role, created_at: at };
    if (!(await people.insertMembershipIfNew(tx, membership))) throw conflict('You are already a member of this account.');
    if (!(await people.closeInvitation(tx, inv.id, { status: 'accepted', by: inv.invitee_id, at, membershipId: membership.id }))) {
      throw conflict('This invitation was answered at the same moment elsewhere.');
    }
    const events = [
      await recordEvent(tx, 'invitation_accepted', { id: newId(at), account_id: inv.account_id, creator_id: inv.invitee_id, created_at: at, invitation_id: inv.id, membership_id: membership.id, role: inv.role }, none),
    ];
    let token: string | undefined;
    if (opts.token) {
      const minted = await mintToken(tx, { accountId: inv.account_id, userId: inv.invitee_id, name: 'Joined with an invitation', by: inv.invitee_id, source: 'invitation', at });
      token = minted.token;
      events.push(minted.event);
    }
    return { inv, membership, token, events };
  });
  announce(ctx, result.events);
  ctx.push.publish(result.inv.account_id, 'people.changed', {});
  return result;
}

export async function declineInvitation(ctx: DomainContext, answer: InvitationAnswer) {
  const at = now(ctx);
  const found = await locateInvitation(ctx.store, answer);
  const accountCtx: DomainContext = { ...ctx, session: { accountId: found.account_id, userId: found.invitee_id } };
  const result = await inCommand(accountCtx, async (tx) => {
    const inv = await requireOpenInvitation(tx, answer, at);
    if (!(await people.closeInvitation(tx, inv.id, { status: 'declined', by: inv.invitee_id, at }))) throw conflict('This invitation was answered at the same moment elsewhere.');
    const event = await recordEvent(tx, 'invitation_declined', { id: newId(at), account_id: inv.account_id, creator_id: inv.invitee_id, created_at: at, invitation_id: inv.id }, none);
    return { inv, event };
  });
  announce(ctx, [result.event]);
  ctx.push.publish(result.inv.account_id, 'people.changed', {});
  return result.inv.id;
}

export async function revokeInvitation(ctx: DomainContext, invitationId: string) {
  const { session } = ctx;
  const at = now(ctx);
  const result = await inCommand(ctx, async (tx) => {
    const inv = await people.findInvitation(tx, session.accountId, invitationId);
    if (!inv) throw notFound('The invitation');
    if (inv.status !== 'pending') throw conflict(`This invitation was already ${inv.status}.`);
    if (!(await people.closeInvitation(tx, inv.id, { status: 'revoked', by: session.userId, at }))) throw conflict('This invitation was answered at the same moment.');
    const event = await recordEvent(tx, 'invitation_revoked', { id: newId(at), account_id: session.accountId, creator_id: session.userId, created_at: at, invitation_id: inv.id, invitee_id: inv.invitee_id }, none);
    return { event };
  });
  announce(ctx, [result.event]);
  ctx.push.publish(session.accountId, 'people.changed', {});
}

async function roleChange(tx: Tx, ctx: DomainContext, member: MembershipsTable, to: Role, at: number) {
  await people.setMembershipRole(tx, member.account_id, member.user_id, to);
  return recordEvent(
    tx,
    'member_role_changed',
    { id: newId(at), account_id: member.account_id, creator_id: ctx.session.userId, created_at: at, membership_id: member.id, member_id: member.user_id, from_role: member.role, to_role: to },
    none,
  );
}

/** Change a member's role below owner (an owner's role moves only with transferOwnership). */
export async function setMemberRole(ctx: DomainContext, input: { userId: string; role: InvitedRole }) {
  const { session } = ctx;
  const at = now(ctx);
  const event = await inCommand(ctx, async (tx) => {
    const member = await ws.findMembership(tx, session.accountId, input.userId);
    if (!member) throw notFound('The person');
    if (member.role === 'owner') throw conflict('An owner’s role changes only when they hand ownership on (Transfer ownership).');
    if (member.role === input.role) throw conflict(`They are already ${input.role === 'admin' ? 'an' : 'a'} ${input.role}.`);
    return roleChange(tx, ctx, member, input.role, at);
  });
  announce(ctx, [event]);
  ctx.push.publish(session.accountId, 'people.changed', {});
}

/** The caller (an owner) makes another member the owner and becomes an admin. */
export async function transferOwnership(ctx: DomainContext, userId: string) {
  const { session } = ctx;
  const at = now(ctx);
  const events = await inCommand(ctx, async (tx) => {
    if (userId === session.userId) throw conflict('You already own this account.');
    const to = await ws.findMembership(tx, session.accountId, userId);
    if (!to) throw notFound('The person');
    if (to.role === 'owner') throw conflict('They already own this account.');
    const from = (await ws.findMembership(tx, session.accountId, session.userId))!;
    return [await roleChange(tx, ctx, to, 'owner', at), await roleChange(tx, ctx, from, 'admin', at)];
  });
  announce(ctx, events);
  ctx.push.publish(session.accountId, 'people.changed', {});
}

/** A demo's desk starts acting as another of the account's people: recorded, then the caller switches. */
export async function recordSessionSwitch(ctx: DomainContext, toUserId: string) {
  const { session } = ctx;
  const at = now(ctx);
  const event = await inCommand(ctx, async (tx) => {
    if (!(await ws.findMembership(tx, session.accountId, toUserId))) throw notFound('The person');
    return recordEvent(tx, 'session_switched', { id: newId(at), account_id: session.accountId, creator_id: session.userId, created_at: at, from_user_id: session.userId, to_user_id: toUserId }, none);
  });
  announce(ctx, [event]);
}
