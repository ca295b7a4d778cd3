import { Archive, KanbanSquare, Plus, UserPlus } from 'lucide-react';
import { useState } from 'react';
import { Dialog } from '../components/Dialog.tsx';
import { Button, EmptyState, ErrorNotice, inputClass, PageHeader, RelativeTime, Skeleton } from '../components/ui.tsx';
import { useApiMutation } from '../lib/mutations.ts';
import { useApi, useInvalidateOn } from '../lib/queries.ts';
import { href } from '../lib/router.tsx';
import { useWorkspace } from '../lib/workspace.ts';
import { NotAllowed, usePermissions } from '../lib/permissions.tsx';

function NewProject() {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const create = useApiMutation('projects.create', ['projects.list', 'boards.list']);
  return (
    <>
      <Button variant="primary" onClick={() => setOpen(true)}><Plus className="size-4" aria-hidden /> New project</Button>
      <Dialog open={open} onClose={() => setOpen(false)} title="New project">
        <form
          className="space-y-3"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ name }, { onSuccess: () => { setOpen(false); setName(''); } });
          }}
        >
          <label className="block text-sm">Name
            <input autoFocus className={`${inputClass} mt-1 w-full`} value={name} onChange={(e) => setName(e.target.value)} required maxLength={120} />
          </label>
          <p className="text-xs text-slate-600 dark:text-slate-400">A first board with the columns To do, Doing and Done is created with it.</p>
          {create.error && <ErrorNotice error={create.error} />}
          <div className="flex justify-end gap-2"><Button onClick={() => setOpen(false)}>Cancel</Button><Button type="submit" variant="primary" disabled={create.isPending}>Create</Button></div>
        </form>
      </Dialog>
    </>
  );
}

function ArchiveProject({ project }: { project: { id: string; name: string } }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const archive = useApiMutation('projects.archive', ['projects.list', 'boards.list', 'boards.get', 'cards.get', 'activity.list']);
  return (
    <>
      <Button variant="ghost" onClick={() => setOpen(true)} aria-label={`Archive ${project.name}`}><Archive className="size-4" aria-hidden /> Archive</Button>
      <Dialog open={open} onClose={() => setOpen(false)} title={`Archive “${project.name}”?`}>
        <form
          className="space-y-3"
          onSubmit={(e) => {
            e.preventDefault();
            archive.mutate({ projectId: project.id, reason }, { onSuccess: () => setOpen(false) });
          }}
        >
          <p className="text-sm text-slate-600 dark:text-slate-400">Its boards become read-only. The reason is kept in the timeline and the audit trail.</p>
          <label className="block text-sm">Reason
            <textarea autoFocus className={`${inputClass} mt-1 w-full`} rows={3} value={reason} onChange={(e) => setReason(e.target.value)} required maxLength={500} />
          </label>
          <p className="text-right text-xs text-slate-600 dark:text-slate-400">{reason.length}/500</p>
          {archive.error && <ErrorNotice error={archive.error} />}
          <div className="flex justify-end gap-2"><Button onClick={() => setOpen(false)}>Cancel</Button><Button type="submit" variant="danger" disabled={archive.isPending}>Archive project</Button></div>
        </form>
      </Dialog>
    </>
  );
}

export function BoardsPage(_props: { params: Record<string, string> }) {
  const projects = useApi('projects.list', {});
  const boards = useApi('boards.list', {});
  const members = useApi('members.list', {});
  useInvalidateOn('activity.created', ['boards.list', 'members.list', 'projects.list']);
  const { readOnly } = useWorkspace();
  const { can, why, known } = usePermissions();
  const cardCount = new Map(boards.data?.items.map((b) => [b.id, b.cardCount]));
  return (
    <div>
      <PageHeader
        title="Boards"
        description={readOnly ? 'Projects and their boards as they were exported. This review bundle is read-only: nothing can be added, moved or changed.' : 'Projects and their boards. Open a board to move cards; every change is recorded.'}
      >
        {!readOnly && can('projects.create') && <NewProject />}
        {!readOnly && known && !can('projects.create') && <NotAllowed>{why('create projects or change cards', 'member')}</NotAllowed>}
      </PageHeader>
      <div className="grid gap-6 p-6 lg:grid-cols-[1fr_18rem]">
        <section aria-label="Projects" className="space-y-4">
          {projects.isPending ? <Skeleton rows={4} /> : projects.error ? <ErrorNotice error={projects.error} /> : projects.data.items.length === 0 ? (
            <EmptyState icon={<KanbanSquare className="size-8" />} title="No projects yet">Create a project to get a first board.</EmptyState>
          ) : (
            projects.data.items.map((p) => (
              // Archived projects are set apart by a dashed border and a badge, not by fading (faded text fails contrast).
              <div key={p.id} className={`rounded-lg border dark:border-slate-800 ${p.archived ? 'border-dashed border-slate-300 bg-slate-50 dark:border-slate-700 dark:bg-slate-900/40' : 'border-slate-200'}`}>
                <div className="flex items-center justify-between gap-2 border-b border-slate-100 px-4 py-2 dark:border-slate-900">
                  <div>
                    <h2 className="flex items-center gap-2 font-medium">
                      {p.name}
                      {p.archived && <span className="rounded-full bg-slate-200 px-2 py-0.5 text-xs font-medium text-slate-800 dark:bg-slate-700 dark:text-slate-100">Archived · read-only</span>}
                    </h2>
                    {p.archived && (
                      <p className="text-xs text-slate-600 dark:text-slate-400">Archived {p.archivedAt && <RelativeTime iso={p.archivedAt} />}: {p.archivedReason}</p>
                    )}
                  </div>
                  <div className="flex items-center gap-1">
                    <a className="rounded-md px-2 py-1 text-sm text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800" href={href('/', { projectId: p.id })}>Timeline</a>
                    {!p.archived && !readOnly && can('projects.archive') && <ArchiveProject project={p} />}
                  </div>
                </div>
                <ul className="grid gap-2 p-3 sm:grid-cols-2 xl:grid-cols-3">
                  {p.boards.map((b) => (
                    <li key={b.id}>
                      <a href={href(`/boards/${b.id}`)} className="flex items-center justify-between rounded-md border border-slate-200 px-3 py-2 hover:border-indigo-400 hover:bg-indigo-50 dark:border-slate-800 dark:hover:bg-indigo-950">
                        <span className="flex items-center gap-2 text-sm font-medium"><KanbanSquare className="size-4 text-slate-400" aria-hidden />{b.name}</span>
                        <span className="text-xs text-slate-600 dark:text-slate-400">{cardCount.get(b.id) ?? 0} cards</span>
                      </a>
                    </li>
                  ))}
                </ul>
              </div>
            ))
          )}
        </section>
        <aside aria-label="Members" className="space-y-2">
          <div className="flex items-center justify-between"><h2 className="font-medium">Members</h2>{!readOnly && can('members.invite') && (
            // Invitations live on the People page: they stay pending there and show their one-time join token.
            <a href={href('/people')} className="inline-flex items-center gap-1 rounded-md border border-slate-300 px-2 py-1 text-sm hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800"><UserPlus className="size-4" aria-hidden /> Invite…</a>
          )}</div>
          {!readOnly && known && !can('members.invite') && <NotAllowed>{why('invite people')}</NotAllowed>}
          <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 dark:divide-slate-900 dark:border-slate-800">
            {members.data?.items.map((m) => (
              <li key={m.id} className="flex items-center justify-between px-3 py-2 text-sm">
                <span><span className="font-medium">{m.user.name}</span><br /><span className="text-xs text-slate-600 dark:text-slate-400">{m.user.email}</span></span>
                <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs dark:bg-slate-800">{m.role}</span>
              </li>
            ))}
          </ul>
        </aside>
      </div>
    </div>
  );
}
