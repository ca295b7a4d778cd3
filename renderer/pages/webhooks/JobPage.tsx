// One job, as Mission Control and GoodJob show it: its arguments, state and timings, its attempts and errors, the
// objects it works on (links), what it wrote, and retry / discard with the reason when either is not possible.
import { ArrowLeft, RefreshCw, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/Dialog.tsx';
import { Button, ErrorNotice, PageHeader, RelativeTime, Skeleton } from '../../components/ui.tsx';
import { useApiMutation } from '../../lib/mutations.ts';
import { useApi, useInvalidateOn } from '../../lib/queries.ts';
import { href, navigate } from '../../lib/router.tsx';
import { formatLocal, timeZone } from '../../lib/time.ts';
import { BulkOutcome, statusLabels, useMayManageJobs } from './JobsPage.tsx';
import { Badge, Code } from './shared.tsx';

function When({ label, iso }: { label: string; iso: string | null }) {
  return (
    <div>
      <dt className="text-xs text-slate-600 dark:text-slate-400">{label}</dt>
      <dd>{iso ? <><RelativeTime iso={iso} /><span className="block text-xs text-slate-600 dark:text-slate-400">{formatLocal(iso)}</span></> : '—'}</dd>
    </div>
  );
}

export function JobPage({ params }: { params: Record<string, string> }) {
  const jobId = params.id;
  const job = useApi('jobs.get', { jobId }, { refetchInterval: 3_000 });
  useInvalidateOn('webhooks.delivery.updated', ['jobs.get']);
  const may = useMayManageJobs();
  const retry = useApiMutation('jobs.retry', ['jobs.get', 'jobs.list', 'jobs.stats']);
  const discard = useApiMutation('jobs.discard', ['jobs.get', 'jobs.list', 'jobs.stats']);
  const [confirmDiscard, setConfirmDiscard] = useState(false);
  if (job.isLoading) return <div className="p-6"><Skeleton rows={6} /></div>;
  if (job.error || !job.data) {
    return (
      <div className="p-6">
        <ErrorNotice error={job.error} title="This job could not be loaded" />
        <a className="mt-3 inline-block text-indigo-700 underline dark:text-indigo-300" href={href('/jobs')}>Back to jobs</a>
      </div>
    );
  }
  const j = job.data;
  const outcome = retry.data ? { verb: 'Retried', result: retry.data } : discard.data ? { verb: 'Discarded', result: discard.data } : null;
  return (
    <div>
      <PageHeader title={`Job ${j.kind}`} documentTitle={`Job ${j.kind} ${j.id.slice(-8)}`} description={<>queue {j.queue} · id <code className="text-xs">{j.id}</code></>}>
        <Button variant="ghost" onClick={() => navigate('/jobs', { queue: j.queue })}><ArrowLeft className="size-4" aria-hidden /> Jobs</Button>
        {may && (
          <>
            <Button variant="primary" disabled={j.retryBlocked !== null || retry.isPending} title={j.retryBlocked ?? undefined} onClick={() => { discard.reset(); retry.mutate({ ids: [j.id] }); }}>
              <RefreshCw className="size-4" aria-hidden /> Retry now
            </Button>
            <Button variant="danger" disabled={j.discardBlocked !== null || discard.isPending} title={j.discardBlocked ?? undefined} onClick={() => { retry.reset(); discard.reset(); setConfirmDiscard(true); }}>
              <Trash2 className="size-4" aria-hidden /> Discard
            </Button>
          </>
        )}
      </PageHeader>
      <ConfirmDialog
        open={confirmDiscard}
        onClose={() => setConfirmDiscard(false)}
        title="Discard this job?"
        cancelLabel="Keep it"
        confirmLabel={discard.isPending ? 'Discarding…' : 'Discard job'}
        danger
        busy={discard.isPending}
        error={discard.error ? <ErrorNotice error={discard.error} title="The job was not discarded" /> : null}
        onConfirm={() => discard.mutate({ ids: [j.id] }, { onSuccess: () => setConfirmDiscard(false) })}
      >
        <p>It will not run{j.kind === 'webhooks.deliver' ? ', and its delivery ends cancelled with your name' : ''}. Retry brings it back.</p>
      </ConfirmDialog>
      <div className="space-y-6 p-6">
        {outcome && <BulkOutcome verb={outcome.verb} result={outcome.result} />}
        {retry.error && <ErrorNotice error={retry.error} title="The job was not retried" />}
        {may && (j.retryBlocked || j.discardBlocked) && (
          <ul className="space-y-0.5 text-xs text-slate-600 dark:text-slate-400" aria-label="Why some actions are not offered">
            {j.retryBlocked && <li>Retry: {j.retryBlocked}</li>}
            {j.discardBlocked && <li>Discard: {j.discardBlocked}</li>}
          </ul>
        )}
        <dl className="grid grid-cols-2 gap-4 text-sm md:grid-cols-4">
          <div><dt className="text-xs text-slate-600 dark:text-slate-400">Status</dt><dd><Badge value={j.status} label={statusLabels[j.status]} />{j.failedWork && <span className="block text-xs text-slate-600 dark:text-slate-400">It finished, but its work failed.</span>}</dd></div>
          <div><dt className="text-xs text-slate-600 dark:text-slate-400">Tries</dt><dd>{j.attempts} of {j.maxAttempts > 1000 ? 'unlimited' : j.maxAttempts}</dd></div>
          <div><dt className="text-xs text-slate-600 dark:text-slate-400">Priority</dt><dd>{j.priority}</dd></div>
          <div><dt className="text-xs text-slate-600 dark:text-slate-400">Runner</dt><dd className="break-all text-xs">{j.claimedBy ?? '—'}</dd></div>
          <When label="Created" iso={j.createdAt} />
          <When label={j.status === 'scheduled' ? 'Runs' : 'Due'} iso={j.runAt} />
          <When label="Claimed" iso={j.claimedAt} />
          <When label="Finished" iso={j.finishedAt} />
        </dl>
        <p className="text-xs text-slate-600 dark:text-slate-400">Times in {timeZone()}.</p>
        {j.lastError && (
          <section aria-labelledby="job-error">
            <h2 id="job-error" className="mb-1 text-sm font-semibold">{j.status === 'failed' ? 'Error' : 'Last note'}</h2>
            <p className={`rounded-md p-3 text-sm ${j.status === 'failed' ? 'bg-red-50 text-red-900 dark:bg-red-950 dark:text-red-100' : 'bg-amber-50 text-amber-900 dark:bg-amber-950 dark:text-amber-100'}`}>{j.lastError}</p>
          </section>
        )}
        <section aria-labelledby="job-links">
          <h2 id="job-links" className="mb-1 text-sm font-semibold">Works on</h2>
          {j.links.length === 0 ? <p className="text-sm text-slate-600 dark:text-slate-400">Nothing in particular (an account-wide task).</p> : (
            <ul className="space-y-1 text-sm">
              {j.links.map((l) => (
                <li key={`${l.type}-${l.id}`}>
                  <span className="mr-2 text-xs uppercase text-slate-600 dark:text-slate-400">{l.type}</span>
                  {l.href ? <a className="text-indigo-700 underline dark:text-indigo-300" href={href(l.href)}>{l.label}</a> : <span>{l.label}</span>}
                </li>
              ))}
            </ul>
          )}
        </section>
        {j.kind === 'webhooks.deliver' && (
          <section aria-labelledby="job-attempts">
            <h2 id="job-attempts" className="mb-1 text-sm font-semibold">Attempts of its delivery</h2>
            {j.attemptLog.length === 0 ? <p className="text-sm text-slate-600 dark:text-slate-400">None yet.</p> : (
              <table className="w-full text-sm">
                <thead className="text-left text-xs uppercase tracking-wide text-slate-600 dark:text-slate-400"><tr><th className="py-1 font-medium">When</th><th className="font-medium">Outcome</th><th className="font-medium">Answer</th><th className="font-medium">Took</th><th className="font-medium">Trigger</th><th className="font-medium">Error</th></tr></thead>
                <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
                  {j.attemptLog.map((a) => (
                    <tr key={a.id}>
                      <td className="py-1.5"><RelativeTime iso={a.at} /></td>
                      <td><Badge value={a.outcome === 'succeeded' ? 'delivered' : 'failed'} label={a.outcome} /></td>
                      <td>{a.status ?? '—'}</td>
                      <td>{a.durationMs} ms</td>
                      <td>{a.trigger}</td>
                      <td className="text-xs">{a.error ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        )}
        {j.notifications.length > 0 && (
          <section aria-labelledby="job-notifications">
            <h2 id="job-notifications" className="mb-1 text-sm font-semibold">Notifications it wrote</h2>
            <ul className="space-y-1 text-sm">{j.notifications.map((n) => <li key={n.id}>{n.title} <span className="text-slate-600 dark:text-slate-400">to {n.recipient.name}, <RelativeTime iso={n.createdAt} /></span></li>)}</ul>
          </section>
        )}
        <section aria-labelledby="job-args"><h2 id="job-args" className="mb-1 text-sm font-semibold">Arguments</h2><Code label="Arguments">{JSON.stringify(j.args, null, 2)}</Code></section>
      </div>
    </div>
  );
}
