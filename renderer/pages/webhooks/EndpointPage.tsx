// One endpoint: its state and settings, the actions a team lead needs, and its deliveries (virtualized, filtered
// through the URL, live).
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import type { Output } from '../../../preload/contract.ts';
import { ArrowLeft, Eye, KeyRound, Pencil, Play, Power, RefreshCw, Send, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ConfirmDialog, Dialog } from '../../components/Dialog.tsx';
import { Button, EmptyState, ErrorNotice, inputClass, PageHeader, RelativeTime, Skeleton } from '../../components/ui.tsx';
import { api } from '../../lib/client.ts';
import { useInfiniteVirtualList } from '../../lib/useInfiniteVirtualList.ts';
import { useApiMutation } from '../../lib/mutations.ts';
import { useApi, useInvalidateOn, usePush } from '../../lib/queries.ts';
import { href, navigate, useSearchParams } from '../../lib/router.tsx';
import { progressOnPush, progressOnStart, type BulkProgress } from '../../lib/bulkProgress.ts';
import { formatLocal, fromLocalInput, localizeTimes, timeZone, toLocalInput } from '../../lib/time.ts';
import { EndpointForm } from './EndpointForm.tsx';
import { Badge, CopyButton, ms, scopeWords, type DeliveryStatus } from './shared.tsx';
import { SecretOnce } from './WebhooksPage.tsx';
import { NotAllowed, usePermissions } from '../../lib/permissions.tsx';

const statuses: DeliveryStatus[] = ['pending', 'delivering', 'delivered', 'retrying', 'failed', 'cancelled'];

function Deliveries({ endpointId }: { endpointId: string }) {
  const [search, setSearch] = useSearchParams();
  const status = search.get('status') as DeliveryStatus | null;
  const eventType = search.get('type');
  const from = search.get('from');
  const fromIso = from && !Number.isNaN(Date.parse(from)) ? new Date(from).toISOString() : null;
  const types = useApi('webhooks.eventTypes', {});
  const input = { endpointId, limit: 200, ...(status ? { status: [status] } : {}), ...(eventType ? { eventType } : {}), ...(fromIso ? { from: fromIso } : {}) };
  const list = useInfiniteQuery({
    queryKey: ['webhooks.deliveries.list', input],
    queryFn: ({ pageParam }) => api('webhooks.deliveries.list', { ...input, ...(pageParam ? { cursor: pageParam } : {}) }),
    initialPageParam: '' as string,
    getNextPageParam: (last) => last.nextCursor,
  });
  useInvalidateOn('webhooks.delivery.updated', ['webhooks.deliveries.list']);
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const { scrollRef: parent, virtualizer: virtual, virtualItems: items, onKeyDown } = useInfiniteVirtualList({ count: rows.length, query: list, estimateSize: 44, overscan: 12, prefetchWithin: 20 });
  return (
    <section aria-labelledby="deliveries-title" className="flex min-h-0 flex-col">
      <div className="flex flex-wrap items-center gap-3 py-3">
        <h2 id="deliveries-title" className="text-sm font-semibold">Deliveries</h2>
        <label className="text-sm">Status{' '}
          <select className={inputClass} value={status ?? ''} onChange={(e) => setSearch({ status: e.target.value || null })}>
            <option value="">Any</option>
            {statuses.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <label className="text-sm">Event{' '}
          <select className={inputClass} value={eventType ?? ''} onChange={(e) => setSearch({ type: e.target.value || null })}>
            <option value="">Any</option>
            {types.data?.items.map((t) => <option key={t.type} value={t.type}>{t.type}</option>)}
          </select>
        </label>
        <label className="text-sm">Since ({timeZone()}){' '}
          <input type="datetime-local" className={inputClass} value={from ?? ''} onChange={(e) => setSearch({ from: e.target.value || null })} />
        </label>
        <span className="text-xs text-slate-600 dark:text-slate-400" aria-live="polite">{rows.length}{list.hasNextPage ? '+' : ''} shown · updates live</span>
      </div>
      {list.isLoading && <Skeleton rows={5} />}
      {list.error && <ErrorNotice error={list.error} title="The deliveries could not be loaded" />}
      {list.data && rows.length === 0 && (
        <EmptyState title={status || eventType || fromIso ? 'No deliveries match these filters' : 'No deliveries yet'}>
          {status || eventType || fromIso ? 'Clear the filters to see every delivery.' : 'Deliveries appear here as events happen. Use “Send test event” to try the endpoint now.'}
        </EmptyState>
      )}
      {rows.length > 0 && (
        <div ref={parent} className="h-[28rem] overflow-auto rounded-md border border-slate-200 dark:border-slate-800" role="list" aria-label="Deliveries" onKeyDown={onKeyDown}>
          <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
            {items.map((v) => {
              const d = rows[v.index];
              return (
                // A list item holding a link (a link cannot itself be a list item).
                <div role="listitem" key={d.id} style={{ position: 'absolute', top: 0, left: 0, right: 0, height: v.size, transform: `translateY(${v.start}px)` }}>
                <a
                  data-index={v.index}
                  href={href(`/webhooks/deliveries/${d.id}`)}
                  className="grid h-full grid-cols-[7rem_10rem_1fr_6rem_9rem] items-center gap-3 border-b border-slate-100 px-3 text-sm hover:bg-slate-50 dark:border-slate-900 dark:hover:bg-slate-900"
                >
                  {/* Held by the circuit breaker: waiting, and says so (the host's note names the pause). */}
                  {(d.status === 'pending' || d.status === 'retrying') && d.lastError?.startsWith('Paused until') ? <Badge value="paused" label={`${d.status} · paused`} /> : <Badge value={d.status} />}
                  <code className="truncate text-xs">{d.eventType}</code>
                  <span className="truncate text-xs text-slate-600 dark:text-slate-400" title={d.lastError ? localizeTimes(d.lastError) : undefined}>
                    {d.status === 'delivering' && d.attemptStartedAt ? <>Attempt in progress, started <RelativeTime iso={d.attemptStartedAt} /></> : (d.lastError && localizeTimes(d.lastError)) ?? (d.status === 'delivered' ? `Answered ${d.lastStatus}` : d.nextAttemptAt ? 'Waiting for its attempt' : '')}
                  </span>
                  <span className="text-xs text-slate-600 dark:text-slate-400">{d.attempts} attempt{d.attempts === 1 ? '' : 's'}</span>
                  <span className="text-xs text-slate-600 dark:text-slate-400">{d.nextAttemptAt && d.status === 'retrying' ? <>next <RelativeTime iso={d.nextAttemptAt} /></> : <RelativeTime iso={d.createdAt} />}</span>
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

function ActivityChart({ endpointId }: { endpointId: string }) {
  const activity = useApi('webhooks.endpoints.activity', { endpointId, hours: 24 });
  useInvalidateOn('webhooks.delivery.updated', ['webhooks.endpoints.activity']);
  if (activity.isLoading) return <Skeleton rows={1} className="h-40" />;
  if (activity.error) return <ErrorNotice error={activity.error} title="The activity chart could not be loaded" />;
  const data = (activity.data?.buckets ?? []).map((b) => ({ ...b, label: toLocalInput(b.at).slice(11, 16) }));
  const total = data.reduce((n, b) => n + b.succeeded + b.failed, 0);
  return (
    <section aria-labelledby="activity-title">
      <h2 id="activity-title" className="mb-1 text-sm font-semibold">Attempts per hour, last 24 hours ({timeZone()}) <span className="font-normal text-slate-600 dark:text-slate-400">· {total} in all</span></h2>
      <div className="h-40" role="img" aria-label={`Attempts per hour over the last 24 hours: ${data.reduce((n, b) => n + b.succeeded, 0)} succeeded, ${data.reduce((n, b) => n + b.failed, 0)} failed`}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: -20 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.1} vertical={false} />
            <XAxis dataKey="label" tick={{ fontSize: 11, fill: 'currentColor' }} interval={3} />
            <YAxis allowDecimals={false} tick={{ fontSize: 11, fill: 'currentColor' }} />
            <Tooltip contentStyle={{ fontSize: 12 }} />
            <Bar dataKey="succeeded" name="Succeeded" stackId="a" fill="#10b981" />
            <Bar dataKey="failed" name="Failed" stackId="a" fill="#ef4444" />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </section>
  );
}

type UndeliveredState = 'failed' | 'retrying' | 'pending' | 'paused';
const stateWords: Record<UndeliveredState, string> = {
  failed: 'Failed for good (retries exhausted)',
  retrying: 'Waiting to retry',
  pending: 'Not attempted yet',
  paused: 'Held by the circuit breaker (paused)',
};

/**
 * Bulk retry of every delivery not delivered since a time: the counts per state are read first (a preview), the
 * person chooses the states and confirms, then a bulk job queues them with a progress bar.
 */
function RetryUndelivered({ endpointId }: { endpointId: string }) {
  const [open, setOpen] = useState(false);
  // A datetime-local input holds the person's wall-clock time: fill it, and read it, in their zone.
  const [since, setSince] = useState(() => toLocalInput(Date.now() - 86_400_000));
  const [chosen, setChosen] = useState<Record<UndeliveredState, boolean>>({ failed: true, retrying: true, pending: true, paused: true });
  const [progress, setProgress] = useState<BulkProgress | null>(null);
  const at = fromLocalInput(since);
  const preview = useApi('webhooks.deliveries.retryPreview', { endpointId, since: at ?? new Date().toISOString() }, { enabled: open && at !== null && Date.parse(at) <= Date.now() });
  useInvalidateOn('webhooks.delivery.updated', ['webhooks.deliveries.retryPreview']);
  const retry = useApiMutation('webhooks.deliveries.retryFailed', ['webhooks.deliveries.list', 'webhooks.deliveries.retryPreview', 'webhooks.endpoints.get']);
  usePush('webhooks.bulk.progress', (p) => {
    if (p.endpointId === endpointId) setProgress((cur) => progressOnPush(cur, p));
  });
  const pct = progress ? Math.round((100 * progress.done) / Math.max(1, progress.total)) : 0;
  const states = (Object.keys(stateWords) as UndeliveredState[]).filter((k) => chosen[k]);
  const counts = preview.data?.counts;
  const selected = counts ? states.reduce((n, k) => n + counts[k], 0) : 0;
  const running = progress !== null && !progress.finished;
  return (
    <>
      <Button onClick={() => { setOpen(true); setProgress(null); retry.reset(); }}><RefreshCw className="size-4" aria-hidden /> Retry undelivered…</Button>
      <Dialog open={open} onClose={() => setOpen(false)} title="Retry deliveries not delivered">
        <form
          className="space-y-3 text-sm"
          onSubmit={(e) => {
            e.preventDefault();
            if (!at || states.length === 0 || selected === 0) return;
            retry.mutate({ endpointId, since: at, states }, {
              onSuccess: (r) => setProgress((cur) => progressOnStart(cur, r.bulkId, r.count)),
            });
          }}
        >
          <label className="block">Not delivered, last changed since (your time, {timeZone()})
            <input type="datetime-local" className={`${inputClass} mt-1 w-full`} value={since} max={toLocalInput(Date.now())} onChange={(e) => setSince(e.target.value)} required />
          </label>
          {at && <p className="text-xs text-slate-600 dark:text-slate-400">That is {formatLocal(at, { seconds: false })} ({new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC).</p>}
          {at && Date.parse(at) > Date.now() && <p role="alert" className="text-sm text-red-800 dark:text-red-300">That moment is in the future: choose one in the past.</p>}
          {preview.error && <ErrorNotice error={preview.error} title="The deliveries could not be counted" />}
          {counts && (
            <fieldset className="space-y-1" aria-describedby="retry-total">
              <legend className="mb-1 font-medium">Retry these now</legend>
              {(Object.keys(stateWords) as UndeliveredState[]).map((k) => (
                <label key={k} className="flex items-center gap-2">
                  <input type="checkbox" checked={chosen[k]} disabled={running} onChange={(e) => setChosen((c) => ({ ...c, [k]: e.target.checked }))} />
                  <span className="flex-1">{stateWords[k]}</span>
                  <span className="tabular-nums" data-testid={`retry-count-${k}`}>{counts[k]}</span>
                </label>
              ))}
              <p id="retry-total" className="pt-1 font-medium" aria-live="polite">
                {selected === 0 ? 'Nothing to retry in the chosen states.' : `${selected} ${selected === 1 ? 'delivery' : 'deliveries'} will be attempted now, each as a manual attempt by you.`}
              </p>
              {preview.data!.delivering > 0 && <p className="text-xs text-slate-600 dark:text-slate-400">{preview.data!.delivering} being attempted right now {preview.data!.delivering === 1 ? 'is' : 'are'} left alone.</p>}
            </fieldset>
          )}
          {retry.data && retry.data.count === 0 && <p role="status">Nothing is waiting since then any more: nothing was retried.</p>}
          {progress && (
            <div role="status" aria-live="polite">
              <p>{progress.finished ? `Queued all ${progress.done} deliveries again.` : `Queuing ${progress.done} of ${progress.total}…`}</p>
              <div className="mt-1 h-2 overflow-hidden rounded bg-slate-200 dark:bg-slate-800" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100} aria-label="Bulk retry progress">
                <div className="h-full bg-indigo-600 transition-all" style={{ width: `${pct}%` }} />
              </div>
            </div>
          )}
          {retry.error && <ErrorNotice error={retry.error} title="The retry was not started" />}
          <div className="flex justify-end gap-2">
            <Button onClick={() => setOpen(false)}>Close</Button>
            <Button type="submit" variant="primary" disabled={retry.isPending || running || !counts || selected === 0}>{selected > 0 ? `Retry ${selected}` : 'Retry'}</Button>
          </div>
        </form>
      </Dialog>
    </>
  );
}

/** Resume now: the breaker's pause ends and every waiting delivery is sent at once. */
function ResumeEndpoint({ endpoint }: { endpoint: Output<'webhooks.endpoints.get'> }) {
  const resume = useApiMutation('webhooks.endpoints.resume', ['webhooks.endpoints.get', 'webhooks.endpoints.list', 'webhooks.deliveries.list']);
  return (
    <>
      <Button variant="primary" onClick={() => resume.mutate({ endpointId: endpoint.id })} disabled={resume.isPending}><Play className="size-4" aria-hidden /> Resume now</Button>
      {resume.data && <p role="status" className="sr-only">Resumed: {resume.data.released} waiting deliveries are sent now.</p>}
      {resume.error && <ErrorNotice error={resume.error} title="The endpoint was not resumed" />}
    </>
  );
}

function EditEndpoint({ endpoint }: { endpoint: Output<'webhooks.endpoints.get'> }) {
  const [open, setOpen] = useState(false);
  const update = useApiMutation('webhooks.endpoints.update', ['webhooks.endpoints.get', 'webhooks.endpoints.list']);
  return (
    <>
      <Button onClick={() => { update.reset(); setOpen(true); }}><Pencil className="size-4" aria-hidden /> Edit</Button>
      <Dialog open={open} onClose={() => setOpen(false)} title="Edit endpoint" wide>
        <EndpointForm
          endpoint={endpoint}
          submitLabel="Save endpoint"
          busy={update.isPending}
          error={update.error}
          onCancel={() => setOpen(false)}
          onSubmit={(settings) => update.mutate({ endpointId: endpoint.id, ...settings }, { onSuccess: () => setOpen(false) })}
        />
      </Dialog>
    </>
  );
}

function DisableEndpoint({ endpoint }: { endpoint: Output<'webhooks.endpoints.get'> }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const disable = useApiMutation('webhooks.endpoints.disable', ['webhooks.endpoints.get', 'webhooks.endpoints.list']);
  return (
    <>
      <Button variant="danger" onClick={() => { disable.reset(); setReason(''); setOpen(true); }}><Power className="size-4" aria-hidden /> Disable</Button>
      <ConfirmDialog
        open={open}
        onClose={() => setOpen(false)}
        title="Disable this endpoint?"
        confirmLabel={disable.isPending ? 'Disabling…' : 'Disable endpoint'}
        danger
        busy={disable.isPending}
        error={disable.error ? <ErrorNotice error={disable.error} title="The endpoint was not disabled" /> : null}
        onConfirm={() => disable.mutate({ endpointId: endpoint.id, ...(reason.trim() ? { reason: reason.trim() } : {}) }, { onSuccess: () => setOpen(false) })}
      >
        <p>No event is sent to <span className="font-medium break-all">{endpoint.url}</span> while it is disabled; deliveries still waiting are kept. Enable it again at any time.</p>
        <label className="block">Reason <span className="text-slate-600 dark:text-slate-400">(optional, shown on the endpoint)</span>
          <input className={`${inputClass} mt-1 w-full`} value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
        </label>
      </ConfirmDialog>
    </>
  );
}

function DeleteEndpoint({ endpoint }: { endpoint: Output<'webhooks.endpoints.get'> }) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const del = useApiMutation('webhooks.endpoints.delete', ['webhooks.endpoints.list']);
  return (
    <>
      <Button variant="danger" onClick={() => { del.reset(); setTyped(''); setOpen(true); }}><Trash2 className="size-4" aria-hidden /> Delete</Button>
      <ConfirmDialog
        open={open}
        onClose={() => setOpen(false)}
        title="Delete this endpoint?"
        cancelLabel="Keep it"
        confirmLabel={del.isPending ? 'Deleting…' : 'Delete endpoint'}
        danger
        busy={del.isPending || typed.trim() !== 'delete'}
        error={del.error ? <ErrorNotice error={del.error} title="The endpoint was not deleted" /> : null}
        onConfirm={() => del.mutate({ endpointId: endpoint.id }, { onSuccess: () => { setOpen(false); navigate('/webhooks'); } })}
      >
        <p>Deleting <span className="font-medium break-all">{endpoint.url}</span> stops every delivery to it: it leaves the list, and its deliveries still waiting are cancelled. Its delivery log ({endpoint.health.total} deliveries in the last {endpoint.health.windowDays} days) is kept for the record, and the deletion is recorded in the audit trail. This cannot be undone; <em>Disable</em> keeps it instead.</p>
        <label className="block">Type <strong>delete</strong> to confirm
          <input className={`${inputClass} mt-1 w-full`} value={typed} autoComplete="off" onChange={(e) => setTyped(e.target.value)} />
        </label>
      </ConfirmDialog>
    </>
  );
}

function RotateSecret({ endpointId, onRotated }: { endpointId: string; onRotated(r: { secret: string; previousSecretExpiresAt: string }): void }) {
  const [open, setOpen] = useState(false);
  const rotate = useApiMutation('webhooks.endpoints.rotateSecret', ['webhooks.endpoints.get', 'webhooks.endpoints.list']);
  return (
    <>
      <Button onClick={() => { rotate.reset(); setOpen(true); }}><KeyRound className="size-4" aria-hidden /> Rotate secret</Button>
      <ConfirmDialog
        open={open}
        onClose={() => setOpen(false)}
        title="Rotate the signing secret?"
        confirmLabel={rotate.isPending ? 'Rotating…' : 'Rotate secret'}
        busy={rotate.isPending}
        error={rotate.error ? <ErrorNotice error={rotate.error} title="The secret was not rotated" /> : null}
        onConfirm={() => rotate.mutate({ endpointId }, { onSuccess: (r) => { setOpen(false); onRotated(r); } })}
      >
        <p>A new secret is made and shown once. For 24 hours every delivery carries two signatures, one per secret, so the receiver can switch over; after that the old secret no longer verifies.</p>
      </ConfirmDialog>
    </>
  );
}

function Reveal({ endpointId }: { endpointId: string }) {
  const [data, setData] = useState<{ secret: string; previousSecret: string | null; previousSecretExpiresAt: string | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <>
      <Button onClick={() => api('webhooks.endpoints.revealSecret', { endpointId }).then(setData, setError)}><Eye className="size-4" aria-hidden /> Reveal secret</Button>
      <Dialog open={data !== null || error !== null} onClose={() => { setData(null); setError(null); }} title="Signing secret">
        <div className="space-y-3 text-sm">
          {error !== null && <ErrorNotice error={error} title="The secret could not be revealed" />}
          {data && (
            <>
              <code data-testid="revealed-secret" className="block break-all rounded-md bg-slate-100 p-2 font-mono text-xs dark:bg-slate-800">{data.secret}</code>
              {data.previousSecret && (
                <p>The previous secret still signs until <RelativeTime iso={data.previousSecretExpiresAt!} />: <code className="break-all text-xs">{data.previousSecret}</code></p>
              )}
              <div className="flex justify-end gap-2"><CopyButton text={data.secret} label="Copy" /><Button variant="primary" onClick={() => setData(null)}>Done</Button></div>
            </>
          )}
        </div>
      </Dialog>
    </>
  );
}

/** Custom header values are secrets: shown masked, revealed on request (owners and admins). */
function RevealHeaders({ endpointId }: { endpointId: string }) {
  const [data, setData] = useState<Record<string, string> | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <>
      <Button variant="ghost" className="!px-1.5 !py-0.5 text-xs" onClick={() => api('webhooks.endpoints.revealHeaders', { endpointId }).then((r) => setData(r.headers), setError)}><Eye className="size-3.5" aria-hidden /> Reveal values</Button>
      <Dialog open={data !== null || error !== null} onClose={() => { setData(null); setError(null); }} title="Custom header values">
        <div className="space-y-3 text-sm">
          {error !== null && <ErrorNotice error={error} title="The values could not be revealed" />}
          {data && (
            <>
              <dl className="space-y-1" data-testid="revealed-headers">
                {Object.entries(data).map(([k, v]) => <div key={k} className="flex gap-2 font-mono text-xs"><dt className="font-semibold">{k}:</dt><dd className="break-all">{v}</dd></div>)}
              </dl>
              <p className="text-xs text-slate-600 dark:text-slate-400">Stored encrypted; shown masked everywhere else, and redacted in attempt logs and Copy as curl.</p>
              <div className="flex justify-end"><Button variant="primary" onClick={() => setData(null)}>Done</Button></div>
            </>
          )}
        </div>
      </Dialog>
    </>
  );
}

export function EndpointPage({ params }: { params: Record<string, string> }) {
  const endpointId = params.id;
  const ep = useApi('webhooks.endpoints.get', { endpointId });
  const qc = useQueryClient();
  useInvalidateOn('webhooks.endpoint.updated', ['webhooks.endpoints.get']);
  useInvalidateOn('webhooks.delivery.updated', ['webhooks.endpoints.get']);
  const invalidates = ['webhooks.endpoints.get', 'webhooks.endpoints.list'] as const;
  const test = useApiMutation('webhooks.endpoints.sendTest', ['webhooks.deliveries.list']);
  const enable = useApiMutation('webhooks.endpoints.enable', [...invalidates]);
  const [rotated, setRotated] = useState<{ secret: string; previousSecretExpiresAt: string } | null>(null);
  const { can, why } = usePermissions();
  if (ep.isLoading) return <div className="p-6"><Skeleton rows={6} /></div>;
  if (ep.error || !ep.data) return <div className="p-6"><ErrorNotice error={ep.error} title="This endpoint could not be loaded" /><a className="mt-3 inline-block text-indigo-700 underline dark:text-indigo-300" href={href('/webhooks')}>Back to webhooks</a></div>;
  const e = ep.data;
  const state = e.status === 'disabled' ? 'disabled' : e.pausedUntil ? 'paused' : 'active';
  const actionError = test.error ?? enable.error;
  return (
    <div className="flex flex-col">
      <PageHeader title={e.url} documentTitle={`Endpoint ${e.url}`} description={e.description || undefined}>
        <Button variant="ghost" onClick={() => navigate('/webhooks')}><ArrowLeft className="size-4" aria-hidden /> Endpoints</Button>
        {can('webhooks.endpoints.update') ? (
          <>
            <Button onClick={() => test.mutate({ endpointId })} disabled={test.isPending || e.status === 'disabled'}><Send className="size-4" aria-hidden /> Send test event</Button>
            {state === 'paused' && <ResumeEndpoint endpoint={e} />}
            <RetryUndelivered endpointId={endpointId} />
            <EditEndpoint endpoint={e} />
            {e.status === 'active'
              ? <DisableEndpoint endpoint={e} />
              : <Button variant="primary" onClick={() => enable.mutate({ endpointId })} disabled={enable.isPending}><Power className="size-4" aria-hidden /> Enable</Button>}
            <RotateSecret endpointId={endpointId} onRotated={setRotated} />
            <Reveal endpointId={endpointId} />
            <DeleteEndpoint endpoint={e} />
          </>
        ) : (
          <NotAllowed>{why('test, retry, edit, disable or delete endpoints, or see their secrets')}</NotAllowed>
        )}
      </PageHeader>
      <div className="space-y-4 p-6">
        {actionError && <ErrorNotice error={actionError} />}
        {test.data && <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">Test event queued. <a className="underline" href={href(`/webhooks/deliveries/${test.data.id}`)}>Follow its delivery</a>.</p>}
        <dl className="grid grid-cols-2 gap-x-6 gap-y-2 text-sm md:grid-cols-4">
          <div><dt className="text-xs text-slate-600 dark:text-slate-400">State</dt><dd><Badge value={state} /> {e.disabledReason && <span className="block text-xs text-slate-600 dark:text-slate-400">{e.disabledReason}</span>}{state === 'paused' && <span className="block text-xs text-slate-600 dark:text-slate-400">Paused after {e.consecutiveFailures} failures in a row; resumes <RelativeTime iso={e.pausedUntil!} />.</span>}</dd></div>
          <div><dt className="text-xs text-slate-600 dark:text-slate-400">Deliveries (last {e.health.windowDays} days)</dt><dd data-testid="health-deliveries">{e.health.total === 0 ? 'None yet' : <>{e.health.successRate === null ? 'None ended yet' : `${(e.health.successRate * 100).toFixed(1)} % delivered`} <span className="block text-xs text-slate-600 dark:text-slate-400">of {e.health.total}: {e.health.delivered} delivered, {e.health.failed} failed, {e.health.pending} waiting{e.health.delivering ? ` (${e.health.delivering} in progress)` : ''}{e.health.cancelled ? `, ${e.health.cancelled} cancelled` : ''}</span></>}</dd></div>
          <div><dt className="text-xs text-slate-600 dark:text-slate-400">Attempts (last {e.health.windowDays} days)</dt><dd data-testid="health-attempts">{e.health.attempts.total === 0 ? 'None yet' : <>{`${((e.health.attempts.successRate ?? 0) * 100).toFixed(1)} % succeeded`} <span className="block text-xs text-slate-600 dark:text-slate-400">of {e.health.attempts.total}: {e.health.attempts.failed} failed</span></>}</dd></div>
          <div><dt className="text-xs text-slate-600 dark:text-slate-400">Last failure</dt><dd>{e.lastFailureAt ? <RelativeTime iso={e.lastFailureAt} /> : 'Never'}</dd></div>
          <div><dt className="text-xs text-slate-600 dark:text-slate-400">Last success</dt><dd>{e.lastSuccessAt ? <RelativeTime iso={e.lastSuccessAt} /> : 'Never'}</dd></div>
          <div><dt className="text-xs text-slate-600 dark:text-slate-400">Events</dt><dd className="text-xs">{e.eventTypes.includes('*') ? 'All events' : e.eventTypes.join(', ')}</dd></div>
          <div><dt className="text-xs text-slate-600 dark:text-slate-400">Network scope</dt><dd>{scopeWords[e.networkScope]}</dd></div>
          <div><dt className="text-xs text-slate-600 dark:text-slate-400">Retries</dt><dd>{(e.retrySchedule ?? [5000, 300000, 1800000, 7200000, 18000000, 36000000, 36000000]).map(ms).join(', ')}{e.retrySchedule ? '' : ' (default)'}</dd></div>
          <div><dt className="text-xs text-slate-600 dark:text-slate-400">Limits</dt><dd>{e.concurrency} at once{e.rateLimit ? `, ${e.rateLimit}/s` : ''}</dd></div>
          <div><dt className="text-xs text-slate-600 dark:text-slate-400">Custom headers</dt><dd className="text-xs">{Object.keys(e.headers).length ? <><code>{Object.keys(e.headers).join(', ')}</code> <RevealHeaders endpointId={endpointId} /></> : 'None'}</dd></div>
          {e.previousSecretExpiresAt && <div className="col-span-2"><dt className="text-xs text-slate-600 dark:text-slate-400">Secret rotation</dt><dd>Old and new secrets both sign until <RelativeTime iso={e.previousSecretExpiresAt} />.</dd></div>}
        </dl>
        <ActivityChart endpointId={endpointId} />
        <Deliveries endpointId={endpointId} />
      </div>
      <SecretOnce
        secret={rotated?.secret ?? null}
        title="Secret rotated"
        note={rotated ? `For 24 hours (until ${formatLocal(rotated.previousSecretExpiresAt)}) every delivery carries two signatures, one per secret, so the receiver can switch without missing any.` : undefined}
        onClose={() => { setRotated(null); void qc.invalidateQueries({ queryKey: ['webhooks.endpoints.get'] }); }}
      />
    </div>
  );
}
