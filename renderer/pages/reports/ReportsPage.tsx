// Reports: what happened in the workspace over a date range (optionally one project or board), as figures,
// charts and tables, each exportable (CSV for tables, PNG for charts). Filters live in the URL.
import { ChartColumn } from 'lucide-react';
import { Bar, BarChart, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { EmptyState, ErrorNotice, inputClass, PageHeader, Skeleton } from '../../components/ui.tsx';
import { api } from '../../lib/client.ts';
import { useApi, useInvalidateOn } from '../../lib/queries.ts';
import { href, useSearchParams } from '../../lib/router.tsx';
import { axisProps, Card, ChartCard, chartColors, CsvButton, RangePicker, rangeFrom, RankedTable, shortDay, tooltipStyle } from './shared.tsx';

const typeLabels: Record<string, string> = {
  card_created: 'Cards created',
  card_moved: 'Card moves',
  card_updated: 'Card updates',
  comment_added: 'Comments',
  member_invited: 'Invitations',
  project_archived: 'Archives',
};
const types = Object.keys(typeLabels) as (keyof typeof typeLabels)[];

function Filters({ search, setSearch }: { search: URLSearchParams; setSearch: (p: Record<string, string | null>) => void }) {
  const projects = useApi('projects.list', { includeArchived: true });
  const projectId = search.get('project') ?? '';
  const boards = projects.data?.items.find((p) => p.id === projectId)?.boards ?? projects.data?.items.flatMap((p) => p.boards) ?? [];
  return (
    <div className="flex flex-wrap items-center gap-2">
      <label className="sr-only" htmlFor="report-project">Project</label>
      <select id="report-project" className={inputClass} value={projectId} onChange={(e) => setSearch({ project: e.target.value || null, board: null })}>
        <option value="">All projects</option>
        {projects.data?.items.map((p) => (
          <option key={p.id} value={p.id}>{p.name}{p.archived ? ' (archived)' : ''}</option>
        ))}
      </select>
      <label className="sr-only" htmlFor="report-board">Board</label>
      <select id="report-board" className={inputClass} value={search.get('board') ?? ''} onChange={(e) => setSearch({ board: e.target.value || null })}>
        <option value="">All boards</option>
        {boards.map((b) => (
          <option key={b.id} value={b.id}>{b.name}</option>
        ))}
      </select>
    </div>
  );
}

function WebhookSection({ input }: { input: { from: string; to: string } }) {
  const w = useApi('reports.webhooks', input);
  if (w.isPending) return <Skeleton rows={2} />;
  if (w.error) return <ErrorNotice error={w.error} title="The webhook report could not be loaded" />;
  if (!w.data.available) return null;
  const d = w.data;
  const total = d.daily.reduce((a, x) => a + x.deliveries, 0);
  const chart = d.daily.map((x) => ({ ...x, rate: x.successRate === null ? null : Math.round(x.successRate * 1000) / 10 }));
  return (
    <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
      <ChartCard
        id="webhook-daily"
        title="Webhook deliveries per day"
        subtitle={`${total.toLocaleString('en')} deliveries; success rate counts settled deliveries (delivered or failed).`}
        filename={`webhook-deliveries-${input.from}-${input.to}`}
        extra={<CsvButton label="Webhook deliveries per day" table="webhooks" fetchCsv={() => api('reports.export', { ...input, table: 'webhooks' })} />}
      >
        {total === 0 ? (
          <p className="py-10 text-center text-sm text-slate-600 dark:text-slate-400" role="status">No deliveries in this range. Add an endpoint on the Webhooks page to see them here.</p>
        ) : (
          <ResponsiveContainer width="100%" height={240}>
            <ComposedChart data={chart} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="#94a3b833" vertical={false} />
              <XAxis dataKey="day" tickFormatter={shortDay} {...axisProps} minTickGap={24} />
              <YAxis yAxisId="n" allowDecimals={false} {...axisProps} />
              <YAxis yAxisId="rate" orientation="right" domain={[0, 100]} unit="%" {...axisProps} />
              <Tooltip {...tooltipStyle} labelFormatter={(l) => shortDay(String(l))} />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              <Bar yAxisId="n" dataKey="succeeded" name="Delivered" stackId="d" fill="#10b981" />
              <Bar yAxisId="n" dataKey="failed" name="Failed" stackId="d" fill="#ef4444" />
              <Line yAxisId="rate" dataKey="rate" name="Success rate %" stroke="#6366f1" dot={false} connectNulls />
            </ComposedChart>
          </ResponsiveContainer>
        )}
      </ChartCard>
      <Card
        title="Endpoints"
        subtitle="Deliveries, success rate and attempt latency (p50 / p95) per endpoint."
        actions={<CsvButton label="Endpoints" table="webhookEndpoints" fetchCsv={() => api('reports.export', { ...input, table: 'webhookEndpoints' })} />}
      >
        {d.endpoints.length === 0 ? (
          <p className="py-6 text-center text-sm text-slate-600 dark:text-slate-400" role="status">No endpoints yet. Create one on the Webhooks page.</p>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-sm">
              <thead>
                <tr className="text-left text-xs text-slate-600 dark:text-slate-400">
                  <th scope="col" className="pb-1 font-medium">Endpoint</th>
                  <th scope="col" className="pb-1 text-right font-medium">Deliveries</th>
                  <th scope="col" className="pb-1 text-right font-medium">Success</th>
                  <th scope="col" className="pb-1 text-right font-medium">p50</th>
                  <th scope="col" className="pb-1 text-right font-medium">p95</th>
                </tr>
              </thead>
              <tbody>
                {d.endpoints.map((e) => (
                  <tr key={e.endpointId} className="border-t border-slate-100 dark:border-slate-800">
                    <td className="max-w-64 truncate py-1.5 pr-2" title={e.name}>{e.name}</td>
                    <td className="py-1.5 text-right tabular-nums">{e.deliveries.toLocaleString('en')}</td>
                    <td className="py-1.5 text-right tabular-nums">{e.successRate === null ? '–' : `${(e.successRate * 100).toFixed(1)}%`}</td>
                    <td className="py-1.5 text-right tabular-nums">{e.p50Ms === null ? '–' : `${e.p50Ms} ms`}</td>
                    <td className="py-1.5 text-right tabular-nums">{e.p95Ms === null ? '–' : `${e.p95Ms} ms`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}

export function ReportsPage(_props: { params: Record<string, string> }) {
  const [search, setSearch] = useSearchParams();
  const range = rangeFrom(search);
  const input = {
    from: range.from,
    to: range.to,
    ...(search.get('project') ? { projectId: search.get('project')! } : {}),
    ...(search.get('board') ? { boardId: search.get('board')! } : {}),
  };
  const summary = useApi('reports.summary', input, { placeholderData: (prev) => prev });
  const daily = useApi('reports.daily', input, { placeholderData: (prev) => prev });
  useInvalidateOn('activity.created', ['reports.summary', 'reports.daily']);
  const s = summary.data;
  const rangeLabel = `${range.from} to ${range.to} (UTC)`;

  return (
    <div>
      <PageHeader title="Reports" description={`What happened in this workspace, ${rangeLabel}.`}>
        <Filters search={search} setSearch={setSearch} />
        <RangePicker search={search} setSearch={setSearch} page="reports" />
      </PageHeader>
      <div className="space-y-4 p-6">
        {summary.error ? (
          <ErrorNotice error={summary.error} title="The report could not be loaded" />
        ) : !s ? (
          <Skeleton rows={5} />
        ) : (
          <>
            <Card
              id="counts"
              title="Events by type"
              subtitle={`${s.total.toLocaleString('en')} events over ${s.days} days`}
              actions={<CsvButton label="Events by type" table="counts" fetchCsv={() => api('reports.export', { ...input, table: 'counts' })} />}
            >
              <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
                {types.map((t) => (
                  <div key={t} className="rounded-md border border-slate-200 p-3 dark:border-slate-800">
                    <dt className="flex items-center gap-1.5 text-xs text-slate-600 dark:text-slate-400">
                      <span className="inline-block size-2 rounded-full" style={{ background: chartColors[t] }} aria-hidden="true" />
                      {typeLabels[t]}
                    </dt>
                    <dd className="mt-1 text-2xl font-semibold tabular-nums" data-testid={`count-${t}`}>{s.counts[t as keyof typeof s.counts].toLocaleString('en')}</dd>
                  </div>
                ))}
              </dl>
            </Card>

            {s.total === 0 ? (
              <EmptyState icon={<ChartColumn className="size-8" />} title="No activity in this range">
                Pick a longer range above, or clear the project and board filters. Activity appears here as soon as cards move or people comment.
              </EmptyState>
            ) : (
              <>
                <ChartCard
                  id="daily"
                  title="Daily activity"
                  subtitle="Events per day, by type. Hover a bar for the figures."
                  filename={`daily-activity-${range.from}-${range.to}`}
                  extra={<CsvButton label="Daily activity" table="daily" fetchCsv={() => api('reports.export', { ...input, table: 'daily' })} />}
                >
                  {daily.data ? (
                    <ResponsiveContainer width="100%" height={280}>
                      <BarChart data={daily.data.items} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
                        <CartesianGrid strokeDasharray="3 3" stroke="#94a3b833" vertical={false} />
                        <XAxis dataKey="day" tickFormatter={shortDay} {...axisProps} minTickGap={24} />
                        <YAxis allowDecimals={false} {...axisProps} />
                        <Tooltip {...tooltipStyle} labelFormatter={(l) => shortDay(String(l))} cursor={{ fill: '#94a3b822' }} />
                        <Legend wrapperStyle={{ fontSize: 12 }} />
                        {types.map((t) => (
                          <Bar key={t} dataKey={t} name={typeLabels[t]} stackId="a" fill={chartColors[t]} isAnimationActive={false} />
                        ))}
                      </BarChart>
                    </ResponsiveContainer>
                  ) : (
                    <Skeleton rows={3} />
                  )}
                </ChartCard>

                <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
                  <ChartCard
                    id="boards"
                    title="Most active boards"
                    filename={`most-active-boards-${range.from}-${range.to}`}
                    extra={<CsvButton label="Most active boards" table="boards" fetchCsv={() => api('reports.export', { ...input, table: 'boards' })} />}
                  >
                    {s.mostActiveBoards.length === 0 ? (
                      <p className="py-6 text-center text-sm text-slate-600 dark:text-slate-400" role="status">No board activity in this range.</p>
                    ) : (
                      <ResponsiveContainer width="100%" height={Math.max(120, s.mostActiveBoards.length * 32 + 30)}>
                        <BarChart data={s.mostActiveBoards} layout="vertical" margin={{ top: 0, right: 16, bottom: 0, left: 8 }}>
                          <CartesianGrid strokeDasharray="3 3" stroke="#94a3b833" horizontal={false} />
                          <XAxis type="number" allowDecimals={false} {...axisProps} />
                          <YAxis type="category" dataKey="name" width={120} {...axisProps} />
                          <Tooltip {...tooltipStyle} cursor={{ fill: '#94a3b822' }} />
                          <Bar dataKey="count" name="Events" fill="#6366f1" radius={[0, 3, 3, 0]} isAnimationActive={false} />
                        </BarChart>
                      </ResponsiveContainer>
                    )}
                  </ChartCard>
                  <Card
                    id="people"
                    title="Most active people"
                    actions={<CsvButton label="Most active people" table="users" fetchCsv={() => api('reports.export', { ...input, table: 'users' })} />}
                  >
                    <RankedTable rows={s.mostActiveUsers} unit="Events" nameHeader="Person" empty="Nobody did anything in this range." href={(id) => href('/', { creatorId: id })} />
                  </Card>
                </div>
              </>
            )}

            <div>
              <Card
                id="routes"
                title="Top tracked routes"
                subtitle="Page views recorded by the console (see Tracking)."
                actions={<CsvButton label="Top tracked routes" table="routes" fetchCsv={() => api('reports.export', { ...input, table: 'routes' })} />}
              >
                <RankedTable
                  rows={s.topRoutes.map((r) => ({ name: r.url, count: r.count }))}
                  unit="Views"
                  nameHeader="Route"
                  mono
                  empty="No page views recorded in this range (tracking may be off in Settings)."
                />
                <p className="mt-2 text-xs"><a className="text-indigo-700 hover:underline dark:text-indigo-300" href={href('/tracking', { range: range.preset, from: range.preset === 'custom' ? range.from : null, to: range.preset === 'custom' ? range.to : null })}>Explore tracking events →</a></p>
              </Card>
            </div>
            <WebhookSection input={{ from: range.from, to: range.to }} />
          </>
        )}
      </div>
    </div>
  );
}
