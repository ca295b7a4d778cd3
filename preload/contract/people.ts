// Contract section for people and permissions (issue 9): roles, invitations, personal access tokens. Merged into
// ../contract.ts. `members.list` and `members.invite` live in ./foundation.ts with the rest of the workspace.
import { z } from 'zod';
import { Empty, Id, method, NamedRef, PersonRef } from './common.ts';
import { Member, Role, User } from './foundation.ts';

export const InvitationStatus = z.enum(['pending', 'accepted', 'declined', 'revoked', 'expired']);

export const Invitation = z.object({
  id: Id,
  account: NamedRef,
  invitee: User,
  role: Role.exclude(['owner']),
  status: InvitationStatus,
  invitedBy: PersonRef,
  createdAt: z.string(),
  expiresAt: z.string(),
  decidedAt: z.string().nullable(),
});

export const AccessToken = z.object({
  id: Id,
  name: z.string(),
  /** The first characters of the token (`chr_Ab3k…`), to tell tokens apart; never the token. */
  prefix: z.string(),
  person: PersonRef,
  /** The person's role in the account now: what the token may do. */
  role: Role.nullable(),
  createdBy: PersonRef,
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

/** A join token (hub) or an invitation id (the invitee acting as themselves): exactly one. */
const Answer = z
  .object({ invitationId: Id.optional(), joinToken: z.string().regex(/^chrj_[A-Za-z0-9_-]{43}$/, 'must be a join token (chrj_…)').optional() })
  .strict()
  .refine((a) => (a.invitationId === undefined) !== (a.joinToken === undefined), { message: 'give either invitationId or joinToken' });

const TokenName = z.string().trim().min(1, 'a name is required, e.g. “Ana’s laptop”').max(100);

export const peopleMethods = {
  'members.setRole': method(
    z.object({ userId: Id, role: Role.exclude(['owner']) }).strict(),
    Member,
    // Admins manage roles below owner; an owner's role moves only with members.transferOwnership.
    { role: 'admin', write: true },
  ),
  'members.transferOwnership': method(
    z.object({ userId: Id }).strict(),
    z.object({ from: Member, to: Member }),
    // Only an owner hands ownership on (they become an admin).
    { role: 'owner', write: true },
  ),

  'invitations.list': method(
    Empty,
    z.object({
      /** This account's invitations, newest first (pending ones first). */
      items: z.array(Invitation),
      /** Pending invitations addressed to the session's person, from any account: answered in the inbox. */
      mine: z.array(Invitation),
    }),
    { role: 'viewer' },
  ),
  'invitations.accept': method(
    Answer,
    z.object({
      member: Member,
      account: NamedRef,
      /** On a hub: a personal access token for the new membership, shown once. */
      token: z.string().optional(),
    }),
    // `anyone`: the invitee is not a member of the inviting account yet; the handler checks that the caller is the
    // invitee (or holds the invitation's one-time join token).
    { role: 'anyone', write: true },
  ),
  'invitations.decline': method(Answer, Invitation, { role: 'anyone', write: true }),
  'invitations.revoke': method(z.object({ invitationId: Id }).strict(), Invitation, { role: 'admin', write: true }),

  'tokens.list': method(
    z.object({ includeRevoked: z.boolean().default(false) }).strict().default({ includeRevoked: false }),
    z.object({ items: z.array(AccessToken) }),
    // Everyone sees their own tokens; owners and admins see the account's.
    { role: 'viewer' },
  ),
  'tokens.create': method(
    z.object({ userId: Id, name: TokenName }).strict(),
    AccessToken.extend({ token: z.string() }),
    { role: 'admin', write: true },
  ),
  'tokens.revoke': method(z.object({ tokenId: Id }).strict(), AccessToken, { role: 'admin', write: true }),
} as const;

export const peopleTopics = {
  /** Members, invitations or tokens of the account changed: refetch the Members page and the inbox. */
  'people.changed': z.object({}),
} as const;
