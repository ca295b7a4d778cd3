// An endpoint's settings, the same form for create and edit: URL (with a warning as soon as a literal address
// falls outside the chosen network scope), description, event types, network scope, retry schedule, rate limit,
// concurrency and custom headers. It returns the contract's input shape; the host validates it again.
import { AlertTriangle, Plus, X } from 'lucide-react';
import { useId, useState } from 'react';
import type { Input, Output } from '../../../preload/contract.ts';
import { MASKED_HEADER_VALUE } from '../../../preload/contract/constants.ts';
import { Button, ErrorNotice, inputClass } from '../../components/ui.tsx';
import { scopeWarning, type Scope } from '../../lib/addressScope.ts';
import { useApi } from '../../lib/queries.ts';
import { scopeWords } from './shared.tsx';

type Endpoint = Output<'webhooks.endpoints.get'>;
export type EndpointSettings = Omit<Input<'webhooks.endpoints.create'>, 'url' | 'eventTypes'> & { url: string; eventTypes: string[] };

export const DEFAULT_RETRIES = [5000, 300000, 1800000, 7200000, 18000000, 36000000, 36000000];
const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** "5s, 5m, 30m, 2h" → milliseconds; an error sentence when a part is not a delay. */
export function parseSchedule(text: string): number[] | string {
  const parts = text.split(/[,\s]+/).filter(Boolean);
  if (parts.length === 0) return 'Give at least one delay, e.g. 5s, 5m, 30m.';
  if (parts.length > 20) return 'At most 20 retries.';
  const out: number[] = [];
  for (const p of parts) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|min|m|h|d)$/.exec(p.toLowerCase());
    if (!m) return `“${p}” is not a delay: write a number and a unit (s, m, h or d), e.g. 30s or 2h.`;
    const value = Math.round(Number(m[1]) * units[m[2]]);
    if (value < 1000) return `“${p}” is shorter than 1 second.`;
    if (value > 7 * 86_400_000) return `“${p}” is longer than 7 days.`;
    out.push(value);
  }
  return out;
}
const delayText = (n: number) =>
  n % 86_400_000 === 0 ? `${n / 86_400_000}d` : n % 3_600_000 === 0 ? `${n / 3_600_000}h` : n % 60_000 === 0 ? `${n / 60_000}m` : n % 1000 === 0 ? `${n / 1000}s` : `${n}ms`;
const scheduleText = (s: number[]) => s.map(delayText).join(', ');

interface FormState {
  url: string;
  description: string;
  all: boolean;
  types: string[];
  networkScope: Scope;
  customRetries: boolean;
  retries: string;
  rateLimit: string;
  concurrency: string;
  headers: { name: string; value: string }[];
}

function initial(e?: Endpoint): FormState {
  return {
    url: e?.url ?? '',
    description: e?.description ?? '',
    all: e ? e.eventTypes.includes('*') : true,
    types: e ? e.eventTypes.filter((t) => t !== '*') : [],
    networkScope: e?.networkScope ?? 'public',
    customRetries: Boolean(e?.retrySchedule),
    retries: scheduleText(e?.retrySchedule ?? DEFAULT_RETRIES),
    rateLimit: e?.rateLimit ? String(e.rateLimit) : '',
    concurrency: String(e?.concurrency ?? 4),
    headers: Object.entries(e?.headers ?? {}).map(([name, value]) => ({ name, value })),
  };
}

export function EndpointForm({ endpoint, submitLabel, busy, error, onSubmit, onCancel }: {
  endpoint?: Endpoint;
  submitLabel: string;
  busy: boolean;
  error: unknown;
  onSubmit(settings: EndpointSettings): void;
  onCancel(): void;
}) {
  const id = useId();
  const types = useApi('webhooks.eventTypes', {});
  const [f, setF] = useState<FormState>(() => initial(endpoint));
  const set = (patch: Partial<FormState>) => setF((cur) => ({ ...cur, ...patch }));
  const warning = scopeWarning(f.url.trim(), f.networkScope);
  const schedule = f.customRetries ? parseSchedule(f.retries) : null;
  const rate = f.rateLimit.trim() ? Number(f.rateLimit) : null;
  const rateBad = rate !== null && (!Number.isInteger(rate) || rate < 1 || rate > 10_000);
  const conc = Number(f.concurrency);
  const concBad = !Number.isInteger(conc) || conc < 1 || conc > 64;
  const headerNames = f.headers.map((h) => h.name.trim().toLowerCase()).filter(Boolean);
  const headersBad = new Set(headerNames).size !== headerNames.length;
  const invalid = typeof schedule === 'string' || rateBad || concBad || headersBad || (!f.all && f.types.length === 0);
  const toggle = (t: string) => set({ types: f.types.includes(t) ? f.types.filter((x) => x !== t) : [...f.types, t] });

  return (
    <form
      className="space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        if (invalid) return;
        onSubmit({
          url: f.url.trim(),
          description: f.description,
          eventTypes: f.all ? ['*'] : f.types,
          networkScope: f.networkScope,
          retrySchedule: Array.isArray(schedule) ? schedule : null,
          rateLimit: rate,
          concurrency: conc,
          headers: Object.fromEntries(f.headers.filter((h) => h.name.trim()).map((h) => [h.name.trim(), h.value])),
        });
      }}
    >
      <div>
        <label className="block text-sm font-medium" htmlFor={`${id}-url`}>URL</label>
        <input
          id={`${id}-url`}
          autoFocus
          type="url"
          placeholder="https://example.com/webhooks/chronicle"
          className={`${inputClass} mt-1 w-full`}
          value={f.url}
          onChange={(e) => set({ url: e.target.value })}
          required
          aria-describedby={warning ? `${id}-url-warning` : undefined}
          aria-invalid={warning ? true : undefined}
        />
        {warning && (
          <p id={`${id}-url-warning`} role="alert" className="mt-1 flex items-start gap-1.5 rounded-md bg-amber-50 p-2 text-sm text-amber-950 dark:bg-amber-950 dark:text-amber-100">
            <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden />
            <span>
              {warning.message}{' '}
              <button type="button" className="font-medium underline" onClick={() => set({ networkScope: warning.needs })}>
                Allow “{scopeWords[warning.needs]}”
              </button>
            </span>
          </p>
        )}
      </div>
      <label className="block text-sm font-medium">Description <span className="font-normal text-slate-600 dark:text-slate-400">(optional)</span>
        <input className={`${inputClass} mt-1 w-full font-normal`} value={f.description} maxLength={500} onChange={(e) => set({ description: e.target.value })} />
      </label>
      <fieldset className="space-y-2 text-sm">
        <legend className="font-medium">Events</legend>
        <label className="flex items-center gap-2"><input type="checkbox" checked={f.all} onChange={(e) => set({ all: e.target.checked })} /> All events, including ones added later</label>
        {!f.all && (
          <div className="grid grid-cols-2 gap-1 pl-1">
            {types.data?.items.map((t) => (
              <label key={t.type} className="flex items-center gap-2"><input type="checkbox" checked={f.types.includes(t.type)} onChange={() => toggle(t.type)} /> <code className="text-xs">{t.type}</code> <span className="text-slate-600 dark:text-slate-400">{t.label}</span></label>
            ))}
          </div>
        )}
        {!f.all && f.types.length === 0 && <p className="text-xs text-red-700 dark:text-red-300">Choose at least one event type.</p>}
      </fieldset>
      <label className="block text-sm font-medium">Network scope
        <select className={`${inputClass} mt-1 w-full font-normal`} value={f.networkScope} onChange={(e) => set({ networkScope: e.target.value as Scope })}>
          {Object.entries(scopeWords).map(([k, v]) => <option key={k} value={k}>{v}</option>)}
        </select>
        <span className="mt-1 block text-xs font-normal text-slate-600 dark:text-slate-400">Deliveries to addresses outside the scope are refused, so a webhook cannot be aimed at machines on your network unless you allow it here.</span>
      </label>
      <fieldset className="space-y-2 text-sm">
        <legend className="font-medium">Retries</legend>
        <label className="flex items-center gap-2">
          <input type="checkbox" checked={!f.customRetries} onChange={(e) => set({ customRetries: !e.target.checked })} /> The default schedule ({scheduleText(DEFAULT_RETRIES)}, each ±20 %)
        </label>
        {f.customRetries && (
          <label className="block">
            <span className="text-xs text-slate-600 dark:text-slate-400">Delays before each retry, in order (s, m, h, d; up to 20)</span>
            <input className={`${inputClass} mt-1 w-full font-mono`} aria-label="Retry delays" value={f.retries} onChange={(e) => set({ retries: e.target.value })} aria-invalid={typeof schedule === 'string'} />
            {typeof schedule === 'string' && <span className="mt-1 block text-xs text-red-700 dark:text-red-300">{schedule}</span>}
          </label>
        )}
      </fieldset>
      <div className="grid grid-cols-2 gap-3">
        <label className="block text-sm font-medium">Rate limit <span className="font-normal text-slate-600 dark:text-slate-400">(deliveries per second; empty for none)</span>
          <input type="number" min={1} max={10000} className={`${inputClass} mt-1 w-full font-normal`} value={f.rateLimit} onChange={(e) => set({ rateLimit: e.target.value })} aria-invalid={rateBad} />
          {rateBad && <span className="mt-1 block text-xs font-normal text-red-700 dark:text-red-300">A whole number from 1 to 10,000.</span>}
        </label>
        <label className="block text-sm font-medium">Concurrency <span className="font-normal text-slate-600 dark:text-slate-400">(requests at once)</span>
          <input type="number" min={1} max={64} required className={`${inputClass} mt-1 w-full font-normal`} value={f.concurrency} onChange={(e) => set({ concurrency: e.target.value })} aria-invalid={concBad} />
          {concBad && <span className="mt-1 block text-xs font-normal text-red-700 dark:text-red-300">A whole number from 1 to 64.</span>}
        </label>
      </div>
      <fieldset className="space-y-2 text-sm">
        <legend className="font-medium">Custom headers <span className="font-normal text-slate-600 dark:text-slate-400">(sent with every delivery)</span></legend>
        {f.headers.some((h) => h.value === MASKED_HEADER_VALUE) && <p className="text-xs text-slate-600 dark:text-slate-400">Values are stored encrypted and shown as {MASKED_HEADER_VALUE}; leave one as it is to keep it, or type a new value.</p>}
        {f.headers.map((h, i) => (
          <div key={i} className="flex items-center gap-2">
            <input aria-label={`Header ${i + 1} name`} placeholder="X-Team" className={`${inputClass} w-40 font-mono`} value={h.name} onChange={(e) => set({ headers: f.headers.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)) })} />
            <input aria-label={`Header ${i + 1} value`} placeholder="value" className={`${inputClass} min-w-0 flex-1 font-mono`} value={h.value} onChange={(e) => set({ headers: f.headers.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)) })} />
            <Button variant="ghost" aria-label={`Remove header ${i + 1}`} onClick={() => set({ headers: f.headers.filter((_, j) => j !== i) })} className="!px-2"><X className="size-4" aria-hidden /></Button>
          </div>
        ))}
        {headersBad && <p className="text-xs text-red-700 dark:text-red-300">Each header name once.</p>}
        {f.headers.length < 20 && <Button variant="ghost" onClick={() => set({ headers: [...f.headers, { name: '', value: '' }] })}><Plus className="size-4" aria-hidden /> Add a header</Button>}
      </fieldset>
      {error ? <ErrorNotice error={error} title={endpoint ? 'The endpoint was not saved' : 'The endpoint was not created'} /> : null}
      <div className="flex justify-end gap-2"><Button onClick={onCancel}>Cancel</Button><Button type="submit" variant="primary" disabled={busy || invalid}>{submitLabel}</Button></div>
    </form>
  );
}
