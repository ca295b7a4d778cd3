// Settings → Team hub. In the desktop app: connect this console to a team hub (its address and a personal
// token; main checks the token with the hub and keeps it encrypted, it never comes back to this page) or
// disconnect. A browser console started with `chronicle serve --hub` shows which hub and person it forwards to.
import { useQueryClient } from '@tanstack/react-query';
import { Network } from 'lucide-react';
import { useId, useState } from 'react';
import type { Output } from '../../preload/contract.ts';
import { formatLocal } from '../lib/time.ts';
import { api, isElectron } from '../lib/client.ts';
import { keyOf, useApi } from '../lib/queries.ts';
import { Button, ErrorNotice, inputClass } from './ui.tsx';

export function TeamHubSettings() {
  const qc = useQueryClient();
  const connection = useApi('connection.get', {}, { staleTime: Infinity });
  const [form, setForm] = useState({ url: '', token: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const urlId = useId();
  const tokenId = useId();
  const hub = connection.data?.hub ?? null;
  if (!isElectron && !hub) return null;

  const change = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      const next = await fn();
      qc.setQueryData(keyOf('connection.get', {}), next);
      setForm({ url: '', token: '' });
      // Everything on screen belonged to the other side (the workspace, or the hub).
      await qc.invalidateQueries();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="hub-title" className="rounded-lg border border-slate-200 p-4 dark:border-slate-800">
      <h2 id="hub-title" className="mb-2 flex items-center gap-2 text-sm font-semibold"><Network className="size-4" aria-hidden="true" /> Team hub</h2>
      {hub ? (
        <div className="space-y-2 text-sm">
          <p>
            This console shows the team hub at <code className="rounded bg-slate-100 px-1 dark:bg-slate-800">{hub.url}</code>
            {hub.user ? <> as {hub.user.name} ({hub.user.email}){hub.account ? <>, account {hub.account.name}</> : null}</> : null}.
          </p>
          <p className="text-slate-600 dark:text-slate-400">
            {isElectron
              ? 'Your personal token is kept encrypted by this app and used only for this hub. Disconnect to go back to the workspace on this computer.'
              : <>This console was started with <code>chronicle serve --hub</code>; start it again to use another hub.</>}
          </p>
          {isElectron && (
            <Button disabled={busy} onClick={() => change(() => api('connection.disconnect', {}))}>Disconnect</Button>
          )}
          {isElectron && <OfflineReview offline={hub.offline} />}
        </div>
      ) : (
        <form
          className="space-y-3"
          onSubmit={(e) => {
            e.preventDefault();
            void change(() => api('connection.connect', form));
          }}
        >
          <p className="text-sm text-slate-600 dark:text-slate-400">
            Connect to a team hub: this console then reads and changes the hub’s workspace instead of the file on this computer.
          </p>
          <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
            <div className="space-y-1">
              <label htmlFor={urlId} className="text-sm font-medium">Hub address</label>
              <input id={urlId} type="url" placeholder="https://hub.example.com:8443" className={`${inputClass} w-full`} value={form.url} onChange={(e) => setForm({ ...form, url: e.target.value })} />
            </div>
            <div className="space-y-1">
              <label htmlFor={tokenId} className="text-sm font-medium">Personal access token</label>
              <input id={tokenId} type="password" autoComplete="off" spellCheck={false} className={`${inputClass} w-full font-mono`} value={form.token} onChange={(e) => setForm({ ...form, token: e.target.value })} />
            </div>
          </div>
          <Button type="submit" variant="primary" disabled={busy}>{busy ? 'Connecting…' : 'Connect to a team hub'}</Button>
        </form>
      )}
      {error ? <div className="mt-3"><ErrorNotice error={error} title="Not connected" /></div> : null}
    </section>
  );
}

type OfflineCopy = NonNullable<NonNullable<Output<'connection.get'>['hub']>['offline']>;

/** *Download for offline review*: a signed bundle of the account's trail for a date range, verified on arrival. */
function OfflineReview({ offline }: { offline: OfflineCopy | null }) {
  const qc = useQueryClient();
  const today = new Date().toISOString().slice(0, 10);
  const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
  const [range, setRange] = useState({ from: monthAgo, to: today });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fromId = useId();
  const toId = useId();
  const download = async () => {
    setBusy(true);
    setError(null);
    try {
      // The whole of both days, in this computer's time zone.
      const from = new Date(`${range.from}T00:00:00`).toISOString();
      const to = new Date(`${range.to}T23:59:59.999`).toISOString();
      await api('connection.downloadOffline', { from, to });
      await qc.invalidateQueries({ queryKey: keyOf('connection.get', {}) });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="space-y-2 border-t border-slate-200 pt-3 dark:border-slate-800">
      <h3 className="text-sm font-medium">Offline review</h3>
      <p className="text-slate-600 dark:text-slate-400">
        {offline
          ? `Offline copy of ${offline.account.name}: exported ${formatLocal(offline.exportedAt, { seconds: false })}, ${offline.links} audit links, verified against the hub’s key ${offline.fingerprint.slice(0, 14)}…. It is offered whenever the hub cannot be reached; a new download replaces it.`
          : 'Keep a signed review bundle of this account’s trail on this computer, to read while the hub cannot be reached.'}
      </p>
      <div className="flex flex-wrap items-end gap-2">
        <div className="space-y-1">
          <label htmlFor={fromId} className="text-xs font-medium">From</label>
          <input id={fromId} type="date" className={inputClass} value={range.from} max={range.to} onChange={(e) => setRange({ ...range, from: e.target.value })} />
        </div>
        <div className="space-y-1">
          <label htmlFor={toId} className="text-xs font-medium">To</label>
          <input id={toId} type="date" className={inputClass} value={range.to} min={range.from} onChange={(e) => setRange({ ...range, to: e.target.value })} />
        </div>
        <Button disabled={busy || !range.from || !range.to} onClick={() => void download()}>{busy ? 'Downloading and verifying…' : 'Download for offline review'}</Button>
        {offline && <Button onClick={() => void api('connection.openOffline', {}).catch(setError)}>Open the offline copy</Button>}
      </div>
      {error ? <ErrorNotice error={error} title="No offline copy" /> : null}
    </div>
  );
}
