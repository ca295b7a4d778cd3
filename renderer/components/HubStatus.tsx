// A console forwarded to a team hub (`chronicle serve --hub`, or the desktop connected to a hub) says which hub
// and which person the hub says it is, and shows a banner while the hub cannot be reached. Pushes of
// `connection.changed` keep it current; when the hub is back, everything on screen is fetched again.
import { useQueryClient } from '@tanstack/react-query';
import { CloudOff, Network } from 'lucide-react';
import { useEffect, useState } from 'react';
import { api, isElectron, subscribe } from '../lib/client.ts';
import { keyOf, useApi } from '../lib/queries.ts';
import { formatLocal } from '../lib/time.ts';

/** The team hub this console is forwarded to (kept current by `connection.changed`), or null for a local workspace. */
export function useConnection() {
  const qc = useQueryClient();
  const connection = useApi('connection.get', {}, { staleTime: Infinity });
  useEffect(
    () =>
      subscribe('connection.changed', (next) => {
        const before = qc.getQueryData<typeof next>(keyOf('connection.get', {}));
        qc.setQueryData(keyOf('connection.get', {}), next);
        // Back after an outage: what failed while it was away is asked again.
        if (before?.hub && !before.hub.reachable && next.hub?.reachable) void qc.invalidateQueries();
      }),
    [qc],
  );
  return connection.data?.hub ?? null;
}

/** "Team hub: host · Person (Account)", in the top bar. */
export function HubIdentity() {
  const hub = useConnection();
  if (!hub) return null;
  const host = new URL(hub.url).host;
  return (
    <span className="flex items-center gap-1.5 rounded-full border border-slate-300 px-2 py-0.5 text-xs text-slate-700 dark:border-slate-700 dark:text-slate-300" title={hub.url}>
      <Network className="size-3.5" aria-hidden />
      <span>Team hub {host}</span>
      {hub.user && <span aria-hidden>·</span>}
      {hub.user && <span>{hub.user.name}{hub.account ? ` (${hub.account.name})` : ''}</span>}
    </span>
  );
}

export function HubUnreachableBanner() {
  const hub = useConnection();
  const [openError, setOpenError] = useState<string | null>(null);
  if (!hub || hub.reachable) return null;
  return (
    <div role="alert" className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-red-300 bg-red-50 px-4 py-2 text-sm text-red-950 dark:border-red-800 dark:bg-red-950 dark:text-red-100">
      <CloudOff className="size-4 shrink-0" aria-hidden />
      <span className="font-medium">The team hub cannot be reached (since {formatLocal(hub.since, { seconds: true })}).</span>
      <span>Reads are retried; changes are refused until it is back, and nothing is kept to send later.</span>
      {isElectron && hub.offline && (
        <button
          type="button"
          className="rounded-md border border-red-400 px-2 py-0.5 font-medium hover:bg-red-100 dark:border-red-700 dark:hover:bg-red-900"
          onClick={() => void api('connection.openOffline', {}).then(() => setOpenError(null), (e: Error) => setOpenError(e.message))}
        >
          Open the offline copy (exported {formatLocal(hub.offline.exportedAt, { seconds: false })})
        </button>
      )}
      {hub.problem && <span className="basis-full text-xs">{hub.problem}</span>}
      {openError && <span className="basis-full text-xs">{openError}</span>}
    </div>
  );
}
