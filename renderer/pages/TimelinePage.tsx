import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { Activity } from 'lucide-react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Input } from '../../preload/contract.ts';
import { Check, ChevronDown } from 'lucide-react';
import { Button as AriaButton, ListBox, ListBoxItem, Popover, Select } from 'react-aria-components';
import { ActivityFeedRow, useLastSeen } from '../components/ActivityGroups.tsx';
import { subjectHref } from '../components/ActivityRow.tsx';
import { VirtualFeed } from '../components/VirtualFeed.tsx';
import { timeZone, toLocalInput } from '../lib/time.ts';
import { feedRows, groupActivities } from '../lib/activityGroups.ts';
import { Button, EmptyState, ErrorNotice, inputClass, PageHeader, Skeleton } from '../components/ui.tsx';
import { api, subscribe } from '../lib/client.ts';
import { useApi } from '../lib/queries.ts';
import { useSearchParams } from '../lib/router.tsx';
import { useWorkspace } from '../lib/workspace.ts';

const typeOptions = [
  ['card_created', 'Cards created'],
  ['card_moved', 'Card moves'],
  ['card_updated', 'Card edits'],
  ['comment_added', 'Comments'],
  ['member_invited', 'Invitations'],
  ['project_archived', 'Archived projects'],
] as const;
type TypeName = (typeof typeOptions)[number][0];

const rangePresets: [string, string, number | null][] = [
  ['all', 'Any time', null],
  ['24h', 'Last 24 hours', 1],
  ['7d', 'Last 7 days', 7],
  ['30d', 'Last 30 days', 30],
  ['90d', 'Last 90 days', 90],
  ['custom', 'Custom range…', null],
];
const isDay = (s: string | null): s is string => Boolean(s && /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s)));
/** Midnight starting a `YYYY-MM-DD` day in the person's zone. */
const localDayStart = (day: string) => new Date(`${day}T00:00:00`);

/** Filters come from the URL, so a timeline can be shared and reloaded. */
function useFeedFilters() {
  const [params, setParams] = useSearchParams();
  const range = rangePresets.some((r) => r[0] === params.get('range')) ? params.get('range')! : 'all';
  const days = rangePresets.find((r) => r[0] === range)?.[2] ?? null;
  const types = (params.get('types')?.split(',').filter((t) => typeOptions.some(([v]) => v === t)) ?? []) as TypeName[];
  // A custom range is whole days in the person's zone, `from` to `to` inclusive.
  const fromDay = range === 'custom' && isDay(params.get('from')) ? params.get('from') : null;
  const toDay = range === 'custom' && isDay(params.get('to')) ? params.get('to') : null;
  const badRange = Boolean(fromDay && toDay && fromDay > toDay);
  const input: Input<'activity.list'> = {
    boardId: params.get('boardId') ?? undefined,
    projectId: params.get('projectId') ?? undefined,
    creatorId: params.get('creatorId') ?? undefined,
    types: types.length ? types : undefined,
    // Rounded to the minute so the query key is stable while the page is open.
    from: days
      ? new Date(Math.floor((Date.now() - days * 86_400_000) / 60_000) * 60_000).toISOString()
      : fromDay && !badRange ? localDayStart(fromDay).toISOString() : undefined,
    to: toDay && !badRange ? new Date(localDayStart(toDay).getTime() + 86_400_000).toISOString() : undefined,
    limit: 50,
  };
  return { params, setParams, input, range, types, fromDay, toDay, badRange };
}

/** Event types, several at once (a React Aria multiple-selection Select, kept in the URL as `types=a,b`). */
function TypePicker({ types, onChange }: { types: TypeName[]; onChange(next: TypeName[]): void }) {
  const label = types.length === 0 ? 'All events' : types.length === 1 ? typeOptions.find(([v]) => v === types[0])![1] : `${types.length} event types`;
  return (
    <Select selectionMode="multiple" value={types} onChange={(keys) => onChange(keys.map(String) as TypeName[])} aria-label="Event types" className="inline-flex">
      <AriaButton className={`${inputClass} inline-flex items-center gap-1`} data-testid="type-picker">
        <span>{label}</span>
        <ChevronDown className="size-3.5" aria-hidden />
      </AriaButton>
      <Popover placement="bottom start" className="min-w-48 rounded-md border border-slate-200 bg-white p-1 shadow-lg outline-none dark:border-slate-700 dark:bg-slate-900">
        <ListBox className="outline-none">
          {typeOptions.map(([v, text]) => (
            <ListBoxItem
              key={v}
              id={v}
              textValue={text}
              className="flex cursor-default items-center gap-2 rounded px-2 py-1.5 text-sm text-slate-800 outline-none data-[focused]:bg-indigo-100 data-[focused]:text-indigo-950 dark:text-slate-100 dark:data-[focused]:bg-indigo-900 dark:data-[focused]:text-white"
            >
              {({ isSelected }) => (
                <>
                  <span className={`flex size-4 items-center justify-center rounded border ${isSelected ? 'border-indigo-600 bg-indigo-600 text-white' : 'border-slate-400'}`} aria-hidden>
                    {isSelected && <Check className="size-3" />}
                  </span>
                  {text}
                </>
              )}
            </ListBoxItem>
          ))}
        </ListBox>
      </Popover>
    </Select>
  );
}

export function TimelinePage(_props: { params: Record<string, string> }) {
  const { params, setParams, input, range, types, fromDay, toDay, badRange } = useFeedFilters();
  const qc = useQueryClient();
  const projects = useApi('projects.list', {});
  const members = useApi('members.list', {});
  const boards = useApi('boards.list', {});
  const key = ['activity.list', 'infinite', input] as const;
  const feed = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }) => api('activity.list', { ...input, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor,
  });
  const items = useMemo(() => feed.data?.pages.flatMap((p) => p.items) ?? [], [feed.data]);

  // Live: a new activity in this account refetches the feed; rows that arrive this way are marked new.
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  useEffect(
    () =>
      subscribe('activity.created', (a) => {
        if (input.boardId && a.boardId !== input.boardId) return;
        if (input.projectId && a.projectId !== input.projectId) return;
        setFresh((s) => new Set(s).add(a.id));
        void qc.invalidateQueries({ queryKey: ['activity.list'] });
      }),
    [qc, input.boardId, input.projectId],
  );

  // Runs of similar activity are grouped at read time (`group=off` in the URL lists every item); rows that arrived
  // live stay single. What is new since this person last looked is marked.
  const grouped = params.get('group') !== 'off';
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const toggleGroup = useCallback((k: string) => setExpanded((s) => (s.has(k) ? new Set([...s].filter((x) => x !== k)) : new Set(s).add(k))), []);
  const rows = useMemo(
    () => feedRows(grouped ? groupActivities(items, { keepSingle: (i) => fresh.has(i.id) }) : items.map((item) => ({ kind: 'single' as const, key: item.id, item })), expanded),
    [items, grouped, expanded, fresh],
  );
  const workspace = useWorkspace();
  const { lastSeenAt } = useLastSeen(3000, workspace.readOnly);

  const scopeName = input.boardId
    ? boards.data?.items.find((b) => b.id === input.boardId)?.name
    : input.projectId
      ? projects.data?.items.find((p) => p.id === input.projectId)?.name
      : undefined;
  const filtered = Boolean(input.boardId || input.projectId || input.creatorId || input.types || range !== 'all');

  return (
    <div className="flex h-full flex-col">
      <PageHeader title={scopeName ? `Timeline · ${scopeName}` : 'Timeline'} description="Everything that happened in this account, newest first. Updates live.">
        <label className="sr-only" htmlFor="f-scope">Project or board</label>
        <select
          id="f-scope"
          className={inputClass}
          value={input.boardId ? `b:${input.boardId}` : input.projectId ? `p:${input.projectId}` : ''}
          onChange={(e) => {
            const v = e.target.value;
            setParams({ boardId: v.startsWith('b:') ? v.slice(2) : null, projectId: v.startsWith('p:') ? v.slice(2) : null });
          }}
        >
          <option value="">Whole account</option>
          {projects.data?.items.map((p) => (
            <optgroup key={p.id} label={p.name + (p.archived ? ' (archived)' : '')}>
              <option value={`p:${p.id}`}>All of {p.name}</option>
              {p.boards.map((b) => (
                <option key={b.id} value={`b:${b.id}`}>{b.name}</option>
              ))}
            </optgroup>
          ))}
        </select>
        <label className="sr-only" htmlFor="f-person">Person</label>
        <select id="f-person" className={inputClass} value={input.creatorId ?? ''} onChange={(e) => setParams({ creatorId: e.target.value || null })}>
          <option value="">Everyone</option>
          {members.data?.items.map((m) => (
            <option key={m.user.id} value={m.user.id}>{m.user.name}</option>
          ))}
        </select>
        <TypePicker types={types} onChange={(next) => setParams({ types: next.length ? next.join(',') : null })} />
        <label className="sr-only" htmlFor="f-range">Time range</label>
        <select
          id="f-range"
          className={inputClass}
          value={range}
          onChange={(e) => {
            const v = e.target.value;
            const today = toLocalInput(Date.now()).slice(0, 10);
            const weekAgo = toLocalInput(Date.now() - 6 * 86_400_000).slice(0, 10);
            setParams(v === 'custom' ? { range: v, from: fromDay ?? weekAgo, to: toDay ?? today } : { range: v === 'all' ? null : v, from: null, to: null });
          }}
        >
          {rangePresets.map(([v, label]) => (
            <option key={v} value={v}>{label}</option>
          ))}
        </select>
        {range === 'custom' && (
          <span className="inline-flex items-center gap-1 text-sm">
            <input type="date" aria-label={`From (${timeZone()})`} className={inputClass} value={fromDay ?? ''} max={toDay ?? undefined} onChange={(e) => setParams({ from: e.target.value || null })} />
            <span className="text-slate-600 dark:text-slate-400">to</span>
            <input type="date" aria-label={`To (${timeZone()})`} className={inputClass} value={toDay ?? ''} min={fromDay ?? undefined} onChange={(e) => setParams({ to: e.target.value || null })} />
          </span>
        )}
        <label className="flex items-center gap-1.5 text-sm">
          <input type="checkbox" checked={grouped} onChange={() => setParams({ group: grouped ? 'off' : null })} data-track="timeline.group" /> Group similar
        </label>
        {filtered && (
          <Button variant="ghost" onClick={() => setParams({ boardId: null, projectId: null, creatorId: null, types: null, range: null, from: null, to: null })}>
            Clear filters
          </Button>
        )}
      </PageHeader>
      {badRange && <p role="alert" className="px-6 pt-3 text-sm text-red-700 dark:text-red-300">“From” is after “To”: the range is empty. Pick a start before the end.</p>}
      {feed.isPending ? (
        <Skeleton className="p-6" rows={8} />
      ) : feed.error ? (
        <div className="p-6"><ErrorNotice error={feed.error} title="The timeline could not be loaded" /></div>
      ) : items.length === 0 ? (
        <EmptyState icon={<Activity className="size-8" />} title={filtered ? 'Nothing matches these filters' : 'No activity yet'}>
          {filtered ? 'Try a longer time range or clear the filters.' : 'Move a card or add a comment on a board, and it shows up here at once.'}
        </EmptyState>
      ) : (
        <VirtualFeed
          label="Activity"
          query={feed}
          rows={rows}
          keyOf={(row) => row.key}
          estimateSize={64}
          rowProps={(row) => ({
            'aria-label': row.kind === 'group' ? row.group.summary : row.item.description,
            onKeyDown: (e) => {
              // Enter on a row opens what it is about (a group opens or closes).
              if (e.key !== 'Enter' || e.target !== e.currentTarget) return;
              e.preventDefault();
              if (row.kind === 'group') return toggleGroup(row.key);
              const link = subjectHref(row.item);
              if (link) window.location.hash = link;
            },
          })}
          render={(row) => <ActivityFeedRow row={row} onToggle={toggleGroup} lastSeenAt={lastSeenAt} fresh={(id) => fresh.has(id)} />}
          loadingOlder="Loading older activity…"
          end={`That is everything${params.size ? ' for these filters' : ''}.`}
        />
      )}
    </div>
  );
}
