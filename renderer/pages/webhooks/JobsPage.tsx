// The durable queue: counts per queue, recurring tasks with their next run, and the jobs themselves (failed ones
// with their error in words).
import { useInfiniteQuery } from '@tanstack/react-query';
import { Workflow } from 'lucide-react';
import { EmptyState, ErrorNotice, inputClass, PageHeader, RelativeTime, Skeleton } from '../../components/ui.tsx';
import { api } from '../../lib/client.ts';
import { useInfiniteVirtualList } from '../../lib/useInfiniteVirtualList.ts';
import { useApi, useInvalidateOn } from '../../lib/queries.ts';
import { useSearchParams } from '../../lib/router.tsx';
import { useWorkspace } from '../../lib/workspace.ts';
import { Badge, ms } from './shared.tsx';

type JobStatus = 'ready' | 'scheduled' | 'claimed' | 'done' | 'failed' | 'cancelled';
const statusLabels: Record<JobStatus, string> = { ready: 'Ready', scheduled: 'Scheduled', claimed: 'Running', done: 'Done', failed: 'Failed', cancelled: 'Cancelled' };

function JobList() {
  const [search, setSearch] = useSearchParams();
  const status = (search.get('status') as JobStatus | null) ?? undefined;
  const queue = search.get('queue') ?? undefined;
  const input = { limit: 200, ...(status ? { status } : {}), ...(queue ? { queue } : {}) };
  const list = useInfiniteQuery({
    queryKey: ['jobs.list', input],
    queryFn: ({ pageParam }) => api('jobs.list', { ...input, ...(pageParam ? { cursor: pageParam } : {}) }),
    initialPageParam: '' as string,
    getNextPageParam: (last) => last.nextCursor,
    refetchInterval: 5_000,
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const { scrollRef: parent, virtualizer: virtual, virtualItems: items, onKeyDown } = useInfiniteVirtualList({ count: rows.length, query: list, estimateSize: 52, overscan: 10, prefetchWithin: 20 });
  return (
    <section aria-labelledby="jobs-title">
      <div className="flex flex-wrap items-center gap-3 py-3">
        <h2 id="jobs-title" className="text-sm font-semibold">Jobs</h2>
        <label className="text-sm">Status{' '}
          <select className={inputClass} value={status ?? ''} onChange={(e) => setSearch({ status: e.target.value || null })}>
            <option value="">Any</option>
            {(Object.keys(statusLabels) as JobStatus[]).map((s) => <option key={s} value={s}>{statusLabels[s]}</option>)}
          </select>
        </label>
        {queue && <button type="button" className="text-sm text-indigo-700 underline dark:text-indigo-300" onClick={() => setSearch({ queue: null })}>Queue “{queue}” ✕</button>}
      </div>
      {list.isLoading && <Skeleton rows={5} />}
      {list.error && <ErrorNotice error={list.error} title="The jobs could not be loaded" />}
      {list.data && rows.length === 0 && <EmptyState title="No jobs match">Jobs appear as events are recorded (webhook fan-out, notifications) and as recurring tasks come due.</EmptyState>}
      {rows.length > 0 && (
        <div ref={parent} className="h-[28rem] overflow-auto rounded-md border border-slate-200 dark:border-slate-800" role="list" aria-label="Jobs" onKeyDown={onKeyDown}>
          <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
            {items.map((v) => {
              const j = rows[v.index];
              return (
                <div
                  role="listitem"
                  data-index={v.index}
                  tabIndex={0}
                  key={j.id}
                  style={{ position: 'absolute', top: 0, left: 0, right: 0, height: v.size, transform: `translateY(${v.start}px)` }}
                  className="grid grid-cols-[6rem_14rem_7rem_1fr_9rem] items-center gap-3 border-b border-slate-100 px-3 text-sm dark:border-slate-900"
                >
                  <Badge value={j.status} label={statusLabels[j.status]} />
                  <span className="truncate"><code className="text-xs">{j.kind}</code><span className="block text-xs text-slate-600 dark:text-slate-400">queue {j.queue}</span></span>
                  <span className="text-xs text-slate-600 dark:text-slate-400">{j.attempts} / {j.maxAttempts > 1000 ? '∞' : j.maxAttempts} tries</span>
                  <span className={`line-clamp-2 text-xs ${j.status === 'failed' ? 'text-red-700 dark:text-red-400' : 'text-slate-600 dark:text-slate-400'}`} title={j.lastError ?? undefined}>{j.lastError ?? ''}</span>
                  <span className="text-xs text-slate-600 dark:text-slate-400">{j.status === 'scheduled' || j.status === 'ready' ? <>runs <RelativeTime iso={j.runAt} /></> : j.finishedAt ? <>finished <RelativeTime iso={j.finishedAt} /></> : <RelativeTime iso={j.createdAt} />}</span>
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

function LiveJobs() {
  const stats = useApi('jobs.stats', {}, { refetchInterval: 3_000 });
  const [, setSearch] = useSearchParams();
  useInvalidateOn('webhooks.delivery.updated', ['jobs.stats']);
  const s = stats.data;
  return (
    <div>
      <PageHeader title="Jobs" description={s ? `Background work of this workspace. Dispatcher: ${s.dispatcher.running ? 'running ' : ''}${s.dispatcher.where}.` : 'Background work of this workspace.'} />
      <div className="space-y-6 p-6">
        {stats.isLoading && <Skeleton rows={3} />}
        {stats.error && <ErrorNotice error={stats.error} title="The queue statistics could not be loaded" />}
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
            {s.recurring.length === 0 ? <p className="text-sm text-slate-600 dark:text-slate-400">None yet: they are registered when the dispatcher first runs.</p> : (
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
