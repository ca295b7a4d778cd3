// Settings → Team hub. In the desktop app: connect this console to a team hub (its address and a personal
// token; main checks the token with the hub and keeps it encrypted, it never comes back to this page) or
// disconnect. A browser console started with `chronicle serve --hub` shows which hub and person it forwards to.
import { useQueryClient } from '@tanstack/react-query';
import { Network } from 'lucide-react';
import { useId, useState } from 'react';
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
              : 'This console was started with `chronicle serve --hub`; start it again to use another hub.'}
          </p>
          {isElectron && (
            <Button disabled={busy} onClick={() => change(() => api('connection.disconnect', {}))}>Disconnect</Button>
          )}
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
