// Pieces shared by the reports and tracking pages: date-range presets in the URL, chart cards with PNG export,
// table cards with CSV export, and the downloads themselves.
import { Download, ImageDown } from 'lucide-react';
import { useRef, useState, type ReactNode } from 'react';
import { ErrorNotice, inputClass } from '../../components/ui.tsx';

const DAY = 86_400_000;
export const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const todayUtc = () => isoDay(Date.now());

export const presets = ['7', '30', '90', 'custom'] as const;
export type Preset = (typeof presets)[number];

/** The range in the URL: `range=7|30|90` (ending today, UTC) or `range=custom&from=…&to=…`. */
export function rangeFrom(search: URLSearchParams): { preset: Preset; from: string; to: string } {
  const raw = search.get('range');
  const preset: Preset = presets.includes(raw as Preset) ? (raw as Preset) : '30';
  const today = todayUtc();
  if (preset === 'custom') {
    const valid = (s: string | null) => (s && /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s)) ? s : null);
    const from = valid(search.get('from')) ?? isoDay(Date.now() - 29 * DAY);
    const to = valid(search.get('to')) ?? today;
    return { preset, from, to };
  }
  return { preset, from: isoDay(Date.now() - (Number(preset) - 1) * DAY), to: today };
}

export function RangePicker({ search, setSearch, page }: { search: URLSearchParams; setSearch: (p: Record<string, string | null>) => void; page: string }) {
  const r = rangeFrom(search);
  return (
    <div className="flex flex-wrap items-center gap-2">
      <div role="group" aria-label="Date range" className="inline-flex overflow-hidden rounded-md border border-slate-300 dark:border-slate-700">
        {presets.map((p) => (
          <button
            key={p}
            type="button"
            aria-pressed={r.preset === p}
            data-track={`${page}.range`}
            data-track-meta-range={p}
            onClick={() => setSearch(p === 'custom' ? { range: p, from: r.from, to: r.to } : { range: p, from: null, to: null })}
            className={`px-3 py-1.5 text-sm ${r.preset === p ? 'bg-indigo-600 text-white' : 'bg-white hover:bg-slate-50 dark:bg-slate-900 dark:hover:bg-slate-800'}`}
          >
            {p === 'custom' ? 'Custom' : `${p} days`}
          </button>
        ))}
      </div>
      {r.preset === 'custom' && (
        <>
          <label className="text-sm">
            <span className="sr-only">From</span>
            <input type="date" aria-label="From" className={inputClass} value={r.from} max={r.to} onChange={(e) => e.target.value && setSearch({ from: e.target.value })} />
          </label>
          <span className="text-sm text-slate-600 dark:text-slate-400">to</span>
          <label className="text-sm">
            <span className="sr-only">To</span>
            <input type="date" aria-label="To" className={inputClass} value={r.to} min={r.from} max={todayUtc()} onChange={(e) => e.target.value && setSearch({ to: e.target.value })} />
          </label>
        </>
      )}
    </div>
  );
}

export function downloadBlob(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** An SVG element as an image, its unstyled text given the page's colours and font. */
async function svgImage(svg: SVGSVGElement, width: number, height: number, text: string): Promise<HTMLImageElement> {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(height));
  clone.querySelectorAll('text').forEach((t) => {
    if (!t.getAttribute('fill') || t.getAttribute('fill') === 'currentColor') t.setAttribute('fill', text);
    t.setAttribute('font-family', 'system-ui, sans-serif');
  });
  const url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(clone)], { type: 'image/svg+xml;charset=utf-8' }));
  try {
    const img = new Image();
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('The chart could not be drawn as an image.'));
      img.src = url;
    });
    return img;
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * Draw a whole chart onto a canvas (2× for sharpness, on the page's background) and download it as PNG: the
 * chart's own surface (the wrapper's direct SVG child: legend swatches are SVGs too, and come first in the DOM)
 * and its legend (swatches and labels, which recharts renders as HTML beside the SVG).
 */
export async function exportSvgAsPng(container: HTMLElement, filename: string) {
  const wrapper = container.querySelector<HTMLElement>('.recharts-wrapper');
  const svg = wrapper?.querySelector<SVGSVGElement>(':scope > svg.recharts-surface');
  if (!wrapper || !svg) throw new Error('There is no chart to export yet.');
  const box = wrapper.getBoundingClientRect();
  const dark = window.matchMedia?.('(prefers-color-scheme: dark)').matches;
  const bg = dark ? '#0f172a' : '#ffffff';
  const text = dark ? '#e2e8f0' : '#334155';
  const scale = 2;
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(box.width * scale);
  canvas.height = Math.ceil(box.height * scale);
  const g = canvas.getContext('2d')!;
  g.fillStyle = bg;
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.scale(scale, scale);
  const draw = async (el: SVGSVGElement) => {
    const r = el.getBoundingClientRect();
    g.drawImage(await svgImage(el, r.width, r.height, text), r.left - box.left, r.top - box.top, r.width, r.height);
  };
  await draw(svg);
  for (const item of wrapper.querySelectorAll<HTMLElement>('.recharts-legend-item')) {
    const icon = item.querySelector<SVGSVGElement>('svg');
    if (icon) await draw(icon);
    const label = item.querySelector<HTMLElement>('.recharts-legend-item-text');
    if (!label) continue;
    const r = label.getBoundingClientRect();
    const style = getComputedStyle(label);
    g.font = `${style.fontWeight} ${style.fontSize} system-ui, sans-serif`;
    g.fillStyle = style.color || text;
    g.textBaseline = 'middle';
    g.fillText(label.textContent ?? '', r.left - box.left, r.top - box.top + r.height / 2);
  }
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('The chart could not be encoded as PNG.');
  downloadBlob(blob, filename);
}

function useAction() {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run };
}

const smallButton =
  'inline-flex items-center gap-1 rounded-md border border-slate-300 px-2 py-1 text-xs font-medium hover:bg-slate-50 disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-800';

export function Card({ title, subtitle, actions, children, id }: { title: string; subtitle?: ReactNode; actions?: ReactNode; children: ReactNode; id?: string }) {
  return (
    <section aria-labelledby={id ? `${id}-title` : undefined} className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <div className="mb-3 flex items-start justify-between gap-2">
        <div className="min-w-0 flex-1">
          <h2 id={id ? `${id}-title` : undefined} className="text-sm font-semibold">{title}</h2>
          {subtitle && <p className="text-xs text-slate-600 dark:text-slate-400">{subtitle}</p>}
        </div>
        <div className="flex shrink-0 gap-2">{actions}</div>
      </div>
      {children}
    </section>
  );
}

/** A chart card with "PNG" export of the chart it holds. */
export function ChartCard({ title, subtitle, filename, children, extra, id }: { title: string; subtitle?: ReactNode; filename: string; children: ReactNode; extra?: ReactNode; id?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const action = useAction();
  return (
    <Card
      id={id}
      title={title}
      subtitle={subtitle}
      actions={
        <>
          {extra}
          <button
            type="button"
            className={smallButton}
            disabled={action.busy}
            aria-label={`Export “${title}” as PNG`}
            data-track="reports.export-png"
            data-track-type="export"
            data-track-meta-chart={filename}
            onClick={() => action.run(() => exportSvgAsPng(ref.current!, `${filename}.png`))}
          >
            <ImageDown className="size-3.5" aria-hidden="true" /> PNG
          </button>
        </>
      }
    >
      <div ref={ref}>{children}</div>
      {action.error ? <div className="mt-2"><ErrorNotice error={action.error} title="The chart was not exported" /></div> : null}
    </Card>
  );
}

/** A "CSV" button that fetches the table's export and downloads it. */
export function CsvButton({ label, fetchCsv, table }: { label: string; table: string; fetchCsv: () => Promise<{ filename: string; csv: string }> }) {
  const action = useAction();
  return (
    <span className="inline-flex flex-col items-end">
      <button
        type="button"
        className={smallButton}
        disabled={action.busy}
        aria-label={`Export “${label}” as CSV`}
        data-track="reports.export-csv"
        data-track-type="export"
        data-track-meta-table={table}
        onClick={() =>
          action.run(async () => {
            const r = await fetchCsv();
            downloadBlob(new Blob([r.csv], { type: 'text/csv;charset=utf-8' }), r.filename);
          })
        }
      >
        <Download className="size-3.5" aria-hidden="true" /> CSV
      </button>
      {action.error ? <span className="mt-1 max-w-64"><ErrorNotice error={action.error} title="The export failed" /></span> : null}
    </span>
  );
}

/** Ranked rows with a proportional bar, for "most active" lists. */
export function RankedTable({ rows, unit, empty, nameHeader, href, mono }: { rows: { id?: string; name: string; count: number }[]; unit: string; empty: string; nameHeader: string; href?: (id: string) => string; mono?: boolean }) {
  if (rows.length === 0) return <p className="py-6 text-center text-sm text-slate-600 dark:text-slate-400" role="status">{empty}</p>;
  const max = Math.max(...rows.map((r) => r.count), 1);
  return (
    <table className="w-full text-sm">
      <thead>
        <tr className="text-left text-xs text-slate-600 dark:text-slate-400">
          <th scope="col" className="pb-1 font-medium">{nameHeader}</th>
          <th scope="col" className="pb-1 text-right font-medium">{unit}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id ?? r.name} className="border-t border-slate-100 dark:border-slate-800">
            <td className="py-1.5 pr-2">
              <div className="flex items-center gap-2">
                <div className="h-2 rounded bg-indigo-500/70" style={{ width: `${Math.max(2, (r.count / max) * 40)}%` }} aria-hidden="true" />
                {href && r.id ? (
                  <a className="truncate hover:underline" href={href(r.id)}>{r.name}</a>
                ) : (
                  // Routes and element names wrap rather than being cut off.
                  <span className={mono ? 'min-w-0 font-mono text-xs break-all' : 'truncate'}>{r.name}</span>
                )}
              </div>
            </td>
            <td className="py-1.5 text-right tabular-nums">{r.count.toLocaleString('en')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export const chartColors: Record<string, string> = {
  card_created: '#6366f1',
  card_moved: '#0ea5e9',
  card_updated: '#f59e0b',
  comment_added: '#10b981',
  member_invited: '#ec4899',
  project_archived: '#64748b',
  page_view: '#6366f1',
  link_click: '#0ea5e9',
  form_submit: '#f59e0b',
  button_click: '#10b981',
  search: '#ec4899',
  export: '#64748b',
};

export const tooltipStyle = {
  contentStyle: { background: 'rgba(15, 23, 42, 0.94)', border: 'none', borderRadius: 6, color: '#f8fafc', fontSize: 12 },
  labelStyle: { color: '#cbd5e1', fontWeight: 600 },
  itemStyle: { color: '#f8fafc' },
} as const;

export const axisProps = { stroke: '#94a3b8', tick: { fill: '#94a3b8', fontSize: 11 }, tickLine: false } as const;

/** "Mar 4" for a `YYYY-MM-DD` day. */
export const shortDay = (day: string) => new Date(`${day}T00:00:00Z`).toLocaleDateString('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });
