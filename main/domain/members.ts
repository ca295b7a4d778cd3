import { newId } from '../../db/ids.ts';
import type { MembershipsTable } from '../../db/schema.ts';
import * as ws from '../../db/workspace.ts';
import { conflict } from '../errors.ts';
import { announce, inCommand, now, type DomainContext } from './context.ts';
import { recordEvent } from './record.ts';

export interface InviteMemberInput {
  email: string;
  name: string;
  role: Exclude<MembershipsTable['role'], 'owner'>;
}

/** Invite a person (existing by e-mail, or new) into the session's account. */
export async function inviteMember(ctx: DomainContext, input: InviteMemberInput): Promise<MembershipsTable> {
  const { session } = ctx;
  const at = now(ctx);
  const result = await inCommand(ctx, async (tx) => {
    let user = await ws.findUserByEmail(tx, input.email);
    if (!user) {
      user = { id: newId(at), account_id: session.accountId, name: input.name, email: input.email.toLowerCase(), created_at: at };
      await ws.insertUser(tx, user);
    } else if (await ws.findMembership(tx, session.accountId, user.id)) {
      throw conflict(`${user.name} (${user.email}) is already a member of this account.`);
    }
    const membership: MembershipsTable = { id: newId(at), account_id: session.accountId, user_id: user.id, role: input.role, created_at: at };
    await ws.insertMembership(tx, membership);
    const event = await recordEvent(
      tx,
      'member_invited',
      { id: newId(at), account_id: session.accountId, creator_id: session.userId, created_at: at, membership_id: membership.id, invitee_id: user.id, role: input.role },
      { boardId: null, projectId: null },
    );
    return { membership, event };
  });
  announce(ctx, [result.event]);
  return result.membership;
}
