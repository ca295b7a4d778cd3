// The durable queue: counts per queue, recurring tasks with their next run, and the jobs themselves (failed ones
// with their error in words).
import type { Output } from '../../../preload/contract.ts';
import { useInfiniteQuery } from '@tanstack/react-query';
import { RefreshCw, Trash2, Workflow } from 'lucide-react';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/Dialog.tsx';
import { useConnection } from '../../components/HubStatus.tsx';
import { Button, EmptyState, ErrorNotice, inputClass, PageHeader, RelativeTime, Skeleton } from '../../components/ui.tsx';
import { api } from '../../lib/client.ts';
import { useInfiniteVirtualList } from '../../lib/useInfiniteVirtualList.ts';
import { useApi, useInvalidateOn } from '../../lib/queries.ts';
import { useApiMutation } from '../../lib/mutations.ts';
import { href, useSearchParams } from '../../lib/router.tsx';
import { useWorkspace } from '../../lib/workspace.ts';
import { Badge, ms } from './shared.tsx';

type JobStatus = 'ready' | 'scheduled' | 'claimed' | 'done' | 'failed' | 'cancelled';
export const statusLabels: Record<JobStatus, string> = { ready: 'Ready', scheduled: 'Scheduled', claimed: 'Running', done: 'Done', failed: 'Failed', cancelled: 'Cancelled' };

/** Whether this person may retry or discard jobs (owners and admins, in a workspace that is not read-only). */
export function useMayManageJobs(): boolean {
  const session = useApi('session.get', {});
  const { readOnly } = useWorkspace();
  return !readOnly && (session.data?.role === 'owner' || session.data?.role === 'admin');
}

/** What a bulk retry or discard did: how many, and each skipped job with its reason. */
export function BulkOutcome({ verb, result }: { verb: string; result: { done: string[]; skipped: { id: string; reason: string }[] } }) {
  return (
    <div role="status" className="rounded-md border border-slate-200 p-3 text-sm dark:border-slate-800">
      <p>{verb} {result.done.length} {result.done.length === 1 ? 'job' : 'jobs'}.{result.skipped.length > 0 ? ` ${result.skipped.length} skipped:` : ''}</p>
      {result.skipped.length > 0 && (
        <ul className="mt-1 list-disc pl-5 text-xs text-slate-700 dark:text-slate-300">
          {result.skipped.slice(0, 20).map((s) => <li key={s.id}><code>{s.id.slice(-8)}</code>: {s.reason}</li>)}
        </ul>
      )}
    </div>
  );
}

function JobList() {
  const [search, setSearch] = useSearchParams();
  const status = (search.get('status') as JobStatus | null) ?? undefined;
  const queue = search.get('queue') ?? undefined;
  const kind = search.get('kind') ?? undefined;
  const input = { limit: 200, ...(status ? { status } : {}), ...(queue ? { queue } : {}), ...(kind ? { kind } : {}) };
  const list = useInfiniteQuery({
    queryKey: ['jobs.list', input],
    queryFn: ({ pageParam }) => api('jobs.list', { ...input, ...(pageParam ? { cursor: pageParam } : {}) }),
    initialPageParam: '' as string,
    getNextPageParam: (last) => last.nextCursor,
    refetchInterval: 5_000,
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const { scrollRef: parent, virtualizer: virtual, virtualItems: items, onKeyDown } = useInfiniteVirtualList({ count: rows.length, query: list, estimateSize: 52, overscan: 10, prefetchWithin: 20 });
  const may = useMayManageJobs();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [confirmDiscard, setConfirmDiscard] = useState(false);
  const retry = useApiMutation('jobs.retry', ['jobs.list', 'jobs.stats', 'jobs.get']);
  const discard = useApiMutation('jobs.discard', ['jobs.list', 'jobs.stats', 'jobs.get']);
  const kinds = [...new Set(rows.map((j) => j.kind).concat(kind ? [kind] : []))].sort();
  const toggle = (id: string, on: boolean) => setSelected((cur) => { const next = new Set(cur); if (on) next.add(id); else next.delete(id); return next; });
  const ids = [...selected].slice(0, 500);
  const allShown = rows.length > 0 && rows.every((j) => selected.has(j.id));
  const outcome = retry.data ? { verb: 'Retried', result: retry.data } : discard.data ? { verb: 'Discarded', result: discard.data } : null;
  return (
    <section aria-labelledby="jobs-title">
      <div className="flex flex-wrap items-center gap-3 py-3">
        <h2 id="jobs-title" className="text-sm font-semibold">Jobs</h2>
        <label className="text-sm">Status{' '}
          <select className={inputClass} value={status ?? ''} onChange={(e) => { setSelected(new Set()); setSearch({ status: e.target.value || null }); }}>
            <option value="">Any</option>
            {(Object.keys(statusLabels) as JobStatus[]).map((s) => <option key={s} value={s}>{statusLabels[s]}</option>)}
          </select>
        </label>
        <label className="text-sm">Kind{' '}
          <select className={inputClass} value={kind ?? ''} onChange={(e) => { setSelected(new Set()); setSearch({ kind: e.target.value || null }); }}>
            <option value="">Any</option>
            {kinds.map((k) => <option key={k} value={k}>{k}</option>)}
          </select>
        </label>
        {queue && <button type="button" className="text-sm text-indigo-700 underline dark:text-indigo-300" onClick={() => setSearch({ queue: null })}>Queue “{queue}” ✕</button>}
        {may && rows.length > 0 && (
          <div className="ml-auto flex items-center gap-2">
            <label className="flex items-center gap-1 text-sm"><input type="checkbox" checked={allShown} onChange={(e) => setSelected(e.target.checked ? new Set(rows.slice(0, 500).map((j) => j.id)) : new Set())} /> Select all shown</label>
            <Button disabled={ids.length === 0 || retry.isPending} onClick={() => { discard.reset(); retry.mutate({ ids }, { onSuccess: () => setSelected(new Set()) }); }}><RefreshCw className="size-4" aria-hidden /> Retry {ids.length || ''}</Button>
            <Button variant="danger" disabled={ids.length === 0 || discard.isPending} onClick={() => { retry.reset(); discard.reset(); setConfirmDiscard(true); }}><Trash2 className="size-4" aria-hidden /> Discard {ids.length || ''}</Button>
          </div>
        )}
      </div>
      <ConfirmDialog
        open={confirmDiscard}
        onClose={() => setConfirmDiscard(false)}
        title={`Discard ${ids.length} ${ids.length === 1 ? 'job' : 'jobs'}?`}
        cancelLabel="Keep them"
        confirmLabel={discard.isPending ? 'Discarding…' : 'Discard'}
        danger
        busy={discard.isPending}
        error={discard.error ? <ErrorNotice error={discard.error} title="Nothing was discarded" /> : null}
        onConfirm={() => discard.mutate({ ids }, { onSuccess: () => { setConfirmDiscard(false); setSelected(new Set()); } })}
      >
        <p>Waiting and failed jobs are discarded; a running one is never stopped mid-run and is skipped. A webhook delivery whose job is discarded ends <em>cancelled</em>, with your name. Retry brings a discarded job back.</p>
      </ConfirmDialog>
      {outcome && <BulkOutcome verb={outcome.verb} result={outcome.result} />}
      {retry.error && <ErrorNotice error={retry.error} title="Nothing was retried" />}
      {list.isLoading && <Skeleton rows={5} />}
      {list.error && <ErrorNotice error={list.error} title="The jobs could not be loaded" />}
      {list.data && rows.length === 0 && <EmptyState title="No jobs match">Jobs appear as events are recorded (webhook fan-out, notifications) and as recurring tasks come due.</EmptyState>}
      {rows.length > 0 && (
        <div ref={parent} className="mt-2 h-[28rem] overflow-auto rounded-md border border-slate-200 dark:border-slate-800" role="list" aria-label="Jobs" onKeyDown={onKeyDown}>
          <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
            {items.map((v) => {
              const j = rows[v.index];
              return (
                <div
                  role="listitem"
                  key={j.id}
                  style={{ position: 'absolute', top: 0, left: 0, right: 0, height: v.size, transform: `translateY(${v.start}px)` }}
                  className="flex items-center border-b border-slate-100 text-sm dark:border-slate-900"
                >
                  {may && <input type="checkbox" className="ml-3" aria-label={`Select job ${j.kind} ${j.id.slice(-8)}`} checked={selected.has(j.id)} onChange={(e) => toggle(j.id, e.target.checked)} />}
                  <a data-index={v.index} href={href(`/jobs/${j.id}`)} className="grid h-full flex-1 grid-cols-[6rem_14rem_7rem_1fr_9rem] items-center gap-3 px-3 hover:bg-slate-50 dark:hover:bg-slate-900">
                    <Badge value={j.status} label={statusLabels[j.status]} />
                    <span className="truncate"><code className="text-xs">{j.kind}</code><span className="block text-xs text-slate-600 dark:text-slate-400">queue {j.queue}</span></span>
                    <span className="text-xs text-slate-600 dark:text-slate-400">{j.attempts} / {j.maxAttempts > 1000 ? '∞' : j.maxAttempts} tries</span>
                    <span className={`line-clamp-2 text-xs ${j.status === 'failed' ? 'text-red-700 dark:text-red-400' : 'text-slate-600 dark:text-slate-400'}`} title={j.lastError ?? undefined}>{j.lastError ?? ''}</span>
                    <span className="text-xs text-slate-600 dark:text-slate-400">{j.status === 'scheduled' || j.status === 'ready' ? <>runs <RelativeTime iso={j.runAt} /></> : j.finishedAt ? <>finished <RelativeTime iso={j.finishedAt} /></> : <RelativeTime iso={j.createdAt} />}</span>
                  </a>
                </div>
              );
            })}
          </div>
        </div>
      )}
    </section>
  );
}

export function JobsPage(_props: { params: Record<string, string> }) {
  const { readOnly } = useWorkspace();
  if (readOnly) {
    return (
      <div>
        <PageHeader title="Jobs" description="Background work of the original workspace." />
        <EmptyState icon={<Workflow className="size-10" aria-hidden />} title="This review bundle holds no jobs">
          Webhook fan-out, notifications and recurring tasks run in the original workspace; a review bundle carries the audit trail only, so
          nothing runs here and nothing is waiting.
        </EmptyState>
      </div>
    );
  }
  return <LiveJobs />;
}

type DispatcherStats = Output<'jobs.stats'>['dispatcher'];

/**
 * What answers this page: the app itself, or on a console forwarded to a team hub, the hub's server (its worker
 * thread runs there, not on this machine: closing this console stops nothing).
 */
function useAnswering(): { name: string; mark: string } {
  return useConnection() ? { name: 'the team hub’s server', mark: 'hub server' } : { name: 'this app', mark: 'this app' };
}

/** "running in this app (worker thread) and in 2 other processes": where the queues are worked, in words. */
function dispatcherWhere(d: DispatcherStats, answering: string): string {
  const elsewhere = d.others === 1 ? 'in another process' : `in ${d.others} other processes`;
  if (d.here) return d.others ? `running in ${answering} (worker thread) and ${elsewhere}` : `running in ${answering} (worker thread)`;
  return d.others ? `running ${elsewhere}` : `not running in ${answering}`;
}

/** The runners working this workspace's queues: on a hub, one row per `chronicle dispatch` on any machine. */
function Dispatchers({ dispatcher }: { dispatcher: DispatcherStats }) {
  const answering = useAnswering();
  return (
    <section aria-labelledby="dispatchers-title">
      <h2 id="dispatchers-title" className="mb-2 text-sm font-semibold">Dispatchers</h2>
      {dispatcher.processes === null ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">Owners and admins see which machines and processes run them.</p>
      ) : dispatcher.processes.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">None is running: deliveries and other jobs wait until one starts ({answering.name}, or <code className="text-xs">chronicle dispatch</code>).</p>
      ) : (
        <table className="w-full text-sm">
          <thead className="text-left text-xs uppercase tracking-wide text-slate-600 dark:text-slate-400"><tr><th className="py-1 font-medium">Machine</th><th className="font-medium">Process</th><th className="font-medium">Started</th><th className="font-medium">Last heartbeat</th></tr></thead>
          <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
            {dispatcher.processes.map((p) => (
              <tr key={p.id}>
                <td className="py-2">{p.host}{p.here && <span className="ml-2 rounded bg-indigo-50 px-1.5 py-0.5 text-xs text-indigo-800 dark:bg-indigo-950 dark:text-indigo-200">{answering.mark}</span>}</td>
                <td><span className="tabular-nums">pid {p.pid}</span> <code className="text-xs text-slate-600 dark:text-slate-400">{p.id}</code></td>
                <td><RelativeTime iso={p.startedAt} /></td>
                <td><RelativeTime iso={p.heartbeatAt} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function LiveJobs() {
  const stats = useApi('jobs.stats', {}, { refetchInterval: 3_000 });
  const [, setSearch] = useSearchParams();
  useInvalidateOn('webhooks.delivery.updated', ['jobs.stats']);
  const s = stats.data;
  const answering = useAnswering();
  return (
    <div>
      <PageHeader title="Jobs" description={s ? `Background work of this workspace. Dispatcher: ${dispatcherWhere(s.dispatcher, answering.name)}.` : 'Background work of this workspace.'} />
      <div className="space-y-6 p-6">
        {stats.isLoading && <Skeleton rows={3} />}
        {stats.error && <ErrorNotice error={stats.error} title="The queue statistics could not be loaded" />}
        {s && <Dispatchers dispatcher={s.dispatcher} />}
        {s && s.queues.length === 0 && <EmptyState icon={<Workflow className="size-10" aria-hidden />} title="The queue is empty">Jobs appear as soon as events are recorded.</EmptyState>}
        {s && s.queues.length > 0 && (
          <section aria-labelledby="queues-title">
            <h2 id="queues-title" className="mb-2 text-sm font-semibold">Queues</h2>
            <table className="w-full text-sm">
              <thead className="text-left text-xs uppercase tracking-wide text-slate-600 dark:text-slate-400"><tr><th className="py-1 font-medium">Queue</th>{(['ready', 'scheduled', 'claimed', 'failed', 'done', 'cancelled'] as const).map((k) => <th key={k} className="text-right font-medium">{statusLabels[k]}</th>)}</tr></thead>
              <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
                {s.queues.map((q) => (
                  <tr key={q.queue}>
                    <td className="py-2"><button type="button" className="font-medium text-indigo-700 hover:underline dark:text-indigo-300" onClick={() => setSearch({ queue: q.queue })}>{q.queue}</button></td>
                    {(['ready', 'scheduled', 'claimed', 'failed', 'done', 'cancelled'] as const).map((k) => (
                      <td key={k} className={`text-right tabular-nums ${k === 'failed' && q.failed > 0 ? 'font-semibold text-red-700 dark:text-red-400' : ''}`}>
                        {q[k] > 0 ? <button type="button" className="hover:underline" onClick={() => setSearch({ queue: q.queue, status: k })}>{q[k].toLocaleString()}</button> : <span className="text-slate-600 dark:text-slate-400">0</span>}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
        {s && (
          <section aria-labelledby="recurring-title">
            <h2 id="recurring-title" className="mb-2 text-sm font-semibold">Recurring tasks</h2>
            {s.recurring.length === 0 ? <p className="text-sm text-slate-600 dark:text-slate-400">None yet: a running dispatcher registers them for each account within a few seconds.</p> : (
              <table className="w-full text-sm">
                <thead className="text-left text-xs uppercase tracking-wide text-slate-600 dark:text-slate-400"><tr><th className="py-1 font-medium">Task</th><th className="font-medium">Every</th><th className="font-medium">Next run</th><th className="font-medium">Last run</th></tr></thead>
                <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
                  {s.recurring.map((t) => (
                    <tr key={t.id}>
                      <td className="py-2"><code className="text-xs">{t.kind}</code></td>
                      <td>{ms(t.everyMs)}</td>
                      <td><RelativeTime iso={t.nextRunAt} /></td>
                      <td>{t.lastRunAt ? <><RelativeTime iso={t.lastRunAt} /> {t.lastStatus && <Badge value={t.lastStatus} />}{t.lastError && <span className="block text-xs text-slate-600 dark:text-slate-400">{t.lastError}</span>}</> : <span className="text-slate-600 dark:text-slate-400">Not yet</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        )}
        <JobList />
      </div>
    </div>
  );
}
