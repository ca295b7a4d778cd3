// Shown above every page once SQLite reported damage in the workspace file: changes are refused from then on, and
// Settings → Backups says what was found and how to put the last backup back.
import { ShieldAlert } from 'lucide-react';
import { useApi } from '../../lib/queries.ts';
import { href } from '../../lib/router.tsx';

export function DamageBanner() {
  const session = useApi('session.get', {});
  const status = useApi('storage.status', {}, { enabled: Boolean(session.data) && !session.data?.readOnly, refetchInterval: 60_000 });
  const damage = status.data?.damage;
  if (!damage) return null;
  return (
    <div role="alert" className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-red-300 bg-red-50 px-4 py-2 text-sm text-red-950 dark:border-red-800 dark:bg-red-950 dark:text-red-100">
      <ShieldAlert className="size-4 shrink-0" aria-hidden />
      <span className="font-medium">The workspace file is damaged: Chronicle stopped writing to it.</span>
      <span>Everything that can be read still can; every change is refused.</span>
      <a className="ml-auto underline" href={href('/settings')}>Restore the last backup</a>
    </div>
  );
}
