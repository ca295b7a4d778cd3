// What this person may do here: session.get lists the contract methods their role allows (computed in main from
// the contract, the same table rpc.ts enforces), so the console hides what would be refused and says why.
import type { MethodName } from '../../preload/contract.ts';
import { useApi } from './queries.ts';

const article = (role: string) => (role === 'owner' || role === 'admin' ? 'an' : 'a');

export function usePermissions() {
  const session = useApi('session.get', {});
  const role = session.data?.role;
  const allowed = new Set(session.data?.allowed ?? []);
  return {
    role,
    known: session.isSuccess,
    can: (method: MethodName) => allowed.has(method),
    /** Why an action is missing, in a sentence ("Only owners and admins can add endpoints; you are a member."). */
    why: (what: string, needs: 'admin' | 'member' | 'owner' = 'admin') =>
      !role
        ? ''
        : role === 'viewer' && needs === 'member'
          ? `You are a viewer here: you can read everything but not ${what}.`
          : needs === 'owner'
            ? `Only an owner can ${what}; you are ${article(role)} ${role}.`
            : needs === 'admin'
              ? `Only owners and admins can ${what}; you are ${article(role)} ${role}.`
              : `Only members and above can ${what}; you are ${article(role)} ${role}.`,
  };
}

export function NotAllowed({ children }: { children: string }) {
  return <p className="text-xs text-slate-600 dark:text-slate-400" data-testid="not-allowed">{children}</p>;
}
