// Webhook endpoints: their health at a glance, a form to add one, the event-type catalogue with samples.
import { AlertTriangle, KeyRound, Plus, Webhook } from 'lucide-react';
import { useEffect, useState } from 'react';
import { Dialog } from '../../components/Dialog.tsx';
import { Button, EmptyState, ErrorNotice, PageHeader, RelativeTime, Skeleton } from '../../components/ui.tsx';
import { useApiMutation } from '../../lib/mutations.ts';
import { useApi, useInvalidateOn } from '../../lib/queries.ts';
import { href, navigate, useSearchParams } from '../../lib/router.tsx';
import { useWorkspace } from '../../lib/workspace.ts';
import { EndpointForm } from './EndpointForm.tsx';
import { Badge, Code, CopyButton, prettyJson } from './shared.tsx';
import { NotAllowed, usePermissions } from '../../lib/permissions.tsx';

export function SecretOnce({ secret, onClose, title = 'Endpoint created', note }: { secret: string | null; onClose(): void; title?: string; note?: string }) {
  return (
    <Dialog open={secret !== null} onClose={onClose} title={title}>
      <div className="space-y-3 text-sm">
        <p className="flex items-start gap-2 rounded-md bg-amber-50 p-2 text-amber-900 dark:bg-amber-950 dark:text-amber-100">
          <KeyRound className="mt-0.5 size-4 shrink-0" aria-hidden /> Copy the signing secret now. It is shown this once; later only an owner or admin can reveal it again.
        </p>
        {note && <p className="text-slate-600 dark:text-slate-400">{note}</p>}
        <code data-testid="secret" className="block break-all rounded-md bg-slate-100 p-2 font-mono text-xs dark:bg-slate-800">{secret}</code>
        <div className="flex justify-end gap-2">
          {secret && <CopyButton text={secret} label="Copy secret" />}
          <Button variant="primary" onClick={onClose}>Done</Button>
        </div>
      </div>
    </Dialog>
  );
}

function NewEndpoint() {
  const [open, setOpen] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const create = useApiMutation('webhooks.endpoints.create', ['webhooks.endpoints.list']);
  return (
    <>
      <Button variant="primary" onClick={() => { create.reset(); setOpen(true); }}><Plus className="size-4" aria-hidden /> New endpoint</Button>
      <Dialog open={open} onClose={() => setOpen(false)} title="New webhook endpoint" wide>
        <EndpointForm
          submitLabel="Create endpoint"
          busy={create.isPending}
          error={create.error}
          onCancel={() => setOpen(false)}
          onSubmit={(settings) => create.mutate(settings, { onSuccess: (ep) => { setOpen(false); setSecret(ep.secret); } })}
        />
      </Dialog>
      <SecretOnce secret={secret} onClose={() => setSecret(null)} />
    </>
  );
}

function EventCatalogue() {
  const types = useApi('webhooks.eventTypes', {});
  const [open, setOpen] = useState<string | null>(null);
  if (!types.data) return null;
  return (
    <section aria-labelledby="catalogue" className="px-6 pb-8">
      <h2 id="catalogue" className="mb-2 text-sm font-semibold text-slate-700 dark:text-slate-300">Event types</h2>
      <ul className="divide-y divide-slate-200 rounded-md border border-slate-200 dark:divide-slate-800 dark:border-slate-800">
        {types.data.items.map((t) => (
          <li key={t.type}>
            <button type="button" aria-expanded={open === t.type} onClick={() => setOpen(open === t.type ? null : t.type)} className="flex w-full items-center justify-between px-3 py-2 text-left text-sm hover:bg-slate-50 dark:hover:bg-slate-900">
              <span><code className="font-medium">{t.type}</code> <span className="text-slate-600 dark:text-slate-400">— {t.label}</span></span>
              <span className="text-xs text-indigo-700 dark:text-indigo-300">{open === t.type ? 'Hide sample' : 'Sample payload'}</span>
            </button>
            {open === t.type && <div className="px-3 pb-3"><Code label={`Sample payload of ${t.type}`}>{prettyJson(t.sample)}</Code></div>}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function WebhooksPage(_props: { params: Record<string, string> }) {
  const { readOnly } = useWorkspace();
  const { can, why, known } = usePermissions();
  // `#/webhooks?endpoint=ID` (the link of older notifications, and bookmarks of it) opens that endpoint.
  const [search] = useSearchParams();
  const linked = search.get('endpoint');
  useEffect(() => {
    if (linked) navigate(`/webhooks/endpoints/${encodeURIComponent(linked)}`, undefined, { replace: true });
  }, [linked]);
  const endpoints = useApi('webhooks.endpoints.list', {}, { enabled: !readOnly });
  useInvalidateOn('webhooks.endpoint.updated', ['webhooks.endpoints.list']);
  useInvalidateOn('webhooks.delivery.updated', ['webhooks.endpoints.list']);
  return (
    <div>
      <PageHeader title="Webhooks" description="Endpoints that receive your team’s events, signed per Standard Webhooks.">
        <a href={href('/jobs')} className="text-sm text-indigo-700 underline dark:text-indigo-300">Jobs and queues</a>
        {!readOnly && can('webhooks.endpoints.create') && <NewEndpoint />}
        {!readOnly && known && !can('webhooks.endpoints.create') && <NotAllowed>{why('add or change endpoints')}</NotAllowed>}
      </PageHeader>
      <div className="p-6">
        {readOnly && (
          <EmptyState icon={<Webhook className="size-10" aria-hidden />} title="This review bundle holds no webhooks">
            Endpoints, their deliveries and their signing secrets stay in the original workspace: a bundle carries the trail, not the
            operational data. Open the workspace itself to see deliveries or retry them.
          </EmptyState>
        )}
        {endpoints.isLoading && <Skeleton rows={4} />}
        {endpoints.error && <ErrorNotice error={endpoints.error} title="The endpoints could not be loaded" />}
        {endpoints.data && endpoints.data.items.length === 0 && (
          <EmptyState icon={<Webhook className="size-10" aria-hidden />} title="No webhook endpoints yet">
            Add an endpoint to send events such as <code>card.moved</code> to another system. Every delivery and every attempt is kept here so you can see what happened and retry.
          </EmptyState>
        )}
        {endpoints.data && endpoints.data.items.length > 0 && (
          <table className="w-full text-sm">
            <thead className="text-left text-xs uppercase tracking-wide text-slate-600 dark:text-slate-400">
              <tr><th className="py-2 font-medium">Endpoint</th><th className="font-medium">State</th><th className="font-medium">Success (7 days)</th><th className="font-medium">Last failure</th><th className="font-medium">Events</th></tr>
            </thead>
            <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
              {endpoints.data.items.map((ep) => {
                const state = ep.status === 'disabled' ? 'disabled' : ep.pausedUntil ? 'paused' : 'active';
                return (
                  <tr key={ep.id} className="align-top">
                    <td className="py-3 pr-4">
                      <a className="font-medium text-indigo-700 hover:underline dark:text-indigo-300" href={href(`/webhooks/endpoints/${ep.id}`)}>{ep.url}</a>
                      {ep.description && <p className="text-xs text-slate-600 dark:text-slate-400">{ep.description}</p>}
                    </td>
                    <td className="py-3 pr-4">
                      <Badge value={state} />
                      {ep.disabledReason && <p className="mt-1 max-w-xs text-xs text-slate-600 dark:text-slate-400">{ep.disabledReason}</p>}
                      {state === 'paused' && <p className="mt-1 text-xs text-slate-600 dark:text-slate-400">{ep.consecutiveFailures} failures in a row; resumes <RelativeTime iso={ep.pausedUntil!} /></p>}
                    </td>
                    <td className="py-3 pr-4">
                      {ep.health.successRate === null ? <span className="text-slate-600 dark:text-slate-400">No deliveries</span> : (
                        <span className={ep.health.successRate < 0.9 ? 'text-red-700 dark:text-red-400' : ''}>
                          {(ep.health.successRate * 100).toFixed(ep.health.successRate === 1 ? 0 : 1)} % <span className="text-xs text-slate-600 dark:text-slate-400">of {ep.health.delivered + ep.health.failed}</span>
                        </span>
                      )}
                      {ep.health.pending > 0 && <p className="text-xs text-slate-600 dark:text-slate-400">{ep.health.pending} waiting</p>}
                    </td>
                    <td className="py-3 pr-4">{ep.lastFailureAt ? <span className="inline-flex items-center gap-1"><AlertTriangle className="size-3.5 text-amber-600" aria-hidden /><RelativeTime iso={ep.lastFailureAt} /></span> : <span className="text-slate-600 dark:text-slate-400">Never</span>}</td>
                    <td className="py-3 text-xs">{ep.eventTypes.includes('*') ? 'All events' : ep.eventTypes.join(', ')}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>
      <EventCatalogue />
    </div>
  );
}
