// Shown above every page while a review bundle (or any read-only workspace) is open.
import { FileLock2 } from 'lucide-react';
import { useApi } from '../../lib/queries.ts';
import { href } from '../../lib/router.tsx';
import { formatLocal } from '../../lib/time.ts';

/** What a review bundle carries (main/audit/bundle.ts empties the operational and secret-bearing tables). */
export const bundleHolds =
  'It holds the account’s timeline, boards and cards, audit trail and reports as they were at the export. It does not hold webhooks (endpoints, deliveries, secrets) or background jobs: those stay in the original workspace.';

export function ReadOnlyBanner() {
  const session = useApi('session.get', {});
  const info = useApi('audit.bundleInfo', {}, { enabled: Boolean(session.data?.readOnly) });
  if (!session.data?.readOnly) return null;
  const m = info.data?.bundle;
  return (
    <div role="status" className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-amber-300 bg-amber-50 px-4 py-2 text-sm text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
      <FileLock2 className="size-4 shrink-0" aria-hidden />
      <span className="font-medium">{m ? `Review bundle of ${m.account.name}, exported ${formatLocal(m.createdAt, { seconds: false })}` : 'This workspace is open read-only'}</span>
      <span>Everything can be read; every change is refused.</span>
      {m && <span className="basis-full text-xs">{bundleHolds}</span>}
      {m && (
        <a className="ml-auto underline" href={href('/audit', { tab: 'bundles' })}>
          Key fingerprint {m.fingerprint.slice(0, 14)}…
        </a>
      )}
    </div>
  );
}
