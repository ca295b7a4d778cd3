// Small pieces shared by the webhooks and jobs pages.
import { Check, Copy } from 'lucide-react';
import { useState } from 'react';

export type DeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'failed' | 'retrying' | 'cancelled';

const statusStyles: Record<string, string> = {
  delivered: 'bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200',
  failed: 'bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200',
  retrying: 'bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200',
  delivering: 'bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-200',
  pending: 'bg-slate-100 text-slate-800 dark:bg-slate-800 dark:text-slate-200',
  cancelled: 'bg-slate-100 text-slate-600 line-through dark:bg-slate-800 dark:text-slate-400',
  active: 'bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200',
  disabled: 'bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200',
  paused: 'bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200',
  ready: 'bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-200',
  scheduled: 'bg-slate-100 text-slate-800 dark:bg-slate-800 dark:text-slate-200',
  claimed: 'bg-indigo-100 text-indigo-900 dark:bg-indigo-950 dark:text-indigo-200',
  done: 'bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200',
};

export function Badge({ value, label }: { value: string; label?: string }) {
  return <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ${statusStyles[value] ?? statusStyles.pending}`}>{label ?? value}</span>;
}

export const errorKindWords: Record<string, string> = {
  dns: 'Host name not found',
  connect: 'Could not connect',
  tls: 'Secure connection failed',
  timeout: 'No answer in time',
  reset: 'Connection reset',
  redirect: 'Redirected (not followed)',
  too_large: 'Response too large',
  blocked: 'Address outside the network scope',
  http: 'Error status',
  other: 'Failed',
};

export const scopeWords: Record<string, string> = {
  public: 'Public internet only',
  private: 'Public and private network (LAN)',
  loopback: 'Anything, including this computer',
};

export function ms(n: number): string {
  if (n < 1000) return `${n} ms`;
  if (n < 60_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)} s`;
  if (n < 3_600_000) return `${Math.round(n / 60_000)} min`;
  if (n < 86_400_000) return `${Math.round(n / 3_600_000)} h`;
  return `${Math.round(n / 86_400_000)} d`;
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className="inline-flex items-center gap-1 rounded-md border border-slate-300 px-2 py-1 text-xs hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800"
      onClick={async () => {
        await navigator.clipboard?.writeText(text).catch(() => {});
        setDone(true);
        setTimeout(() => setDone(false), 1500);
      }}
    >
      {done ? <Check className="size-3.5" aria-hidden /> : <Copy className="size-3.5" aria-hidden />} {done ? 'Copied' : label}
    </button>
  );
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The attempt as a curl command (the signature is redacted: put a fresh one from your verifier). */
export function curlFor(url: string, headers: Record<string, string>, body: string): string {
  const h = Object.entries(headers).map(([k, v]) => `  -H ${shellQuote(`${k}: ${v}`)}`);
  return [`curl -X POST ${shellQuote(url)}`, ...h, `  --data-raw ${shellQuote(body)}`].join(' \\\n');
}

export function prettyJson(text: string | null): string {
  if (text === null) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function Code({ children, label }: { children: string; label: string }) {
  return (
    <pre aria-label={label} tabIndex={0} className="max-h-80 overflow-auto rounded-md bg-slate-50 p-3 text-xs leading-relaxed text-slate-800 dark:bg-slate-950 dark:text-slate-200">
      {children || '(empty)'}
    </pre>
  );
}
