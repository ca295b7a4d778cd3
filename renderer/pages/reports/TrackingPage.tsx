// The tracking explorer: what people do in the console (page views, clicks, submits, exports) over time, top
// routes, top clicked elements and per person, filtered by type, person and a metadata key/value (URL filters).
import { MousePointerClick } from 'lucide-react';
import { useEffect, useState } from 'react';
import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { EmptyState, ErrorNotice, inputClass, PageHeader, Skeleton } from '../../components/ui.tsx';
import { useApi } from '../../lib/queries.ts';
import { href, useSearchParams } from '../../lib/router.tsx';
import { axisProps, Card, ChartCard, chartColors, RangePicker, rangeFrom, RankedTable, shortDay, tooltipStyle } from './shared.tsx';

const trackingTypes = ['page_view', 'link_click', 'form_submit', 'button_click', 'search', 'export'] as const;
type TrackingType = (typeof trackingTypes)[number];
const labels: Record<TrackingType, string> = {
  page_view: 'Page views',
  link_click: 'Link clicks',
  form_submit: 'Form submits',
  button_click: 'Button clicks',
  search: 'Searches',
  export: 'Exports',
};

function MetaFilter({ keys, search, setSearch }: { keys: string[]; search: URLSearchParams; setSearch: (p: Record<string, string | null>) => void }) {
  const [value, setValue] = useState(search.get('value') ?? '');
  useEffect(() => setValue(search.get('value') ?? ''), [search]);
  const key = search.get('key') ?? '';
  return (
    <form
      className="flex items-center gap-1"
      data-track="tracking.meta-filter"
      onSubmit={(e) => {
        e.preventDefault();
        setSearch({ value: value || null });
      }}
    >
      <label className="sr-only" htmlFor="meta-key">Metadata key</label>
      <select id="meta-key" className={inputClass} value={key} onChange={(e) => setSearch({ key: e.target.value || null, value: null })}>
        <option value="">Any metadata</option>
        {[...new Set([...keys, ...(key ? [key] : [])])].map((k) => (
          <option key={k} value={k}>{k}</option>
        ))}
      </select>
      {key && (
        <>
          <label className="sr-only" htmlFor="meta-value">Value</label>
          <input id="meta-value" className={`${inputClass} w-36`} placeholder="value (any)" value={value} onChange={(e) => setValue(e.target.value)} maxLength={120} />
          <button type="submit" className="rounded-md border border-slate-300 px-2 py-1.5 text-sm hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800">Apply</button>
        </>
      )}
    </form>
  );
}

export function TrackingPage(_props: { params: Record<string, string> }) {
  const [search, setSearch] = useSearchParams();
  const range = rangeFrom(search);
  const type = trackingTypes.includes(search.get('type') as TrackingType) ? (search.get('type') as TrackingType) : undefined;
  const input = {
    from: range.from,
    to: range.to,
    ...(type ? { eventType: type } : {}),
    ...(search.get('user') ? { userId: search.get('user')! } : {}),
    ...(search.get('key') ? { metaKey: search.get('key')! } : {}),
    ...(search.get('key') && search.get('value') ? { metaValue: search.get('value')! } : {}),
  };
  const data = useApi('tracking.explore', input, { placeholderData: (prev) => prev });
  const members = useApi('members.list', {});
  const settings = useApi('settings.get', {});
  const d = data.data;
  const shown = type ? [type] : trackingTypes;

  return (
    <div>
      <PageHeader title="Tracking" description={`What people do in the console, ${range.from} to ${range.to} (UTC).`}>
        <RangePicker search={search} setSearch={setSearch} page="tracking" />
      </PageHeader>
      <div className="flex flex-wrap items-center gap-2 border-b border-slate-200 px-6 py-3 dark:border-slate-800">
        <label className="sr-only" htmlFor="tracking-type">Event type</label>
        <select id="tracking-type" className={inputClass} value={type ?? ''} onChange={(e) => setSearch({ type: e.target.value || null })}>
          <option value="">All event types</option>
          {trackingTypes.map((t) => <option key={t} value={t}>{labels[t]}</option>)}
        </select>
        <label className="sr-only" htmlFor="tracking-user">Person</label>
        <select id="tracking-user" className={inputClass} value={search.get('user') ?? ''} onChange={(e) => setSearch({ user: e.target.value || null })}>
          <option value="">Everyone</option>
          {members.data?.items.map((m) => <option key={m.user.id} value={m.user.id}>{m.user.name}</option>)}
        </select>
        <MetaFilter keys={d?.metaKeys ?? []} search={search} setSearch={setSearch} />
        {(type || search.get('user') || search.get('key')) && (
          <button type="button" className="text-sm text-indigo-700 hover:underline dark:text-indigo-300" onClick={() => setSearch({ type: null, user: null, key: null, value: null })} data-track="tracking.clear-filters">
            Clear filters
          </button>
        )}
      </div>
      <div className="space-y-4 p-6">
        {settings.data && !settings.data.trackingEnabled && (
          <p role="status" className="rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-100">
            Tracking is off for this account: nothing new is recorded. Turn it on in <a className="underline" href={href('/settings')}>Settings</a>.
          </p>
        )}
        {data.error ? (
          <ErrorNotice error={data.error} title="Tracking events could not be loaded" />
        ) : !d ? (
          <Skeleton rows={5} />
        ) : d.total === 0 ? (
          <EmptyState icon={<MousePointerClick className="size-8" />} title="No tracking events match">
            Widen the date range or clear the filters. Page views and clicks on tracked buttons are recorded as people use the console.
          </EmptyState>
        ) : (
          <>
            <div className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
              {trackingTypes.map((t) => (
                <button
                  key={t}
                  type="button"
                  aria-pressed={type === t}
                  onClick={() => setSearch({ type: type === t ? null : t })}
                  className={`rounded-md border p-3 text-left ${type === t ? 'border-indigo-500 ring-1 ring-indigo-500' : 'border-slate-200 dark:border-slate-800'} bg-white hover:bg-slate-50 dark:bg-slate-900 dark:hover:bg-slate-800`}
                >
                  <span className="flex items-center gap-1.5 text-xs text-slate-600 dark:text-slate-400">
                    <span className="inline-block size-2 rounded-full" style={{ background: chartColors[t] }} aria-hidden="true" />
                    {labels[t]}
                  </span>
                  <span className="mt-1 block text-2xl font-semibold tabular-nums">{(d.byType.find((b) => b.eventType === t)?.count ?? 0).toLocaleString('en')}</span>
                </button>
              ))}
            </div>
            <ChartCard id="tracking-daily" title="Events over time" subtitle={`${d.total.toLocaleString('en')} events`} filename={`tracking-${range.from}-${range.to}`}>
              <ResponsiveContainer width="100%" height={260}>
                <AreaChart data={d.daily} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
                  <CartesianGrid strokeDasharray="3 3" stroke="#94a3b833" vertical={false} />
                  <XAxis dataKey="day" tickFormatter={shortDay} {...axisProps} minTickGap={24} />
                  <YAxis allowDecimals={false} {...axisProps} />
                  <Tooltip {...tooltipStyle} labelFormatter={(l) => shortDay(String(l))} />
                  <Legend wrapperStyle={{ fontSize: 12 }} />
                  {shown.map((t) => (
                    <Area key={t} type="linear" dataKey={t} name={labels[t]} stackId="t" stroke={chartColors[t]} fill={chartColors[t]} fillOpacity={0.35} isAnimationActive={false} />
                  ))}
                </AreaChart>
              </ResponsiveContainer>
            </ChartCard>
            <div className="grid grid-cols-1 gap-4 lg:grid-cols-3">
              <Card title="Top routes" subtitle="Page views per route">
                <RankedTable rows={d.topRoutes.map((r) => ({ name: r.url, count: r.count }))} unit="Views" nameHeader="Route" mono empty="No page views match." />
              </Card>
              <Card title="Top clicked elements" subtitle="By their data-track name">
                <RankedTable rows={d.topElements.map((r) => ({ name: r.element, count: r.count }))} unit="Events" nameHeader="Element" mono empty="No clicks or submits match." />
              </Card>
              <Card title="Per person">
                <RankedTable rows={d.perPerson} unit="Events" nameHeader="Person" empty="Nobody matches." />
              </Card>
            </div>
          </>
        )}
      </div>
    </div>
  );
}
