// One delivery: the payload it sends, and every attempt with its request, response, timing and error.
import { ArrowLeft, Ban, Loader2, RefreshCw, Terminal } from 'lucide-react';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/Dialog.tsx';
import { Button, ErrorNotice, PageHeader, RelativeTime, Skeleton } from '../../components/ui.tsx';
import { api } from '../../lib/client.ts';
import { useApiMutation } from '../../lib/mutations.ts';
import { useApi, useInvalidateOn } from '../../lib/queries.ts';
import { href, navigate } from '../../lib/router.tsx';
import { formatLocal, localizeTimes } from '../../lib/time.ts';
import { Badge, Code, CopyButton, curlFor, errorKindWords, prettyJson } from './shared.tsx';
import { NotAllowed, usePermissions } from '../../lib/permissions.tsx';

/**
 * Copy as curl that verifies: for those allowed to see the secret (owners, admins) a command signed now with the
 * endpoint's current secret; a receiver accepts it within its tolerance (usually 5 minutes).
 */
function SignedCurl({ deliveryId }: { deliveryId: string }) {
  const [signed, setSigned] = useState<{ command: string; signedAt: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const sign = () => {
    setBusy(true);
    setError(null);
    api('webhooks.deliveries.signedCurl', { deliveryId }).then((r) => setSigned(r), setError).finally(() => setBusy(false));
  };
  return (
    <section aria-labelledby="signed-curl" className="space-y-2 rounded-md border border-slate-200 p-4 dark:border-slate-800">
      <h2 id="signed-curl" className="text-sm font-semibold">Send it yourself</h2>
      <p className="text-sm text-slate-700 dark:text-slate-300">A curl command that re-sends this payload, signed now with the endpoint’s current secret: a receiver that checks signatures accepts it for about 5 minutes.</p>
      <div className="flex flex-wrap items-center gap-2">
        <Button onClick={sign} disabled={busy}><Terminal className="size-4" aria-hidden /> {signed ? 'Sign again' : 'Make a signed curl command'}</Button>
        {signed && <CopyButton label="Copy signed command" text={signed.command} />}
      </div>
      {error !== null && <ErrorNotice error={error} title="No signed command" />}
      {signed && (
        <>
          <p className="text-xs text-slate-600 dark:text-slate-400" role="status">Signed {formatLocal(signed.signedAt)}; sign again if it is older than 5 minutes when you run it.</p>
          <Code label="Signed curl command">{signed.command}</Code>
        </>
      )}
    </section>
  );
}

function Headers({ headers, label }: { headers: Record<string, string> | null; label: string }) {
  if (!headers) return <p className="text-xs text-slate-600 dark:text-slate-400">None received.</p>;
  return (
    <table className="w-full text-xs" aria-label={label}>
      <tbody>
        {Object.entries(headers).map(([k, v]) => (
          <tr key={k} className="align-top"><th scope="row" className="w-48 py-0.5 pr-2 text-left font-mono font-normal text-slate-600 dark:text-slate-400">{k}</th><td className="break-all font-mono">{v}</td></tr>
        ))}
      </tbody>
    </table>
  );
}

export function DeliveryPage({ params }: { params: Record<string, string> }) {
  const deliveryId = params.id;
  const d = useApi('webhooks.deliveries.get', { deliveryId });
  useInvalidateOn('webhooks.delivery.updated', ['webhooks.deliveries.get']);
  const retry = useApiMutation('webhooks.deliveries.retry', ['webhooks.deliveries.get', 'webhooks.deliveries.list']);
  const cancel = useApiMutation('webhooks.deliveries.cancel', ['webhooks.deliveries.get', 'webhooks.deliveries.list']);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const { can, why } = usePermissions();
  const mayUseSecret = can('webhooks.deliveries.signedCurl');
  if (d.isLoading) return <div className="p-6"><Skeleton rows={6} /></div>;
  if (d.error || !d.data) return <div className="p-6"><ErrorNotice error={d.error} title="This delivery could not be loaded" /></div>;
  const x = d.data;
  const canCancel = x.status === 'pending' || x.status === 'retrying' || x.status === 'failed';
  return (
    <div>
      <PageHeader title={`Delivery of ${x.eventType}`} description={<>to <a className="underline" href={href(`/webhooks/endpoints/${x.endpoint.id}`)}>{x.endpoint.url}</a> · webhook-id <code className="text-xs">{x.id}</code></>}>
        <Button variant="ghost" onClick={() => navigate(`/webhooks/endpoints/${x.endpoint.id}`)}><ArrowLeft className="size-4" aria-hidden /> Endpoint</Button>
        {can('webhooks.deliveries.retry') ? (
          <>
            <Button variant="primary" onClick={() => retry.mutate({ deliveryId })} disabled={retry.isPending || x.status === 'delivering'}><RefreshCw className="size-4" aria-hidden /> Retry now</Button>
            <Button onClick={() => { cancel.reset(); setConfirmCancel(true); }} disabled={!canCancel || cancel.isPending}><Ban className="size-4" aria-hidden /> Cancel</Button>
          </>
        ) : (
          <NotAllowed>{why('retry or cancel deliveries')}</NotAllowed>
        )}
      </PageHeader>
      <ConfirmDialog
        open={confirmCancel}
        onClose={() => setConfirmCancel(false)}
        title="Cancel this delivery?"
        cancelLabel="Keep it"
        confirmLabel={cancel.isPending ? 'Cancelling…' : 'Cancel delivery'}
        danger
        busy={cancel.isPending}
        error={cancel.error ? <ErrorNotice error={cancel.error} title="The delivery was not cancelled" /> : null}
        onConfirm={() => cancel.mutate({ deliveryId }, { onSuccess: () => setConfirmCancel(false) })}
      >
        <p>No further attempt is made: the receiver will not get this {x.eventType} event unless it is retried or resent by hand. The cancellation is recorded with your name.</p>
      </ConfirmDialog>
      <div className="space-y-6 p-6">
        {retry.error && <ErrorNotice error={retry.error} />}
        <dl className="grid grid-cols-2 gap-4 text-sm md:grid-cols-4">
          <div><dt className="text-xs text-slate-600 dark:text-slate-400">Status</dt><dd><Badge value={x.status} /></dd></div>
          <div><dt className="text-xs text-slate-600 dark:text-slate-400">Attempts</dt><dd>{x.attemptList.length}</dd></div>
          <div><dt className="text-xs text-slate-600 dark:text-slate-400">Created</dt><dd><RelativeTime iso={x.createdAt} /></dd></div>
          <div><dt className="text-xs text-slate-600 dark:text-slate-400">{x.status === 'delivered' ? 'Delivered' : x.attemptStartedAt ? 'Attempt in progress' : 'Next attempt'}</dt><dd>{x.deliveredAt ? <RelativeTime iso={x.deliveredAt} /> : x.attemptStartedAt ? <>started <RelativeTime iso={x.attemptStartedAt} /></> : x.nextAttemptAt ? <RelativeTime iso={x.nextAttemptAt} /> : '—'}</dd></div>
        </dl>
        {x.lastError && x.status !== 'delivered' && <p className="rounded-md bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100">{localizeTimes(x.lastError)}</p>}
        {mayUseSecret && <SignedCurl deliveryId={deliveryId} />}
        <section aria-labelledby="payload"><h2 id="payload" className="mb-2 text-sm font-semibold">Payload (identical on every attempt)</h2><Code label="Payload">{prettyJson(x.payload)}</Code></section>
        <section aria-labelledby="attempts" className="space-y-4">
          <h2 id="attempts" className="text-sm font-semibold">Attempts</h2>
          {x.attemptStartedAt && (
            <p data-testid="attempt-in-progress" className="flex items-center gap-2 rounded-md border border-sky-200 bg-sky-50 p-3 text-sm text-sky-950 dark:border-sky-900 dark:bg-sky-950 dark:text-sky-100">
              <Loader2 className="size-4 motion-safe:animate-spin" aria-hidden /> Attempt {x.attemptList.length + 1} in progress: sent <RelativeTime iso={x.attemptStartedAt} />, waiting for the receiver’s answer. It is logged here when it ends.
            </p>
          )}
          {x.attemptList.length === 0 && !x.attemptStartedAt && <p className="text-sm text-slate-600 dark:text-slate-400">No attempt yet{x.nextAttemptAt ? '; the first one is due shortly' : ''}.</p>}
          {[...x.attemptList].reverse().map((a, i) => (
            <article key={a.id} aria-label={`Attempt ${x.attemptList.length - i}`} className="rounded-md border border-slate-200 p-4 dark:border-slate-800">
              <header className="mb-3 flex flex-wrap items-center gap-3 text-sm">
                <span className="font-semibold">Attempt {x.attemptList.length - i}</span>
                {a.responseStatus !== null && <Badge value={a.errorKind ? 'failed' : 'delivered'} label={`HTTP ${a.responseStatus}`} />}
                {a.errorKind && <Badge value="failed" label={errorKindWords[a.errorKind]} />}
                <span className="text-slate-600 dark:text-slate-400">{a.durationMs} ms</span>
                <span className="text-slate-600 dark:text-slate-400"><RelativeTime iso={a.createdAt} /></span>
                <span className="text-slate-600 dark:text-slate-400">{a.trigger === 'manual' ? `Manual${a.triggeredBy ? ` by ${a.triggeredBy.name}` : ''}` : 'Scheduled'}</span>
                <span className="ml-auto flex items-center gap-2">
                  <span className="max-w-md text-right text-xs text-slate-600 dark:text-slate-400">As logged: the signature is redacted and the time is past, so this will not verify{mayUseSecret ? '; “Send it yourself” above makes one that does.' : '; only owners and admins can make a signed one.'}</span>
                  <CopyButton label="Copy as curl" text={curlFor(a.url, a.requestHeaders, x.payload)} />
                </span>
              </header>
              {a.errorMessage && <p className="mb-3 text-sm text-red-800 dark:text-red-300">{a.errorMessage}</p>}
              <div className="grid gap-4 lg:grid-cols-2">
                <div><h3 className="mb-1 text-xs font-semibold uppercase text-slate-600 dark:text-slate-400">Request · {a.bodySize} bytes</h3><Headers headers={a.requestHeaders} label="Request headers" /></div>
                <div>
                  <h3 className="mb-1 text-xs font-semibold uppercase text-slate-600 dark:text-slate-400">Response{a.responseTruncated ? ' · cut at 64 KiB' : ''}</h3>
                  <Headers headers={a.responseHeaders} label="Response headers" />
                  {a.responseBody !== null && <div className="mt-2"><Code label="Response body">{prettyJson(a.responseBody)}</Code></div>}
                </div>
              </div>
            </article>
          ))}
        </section>
      </div>
    </div>
  );
}
