// People: the account's members and their roles, invitations (sent, and the ones addressed to you), and personal
// access tokens. Each section shows only what this person's role allows and says why where an action is missing.
import { KeyRound, MailPlus, Users } from 'lucide-react';
import { useState } from 'react';
import { Button, EmptyState, ErrorNotice, inputClass, PageHeader, RelativeTime, Skeleton } from '../components/ui.tsx';
import { useApiMutation } from '../lib/mutations.ts';
import { NotAllowed, usePermissions } from '../lib/permissions.tsx';
import { useApi, useInvalidateOn } from '../lib/queries.ts';
import { useWorkspace } from '../lib/workspace.ts';
import { CopyButton } from './webhooks/shared.tsx';

type InvitedRole = 'admin' | 'member' | 'viewer';
const sectionClass = 'rounded-lg border border-slate-200 dark:border-slate-800';
const thClass = 'px-3 py-2 text-left text-xs font-semibold text-slate-700 dark:text-slate-300';
const tdClass = 'px-3 py-2 align-top';

/** A secret shown once (a join token, a personal access token): copy it now, it is not shown again. */
function ShownOnce({ label, value, onDone }: { label: string; value: string; onDone(): void }) {
  return (
    <div role="status" className="space-y-2 rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-950 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-50">
      <p>{label} It is shown only now: copy it and hand it over safely.</p>
      <code data-testid="shown-once" className="block break-all rounded bg-white p-2 font-mono text-xs text-slate-900 dark:bg-slate-900 dark:text-slate-100">{value}</code>
      <div className="flex gap-2"><CopyButton text={value} label="Copy" /><Button onClick={onDone}>Done</Button></div>
    </div>
  );
}

function Members() {
  const members = useApi('members.list', {});
  const session = useApi('session.get', {});
  const { can, why, known } = usePermissions();
  const { readOnly } = useWorkspace();
  const setRole = useApiMutation('members.setRole', ['members.list', 'session.get']);
  const mayChange = can('members.setRole') && !readOnly;
  return (
    <section aria-labelledby="members-title" className={sectionClass}>
      <h2 id="members-title" className="border-b border-slate-200 px-3 py-2 text-sm font-semibold dark:border-slate-800">Members</h2>
      {members.isPending ? <Skeleton rows={3} className="p-3" /> : members.error ? <ErrorNotice error={members.error} /> : (
        <table className="w-full text-sm">
          <thead><tr><th className={thClass}>Person</th><th className={thClass}>Role</th><th className={thClass}>Member since</th></tr></thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-900">
            {members.data.items.map((m) => (
              <tr key={m.id}>
                <td className={tdClass}><span className="font-medium">{m.user.name}</span><br /><span className="text-xs text-slate-600 dark:text-slate-400">{m.user.email}</span></td>
                <td className={tdClass}>
                  {mayChange && m.role !== 'owner' && m.user.id !== session.data?.user.id ? (
                    <>
                      <label htmlFor={`role-${m.id}`} className="sr-only">Role of {m.user.name}</label>
                      <select id={`role-${m.id}`} className={inputClass} value={m.role} disabled={setRole.isPending} onChange={(e) => setRole.mutate({ userId: m.user.id, role: e.target.value as InvitedRole })}>
                        <option value="admin">admin</option><option value="member">member</option><option value="viewer">viewer</option>
                      </select>
                    </>
                  ) : (
                    <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs dark:bg-slate-800">{m.role}</span>
                  )}
                </td>
                <td className={tdClass}><RelativeTime iso={m.createdAt} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {setRole.error && <div className="p-3"><ErrorNotice error={setRole.error} /></div>}
      {known && !mayChange && !readOnly && <div className="px-3 pb-2"><NotAllowed>{why('change roles')}</NotAllowed></div>}
    </section>
  );
}

function Invitations() {
  const invitations = useApi('invitations.list', {});
  const { can, why, known } = usePermissions();
  const { readOnly } = useWorkspace();
  const [form, setForm] = useState({ name: '', email: '', role: 'member' as InvitedRole });
  const [joinToken, setJoinToken] = useState<string | null>(null);
  const invite = useApiMutation('members.invite', ['invitations.list']);
  const revoke = useApiMutation('invitations.revoke', ['invitations.list']);
  const accept = useApiMutation('invitations.accept', ['invitations.list', 'session.get', 'members.list']);
  const decline = useApiMutation('invitations.decline', ['invitations.list']);
  const [token, setToken] = useState('');
  const mayInvite = can('members.invite') && !readOnly;
  const error = invite.error ?? revoke.error ?? accept.error ?? decline.error;
  return (
    <section aria-labelledby="invitations-title" className={sectionClass}>
      <h2 id="invitations-title" className="border-b border-slate-200 px-3 py-2 text-sm font-semibold dark:border-slate-800">Invitations</h2>
      <div className="space-y-3 p-3">
        {invitations.data && invitations.data.mine.length > 0 && (
          <div aria-labelledby="inbox-title" role="group" className="space-y-2">
            <h3 id="inbox-title" className="text-sm font-medium">Addressed to you</h3>
            <ul className="space-y-2">
              {invitations.data.mine.map((i) => (
                <li key={i.id} className="flex flex-wrap items-center gap-2 text-sm">
                  <span>{i.invitedBy.name} invited you to <strong>{i.account.name}</strong> as {i.role}.</span>
                  {!readOnly && <Button variant="primary" disabled={accept.isPending} onClick={() => accept.mutate({ invitationId: i.id })}>Accept</Button>}
                  {!readOnly && <Button disabled={decline.isPending} onClick={() => decline.mutate({ invitationId: i.id })}>Decline</Button>}
                </li>
              ))}
            </ul>
          </div>
        )}
        {accept.data && <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">You joined {accept.data.account.name} as {accept.data.member.role}; switch to it with the account menu.</p>}
        {mayInvite ? (
          <form
            className="flex flex-wrap items-end gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              invite.mutate(form, { onSuccess: (r) => { setJoinToken(r.joinToken ?? null); setForm({ name: '', email: '', role: 'member' }); } });
            }}
          >
            <label className="text-sm">Name<input className={`${inputClass} mt-1 block`} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required /></label>
            <label className="text-sm">E-mail<input type="email" className={`${inputClass} mt-1 block`} value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} required /></label>
            <label className="text-sm">Role
              <select className={`${inputClass} mt-1 block`} value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as InvitedRole })}>
                <option value="member">Member</option><option value="admin">Admin</option><option value="viewer">Viewer</option>
              </select>
            </label>
            <Button type="submit" variant="primary" disabled={invite.isPending}><MailPlus className="size-4" aria-hidden /> Send invitation</Button>
          </form>
        ) : (
          known && !readOnly && <NotAllowed>{why('invite people or revoke invitations')}</NotAllowed>
        )}
        {joinToken && <ShownOnce label="The invitation is pending until it is accepted. Its one-time join token:" value={joinToken} onDone={() => setJoinToken(null)} />}
        {error && <ErrorNotice error={error} />}
        {invitations.isPending ? <Skeleton rows={2} /> : invitations.data && invitations.data.items.length > 0 ? (
          <table className="w-full text-sm">
            <thead><tr><th className={thClass}>Invitee</th><th className={thClass}>Role</th><th className={thClass}>Status</th><th className={thClass}>Sent</th><th className={thClass}><span className="sr-only">Actions</span></th></tr></thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-900">
              {invitations.data.items.map((i) => (
                <tr key={i.id}>
                  <td className={tdClass}>{i.invitee.name}<br /><span className="text-xs text-slate-600 dark:text-slate-400">{i.invitee.email}</span></td>
                  <td className={tdClass}>{i.role}</td>
                  <td className={tdClass}>{i.status}</td>
                  <td className={tdClass}><RelativeTime iso={i.createdAt} /> by {i.invitedBy.name}</td>
                  <td className={tdClass}>{i.status === 'pending' && can('invitations.revoke') && !readOnly && <Button onClick={() => revoke.mutate({ invitationId: i.id })} disabled={revoke.isPending}>Revoke</Button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="text-sm text-slate-600 dark:text-slate-400">No invitations sent from this account yet.</p>
        )}
        {!readOnly && (
          <form className="flex flex-wrap items-end gap-2" onSubmit={(e) => { e.preventDefault(); accept.mutate({ joinToken: token.trim() }, { onSuccess: () => setToken('') }); }}>
            <label className="text-sm">Accept with a join token<input className={`${inputClass} mt-1 block w-96 font-mono`} value={token} onChange={(e) => setToken(e.target.value)} placeholder="chrj_…" required /></label>
            <Button type="submit" disabled={accept.isPending}>Accept invitation</Button>
          </form>
        )}
      </div>
    </section>
  );
}

function Tokens() {
  const { can, why, known } = usePermissions();
  const { readOnly } = useWorkspace();
  const tokens = useApi('tokens.list', {});
  const members = useApi('members.list', {});
  const create = useApiMutation('tokens.create', ['tokens.list']);
  const revoke = useApiMutation('tokens.revoke', ['tokens.list']);
  const [form, setForm] = useState({ userId: '', name: '' });
  const [shown, setShown] = useState<string | null>(null);
  const mayCreate = can('tokens.create') && !readOnly;
  return (
    <section aria-labelledby="tokens-title" className={sectionClass}>
      <h2 id="tokens-title" className="border-b border-slate-200 px-3 py-2 text-sm font-semibold dark:border-slate-800">Personal access tokens</h2>
      <div className="space-y-3 p-3">
        <p className="text-sm text-slate-600 dark:text-slate-400">A token lets its person reach a team hub’s API as themselves, with their role here. It is shown once and kept only as a hash.</p>
        {mayCreate ? (
          <form
            className="flex flex-wrap items-end gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              create.mutate({ userId: form.userId || (members.data?.items[0]?.user.id ?? ''), name: form.name }, { onSuccess: (t) => { setShown(t.token); setForm({ userId: '', name: '' }); } });
            }}
          >
            <label className="text-sm">For
              <select className={`${inputClass} mt-1 block`} value={form.userId} onChange={(e) => setForm({ ...form, userId: e.target.value })}>
                {members.data?.items.map((m) => <option key={m.user.id} value={m.user.id}>{m.user.name} ({m.role})</option>)}
              </select>
            </label>
            <label className="text-sm">Name<input className={`${inputClass} mt-1 block`} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} placeholder="e.g. Ana’s laptop" required /></label>
            <Button type="submit" variant="primary" disabled={create.isPending}><KeyRound className="size-4" aria-hidden /> Create token</Button>
          </form>
        ) : (
          known && !readOnly && <NotAllowed>{why('create or revoke tokens')}</NotAllowed>
        )}
        {shown && <ShownOnce label="The new token:" value={shown} onDone={() => setShown(null)} />}
        {(create.error ?? revoke.error) && <ErrorNotice error={create.error ?? revoke.error} />}
        {tokens.isPending ? <Skeleton rows={2} /> : tokens.error ? <ErrorNotice error={tokens.error} /> : tokens.data.items.length === 0 ? (
          <EmptyState icon={<Users className="size-6" aria-hidden />} title="No tokens">Nobody here has a personal access token yet.</EmptyState>
        ) : (
          <table className="w-full text-sm">
            <thead><tr><th className={thClass}>Token</th><th className={thClass}>Person</th><th className={thClass}>Created</th><th className={thClass}>Last used</th><th className={thClass}><span className="sr-only">Actions</span></th></tr></thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-900">
              {tokens.data.items.map((t) => (
                <tr key={t.id}>
                  <td className={tdClass}>{t.name}<br /><code className="text-xs">{t.prefix}</code></td>
                  <td className={tdClass}>{t.person.name}{t.role ? ` (${t.role})` : ' (no longer a member)'}</td>
                  <td className={tdClass}><RelativeTime iso={t.createdAt} /> by {t.createdBy.name}</td>
                  <td className={tdClass}>{t.lastUsedAt ? <RelativeTime iso={t.lastUsedAt} /> : 'never'}</td>
                  <td className={tdClass}>{can('tokens.revoke') && !readOnly && <Button variant="danger" onClick={() => revoke.mutate({ tokenId: t.id })} disabled={revoke.isPending}>Revoke</Button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}

export function PeoplePage(_props: { params: Record<string, string> }) {
  useInvalidateOn('people.changed', ['members.list', 'invitations.list', 'tokens.list', 'session.get']);
  return (
    <div>
      <PageHeader title="People" description="Who is in this account, what each role may do, invitations and personal access tokens. Every change here is recorded in the audit trail." />
      <div className="grid gap-6 p-6 xl:grid-cols-2">
        <div className="space-y-6"><Members /><Tokens /></div>
        <Invitations />
      </div>
    </div>
  );
}
