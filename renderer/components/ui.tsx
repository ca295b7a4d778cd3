// Small shared UI pieces: times, empty states, skeletons, errors, buttons.
import { useEffect, useState, type ButtonHTMLAttributes, type ReactNode } from 'react';
import type { ContractError } from '../lib/client.ts';
import { useLocation } from '../lib/router.tsx';
import { formatLocal, timeZone } from '../lib/time.ts';

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 31_536_000_000], ['month', 2_592_000_000], ['week', 604_800_000], ['day', 86_400_000], ['hour', 3_600_000], ['minute', 60_000], ['second', 1000],
];
const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

export function relativeTime(iso: string, now = Date.now()): string {
  const diff = Date.parse(iso) - now;
  for (const [unit, ms] of units) if (Math.abs(diff) >= ms || unit === 'second') return rtf.format(Math.round(diff / ms), unit);
  return iso;
}

/** "3 minutes ago", with the exact time in the person's zone (named) on hover. Re-renders every 30 s. */
export function RelativeTime({ iso }: { iso: string }) {
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 30_000);
    return () => clearInterval(t);
  }, []);
  return (
    <time dateTime={iso} title={`${formatLocal(iso)} (${timeZone()})`} className="whitespace-nowrap">
      {relativeTime(iso)}
    </time>
  );
}

export function EmptyState({ icon, title, children, action }: { icon?: ReactNode; title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="mx-auto flex max-w-md flex-col items-center gap-3 py-16 text-center" role="status">
      {icon && <div className="text-slate-400">{icon}</div>}
      <h2 className="text-lg font-semibold">{title}</h2>
      {children && <div className="text-sm text-slate-600 dark:text-slate-400">{children}</div>}
      {action}
    </div>
  );
}

export function Skeleton({ rows = 6, className = '' }: { rows?: number; className?: string }) {
  return (
    <div className={`space-y-3 ${className}`} aria-busy="true" aria-label="Loading">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="h-12 animate-pulse rounded-md bg-slate-100 dark:bg-slate-800" />
      ))}
    </div>
  );
}

/** An error in a sentence, with the detail (code, fields) on demand. */
export function ErrorNotice({ error, title = 'That did not work' }: { error: unknown; title?: string }) {
  const e = error as ContractError & { body?: { issues?: { path: (string | number)[]; message: string }[] } };
  return (
    <div role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100">
      <p className="font-medium">{title}</p>
      <p>{e?.message ?? String(error)}</p>
      {(e?.code || e?.body?.issues) && (
        <details className="mt-1 text-xs opacity-80">
          <summary className="cursor-pointer">Details</summary>
          <p>Code: {e.code}</p>
          {e.body?.issues?.map((i, n) => (
            <p key={n}>
              {i.path.join('.') || '(input)'}: {i.message}
            </p>
          ))}
        </details>
      )}
    </div>
  );
}

type Variant = 'primary' | 'secondary' | 'danger' | 'ghost';
const variants: Record<Variant, string> = {
  primary: 'bg-indigo-600 text-white hover:bg-indigo-500 disabled:bg-indigo-300',
  secondary: 'border border-slate-300 bg-white text-slate-800 hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 dark:hover:bg-slate-800',
  danger: 'bg-red-600 text-white hover:bg-red-500 disabled:bg-red-300',
  ghost: 'text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800',
};

export function Button({ variant = 'secondary', className = '', ...props }: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant }) {
  return (
    <button
      type="button"
      {...props}
      className={`inline-flex items-center gap-1.5 rounded-md px-3 py-1.5 text-sm font-medium disabled:cursor-not-allowed ${variants[variant]} ${className}`}
    />
  );
}

export const inputClass =
  'rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900 focus:border-indigo-500';

/** The browser tab / window title: the page first, the app last. */
export function setDocumentTitle(page: string | undefined) {
  document.title = page ? `${page} · Chronicle` : 'Chronicle';
}

export function PageHeader({ title, children, description, documentTitle }: { title: string; description?: ReactNode; children?: ReactNode; documentTitle?: string }) {
  const { path } = useLocation();
  const tabTitle = documentTitle ?? title;
  useEffect(() => setDocumentTitle(tabTitle), [tabTitle, path]);
  return (
    <header className="flex flex-wrap items-end justify-between gap-3 border-b border-slate-200 px-6 py-4 dark:border-slate-800">
      <div>
        <h1 className="text-xl font-semibold">{title}</h1>
        {description && <p className="text-sm text-slate-600 dark:text-slate-400">{description}</p>}
      </div>
      <div className="flex flex-wrap items-center gap-2">{children}</div>
    </header>
  );
}
