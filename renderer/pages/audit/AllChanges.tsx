// Every change in the account, whatever its type: one generic list over the event registry (activity.list carries
// every recorded event with its description and public JSON). Each row adds what its type needs to be read on
// its own: the role an invitation granted, an archive's reason, a comment's excerpt, a card's initial title and
// column, an edit's diff. Filters (event type, person, days) live in the URL.
import { useInfiniteQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { Input, Output } from '../../../preload/contract.ts';
import { Icon } from '../../components/Icon.tsx';
import { Button, inputClass, RelativeTime } from '../../components/ui.tsx';
import { api } from '../../lib/client.ts';
import { useApi, useInvalidateOn } from '../../lib/queries.ts';
import { href, useSearchParams } from '../../lib/router.tsx';
import { ChangeFeed, DayRange, dayStart, nextDay } from './ChangeFeed.tsx';
import { ChangeList, type Names } from './diff.tsx';

type Item = Output<'activity.list'>['items'][number];
type EventTable = Item['subjectType'];

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** What a row shows under its sentence, by event type. */
function Detail({ item, names }: { item: Item; names: Names }) {
  const s = item.subject;
  switch (item.subjectType) {
    case 'member_invited':
    case 'invitation_sent':
    case 'invitation_accepted':
      return <p className="text-sm">Role granted: <strong data-testid="role-granted">{str(s.role)}</strong></p>;
    case 'project_archived':
      return <p className="text-sm">Reason: {str(s.reason) || '(none given)'}</p>;
    case 'comment_added':
      return item.excerpt ? <blockquote className="border-l-2 border-slate-300 pl-2 text-sm text-slate-700 dark:border-slate-700 dark:text-slate-300">{item.excerpt}</blockquote> : null;
    case 'card_created':
      return <ChangeList changes={{ title: [null, s.title], column_id: [null, s.column_id] }} names={names} />;
    case 'card_updated':
      return <ChangeList changes={(s.changes ?? {}) as Record<string, [unknown, unknown]>} names={names} />;
    default:
      return null;
  }
}

export function AllChanges() {
  const [params, setParams] = useSearchParams();
  const members = useApi('members.list', {});
  // The kinds and their names come from the event registry (one label per type, the same everywhere).
  const types = useApi('activity.types', {});
  const labels = useMemo(() => new Map(types.data?.items.map((t) => [t.type, t.label])), [types.data]);
  const type = (params.get('type') as EventTable | null) ?? undefined;
  const person = params.get('person') ?? undefined;
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const badRange = Boolean(from && to && from > to);
  const input: Input<'activity.list'> = {
    ...(type ? { types: [type] } : {}),
    ...(person ? { creatorId: person } : {}),
    ...(from ? { from: dayStart(from) } : {}),
    ...(to ? { to: nextDay(to) } : {}),
    limit: 100,
  };
  const list = useInfiniteQuery({
    queryKey: ['activity.list', 'audit-all', input],
    queryFn: ({ pageParam }) => api('activity.list', { ...input, ...(pageParam ? { cursor: pageParam } : {}) }),
    initialPageParam: '' as string,
    getNextPageParam: (last) => last.nextCursor,
    enabled: !badRange,
  });
  useInvalidateOn('activity.created', ['activity.list']);
  const items = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const names = useMemo<Names>(() => ({ users: Object.fromEntries((members.data?.items ?? []).map((m) => [m.user.id, m.user.name])), columns: {} }), [members.data]);
  const filtered = Boolean(type || person || from || to);

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <form className="flex flex-wrap items-end gap-2 border-b border-slate-200 px-6 py-3 dark:border-slate-800" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <label className="flex flex-col text-xs font-medium text-slate-600 dark:text-slate-400">Change
          <select className={inputClass} value={type ?? ''} onChange={(e) => setParams({ type: e.target.value || null })}>
            <option value="">Every kind</option>
            {types.data?.items.map((t) => <option key={t.type} value={t.type}>{t.label}</option>)}
          </select>
        </label>
        <label className="flex flex-col text-xs font-medium text-slate-600 dark:text-slate-400">Person
          <select className={inputClass} value={person ?? ''} onChange={(e) => setParams({ person: e.target.value || null })}>
            <option value="">Everyone</option>
            {members.data?.items.map((m) => <option key={m.user.id} value={m.user.id}>{m.user.name}</option>)}
          </select>
        </label>
        <DayRange from={from} to={to} onChange={setParams} />
        {filtered && <Button variant="ghost" onClick={() => setParams({ type: null, person: null, from: null, to: null })}>Clear filters</Button>}
      </form>
      <ChangeFeed
        label="Every change"
        list={list}
        items={items}
        estimateSize={88}
        filtered={filtered}
        badRange={badRange}
        errorTitle="The changes could not be loaded"
        empty={{ title: 'No changes yet', body: 'Every change in the account (cards, comments, invitations, archives) is recorded here.' }}
        typeOf={(item) => item.subjectType}
        row={(item) => {
          const cardId = str(item.subject.card_id);
          return (
            <>
              <div className="mb-1 flex flex-wrap items-center gap-2 text-sm">
                <Icon name={item.icon} className="size-4 text-slate-600 dark:text-slate-400" />
                <span className="rounded bg-slate-100 px-1.5 text-xs text-slate-700 dark:bg-slate-800 dark:text-slate-300">{item.subject.revert_of ? 'Revert' : labels.get(item.subjectType) ?? item.subjectType}</span>
                <span>{item.description}</span>
                {item.board && <span className="text-slate-600 dark:text-slate-400">on {item.board.name}</span>}
                <span className="text-slate-600 dark:text-slate-400">·</span>
                <span className="text-slate-600 dark:text-slate-400"><RelativeTime iso={item.createdAt} /></span>
                {cardId && <a className="ml-auto text-xs text-indigo-700 hover:underline dark:text-indigo-300" href={href(`/audit/cards/${cardId}`)}>Card history</a>}
              </div>
              <div className="pl-6"><Detail item={item} names={names} /></div>
            </>
          );
        }}
      />
    </div>
  );
}
