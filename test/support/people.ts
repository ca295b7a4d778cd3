// People for tests: an invitation is pending until accepted, so "a member" is made by inviting and accepting
// (with the invitation's one-time join token), both through the contract like a person would.
import type { App } from '../../main/app.ts';
import { invoke } from '../../main/rpc.ts';
import { caller } from './workspace.ts';

type Caller = Awaited<ReturnType<typeof caller>>;

/** Invite `email` into the caller's account with `role` and accept it: returns the new member's user id. */
export async function addMember(app: App, by: Caller, who: { email: string; name: string; role: 'admin' | 'member' | 'viewer' }): Promise<string> {
  const inv = await by.call('members.invite', who);
  const r = await invoke(app, { session: null }, 'invitations.accept', { joinToken: inv.joinToken });
  if (!r.ok) throw new Error(`invitations.accept: ${r.error.code}: ${r.error.message}`);
  return inv.invitee.id;
}

/** A caller acting as `userId` in `accountId` (what a person's own window would be). */
export const callerAs = (app: App, accountId: string, userId: string) => caller(app, { session: { accountId, userId } });
