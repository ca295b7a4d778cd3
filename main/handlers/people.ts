// Handlers of people and permissions: one per method of preload/contract/people.ts. Roles are the contract's
// (main/rpc.ts checked them before any of these runs); what is left here is whose row is whose.
import { toIso } from '../../db/ids.ts';
import * as people from '../../db/people.ts';
import type { peopleMethods } from '../../preload/contract/people.ts';
import { acceptInvitation, declineInvitation, revokeInvitation, setMemberRole, transferOwnership, type InvitationAnswer } from '../domain/members.ts';
import { createToken, revokeToken } from '../domain/tokens.ts';
import { AppError, notFound } from '../errors.ts';
import { managesAccount, type HandlerContext, type Handlers } from './types.ts';

const iso = (ms: number | null) => (ms === null ? null : toIso(ms));

export function invitationView(i: people.InvitationRow, at = Date.now()) {
  return {
    id: i.id,
    account: { id: i.account_id, name: i.account_name },
    invitee: { id: i.invitee_id, name: i.invitee_name, email: i.invitee_email },
    role: i.role,
    status: i.status === 'pending' && i.expires_at <= at ? ('expired' as const) : i.status,
    invitedBy: { id: i.invited_by, name: i.inviter_name },
    createdAt: toIso(i.created_at),
    expiresAt: toIso(i.expires_at),
    decidedAt: iso(i.decided_at),
  };
}

type TokenRow = NonNullable<Awaited<ReturnType<typeof people.findAccessToken>>>;
function tokenView(t: TokenRow) {
  return {
    id: t.id,
    name: t.name,
    prefix: `${t.prefix}…`,
    person: { id: t.user_id, name: t.person_name },
    role: t.role ?? null,
    createdBy: { id: t.created_by, name: t.creator_name },
    createdAt: toIso(t.created_at),
    lastUsedAt: iso(t.last_used_at),
    revokedAt: iso(t.revoked_at),
  };
}

async function memberView(ctx: HandlerContext, accountId: string, userId: string) {
  const m = await people.findMember(ctx.store, accountId, userId);
  if (!m) throw notFound('The person');
  return { id: m.id, role: m.role, createdAt: toIso(m.created_at), user: { id: m.user_id, name: m.name, email: m.email } };
}

/** The invitation an answer names: a join token, or an id of one addressed to the session's person. */
function answerOf(ctx: HandlerContext, input: { invitationId?: string; joinToken?: string }): InvitationAnswer {
  if (input.joinToken) return { joinToken: input.joinToken };
  if (!ctx.session.userId) throw new AppError('unauthorized', 'Answer an invitation as its invitee, or with the join token it came with.');
  return { invitationId: input.invitationId!, inviteeId: ctx.session.userId };
}

async function requireToken(ctx: HandlerContext, id: string) {
  const t = await people.findAccessToken(ctx.store, ctx.session.accountId, id);
  if (!t) throw notFound('The token');
  return t;
}

export const peopleHandlers: Handlers<keyof typeof peopleMethods> = {
  'members.setRole': async (ctx, input) => {
    await setMemberRole(ctx, input);
    return memberView(ctx, ctx.session.accountId, input.userId);
  },
  'members.transferOwnership': async (ctx, { userId }) => {
    const from = ctx.session.userId;
    await transferOwnership(ctx, userId);
    return { from: await memberView(ctx, ctx.session.accountId, from), to: await memberView(ctx, ctx.session.accountId, userId) };
  },

  'invitations.list': async (ctx) => {
    const at = Date.now();
    return {
      items: (await people.listInvitations(ctx.store, ctx.session.accountId)).map((i) => invitationView(i, at)),
      mine: (await people.listPendingInvitationsFor(ctx.store, ctx.session.userId, at)).map((i) => invitationView(i, at)),
    };
  },
  'invitations.accept': async (ctx, input) => {
    // On a hub the new member gets a personal access token for the account they joined (shown once).
    const r = await acceptInvitation(ctx, answerOf(ctx, input), { token: !ctx.app.local });
    return {
      member: await memberView(ctx, r.inv.account_id, r.inv.invitee_id),
      account: { id: r.inv.account_id, name: r.inv.account_name },
      ...(r.token ? { token: r.token } : {}),
    };
  },
  'invitations.decline': async (ctx, input) => {
    const answer = answerOf(ctx, input);
    const id = await declineInvitation(ctx, answer);
    const inv = (await people.findInvitationById(ctx.store, id))!;
    return invitationView(inv);
  },
  'invitations.revoke': async (ctx, { invitationId }) => {
    await revokeInvitation(ctx, invitationId);
    return invitationView((await people.findInvitation(ctx.store, ctx.session.accountId, invitationId))!);
  },

  'tokens.list': async (ctx, { includeRevoked }) => {
    // Everyone sees their own tokens; owners and admins (who make them) see everyone's.
    const userId = managesAccount(ctx) ? undefined : ctx.session.userId;
    return { items: (await people.listAccessTokens(ctx.store, ctx.session.accountId, { userId, includeRevoked })).map(tokenView) };
  },
  'tokens.create': async (ctx, input) => {
    const { token, id } = await createToken(ctx, input);
    return { ...tokenView(await requireToken(ctx, id)), token };
  },
  'tokens.revoke': async (ctx, { tokenId }) => {
    await revokeToken(ctx, tokenId);
    return tokenView(await requireToken(ctx, tokenId));
  },
};
