// Every change in the account, whatever its type: one generic list over the event registry (activity.list carries
// every recorded event with its description and public JSON). Each row adds what its type needs to be read on
// its own: the role an invitation granted, an archive's reason, a comment's excerpt, a card's initial title and
// column, an edit's diff. Filters (event type, person, days) live in the URL.
import { useInfiniteQuery } from '@tanstack/react-query';
import { ShieldCheck } from 'lucide-react';
import { useMemo } from 'react';
import type { Input, Output } from '../../../preload/contract.ts';
import { Icon } from '../../components/Icon.tsx';
import { Button, EmptyState, ErrorNotice, inputClass, RelativeTime, Skeleton } from '../../components/ui.tsx';
import { api, type ContractError } from '../../lib/client.ts';
import { useApi, useInvalidateOn } from '../../lib/queries.ts';
import { href, useSearchParams } from '../../lib/router.tsx';
import { useInfiniteVirtualList } from '../../lib/useInfiniteVirtualList.ts';
import { ChangeList, type Names } from './diff.tsx';

type Item = Output<'activity.list'>['items'][number];
type EventTable = Item['subjectType'];

const typeLabels: Record<EventTable, string> = {
  card_created: 'Card created',
  card_updated: 'Card edited',
  card_moved: 'Card moved',
  comment_added: 'Comment',
  member_invited: 'Invitation',
  project_archived: 'Project archived',
  member_role_changed: 'Role changed',
  invitation_sent: 'Invitation sent',
  invitation_accepted: 'Invitation accepted',
  invitation_declined: 'Invitation declined',
  invitation_revoked: 'Invitation revoked',
  token_created: 'Token created',
  token_revoked: 'Token revoked',
  webhook_endpoint_created: 'Endpoint created',
  webhook_endpoint_changed: 'Endpoint changed',
  webhook_endpoint_disabled: 'Endpoint disabled',
  webhook_endpoint_deleted: 'Endpoint deleted',
  webhook_secret_revealed: 'Secret revealed',
  webhook_secret_rotated: 'Secret rotated',
  session_switched: 'Acted as someone else',
};

const dayStart = (d: string) => `${d}T00:00:00.000Z`;
const nextDay = (d: string) => new Date(Date.parse(dayStart(d)) + 86_400_000).toISOString();
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
  const { scrollRef, virtualizer, virtualItems, onKeyDown } = useInfiniteVirtualList({ count: items.length, query: list, estimateSize: 88, overscan: 8 });
  const filtered = Boolean(type || person || from || to);

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <form className="flex flex-wrap items-end gap-2 border-b border-slate-200 px-6 py-3 dark:border-slate-800" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <label className="flex flex-col text-xs font-medium text-slate-600 dark:text-slate-400">Change
          <select className={inputClass} value={type ?? ''} onChange={(e) => setParams({ type: e.target.value || null })}>
            <option value="">Every kind</option>
            {(Object.keys(typeLabels) as EventTable[]).map((t) => <option key={t} value={t}>{typeLabels[t]}</option>)}
          </select>
        </label>
        <label className="flex flex-col text-xs font-medium text-slate-600 dark:text-slate-400">Person
          <select className={inputClass} value={person ?? ''} onChange={(e) => setParams({ person: e.target.value || null })}>
            <option value="">Everyone</option>
            {members.data?.items.map((m) => <option key={m.user.id} value={m.user.id}>{m.user.name}</option>)}
          </select>
        </label>
        <label className="flex flex-col text-xs font-medium text-slate-600 dark:text-slate-400">From (UTC)
          <input type="date" className={inputClass} value={from} max={to || undefined} onChange={(e) => setParams({ from: e.target.value || null })} />
        </label>
        <label className="flex flex-col text-xs font-medium text-slate-600 dark:text-slate-400">To (UTC)
          <input type="date" className={inputClass} value={to} min={from || undefined} onChange={(e) => setParams({ to: e.target.value || null })} />
        </label>
        {filtered && <Button variant="ghost" onClick={() => setParams({ type: null, person: null, from: null, to: null })}>Clear filters</Button>}
      </form>
      {badRange ? (
        <div className="p-6"><ErrorNotice error={{ message: 'The “From” day is after the “To” day.', code: 'invalid_input' } as ContractError} title="These dates cannot be combined" /></div>
      ) : list.isPending ? (
        <Skeleton className="p-6" rows={8} />
      ) : list.error ? (
        <div className="p-6"><ErrorNotice error={list.error} title="The changes could not be loaded" /></div>
      ) : items.length === 0 ? (
        <EmptyState icon={<ShieldCheck className="size-8" />} title={filtered ? 'No changes match these filters' : 'No changes yet'}>
          {filtered ? 'Widen the dates or clear a filter.' : 'Every change in the account (cards, comments, invitations, archives) is recorded here.'}
        </EmptyState>
      ) : (
        <div ref={scrollRef} className="min-h-0 flex-1 overflow-auto" role="feed" aria-label="Every change" aria-busy={list.isFetching} onKeyDown={onKeyDown}>
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualItems.map((v) => {
              const item = items[v.index];
              const cardId = str(item.subject.card_id);
              return (
                <article
                  key={item.id}
                  data-index={v.index}
                  data-type={item.subjectType}
                  ref={virtualizer.measureElement}
                  tabIndex={0}
                  aria-posinset={v.index + 1}
                  aria-setsize={list.hasNextPage ? -1 : items.length}
                  className="absolute inset-x-0 border-b border-slate-100 px-6 py-3 focus:bg-slate-50 dark:border-slate-900 dark:focus:bg-slate-900"
                  style={{ transform: `translateY(${v.start}px)` }}
                >
                  <div className="mb-1 flex flex-wrap items-center gap-2 text-sm">
                    <Icon name={item.icon} className="size-4 text-slate-600 dark:text-slate-400" />
                    <span className="rounded bg-slate-100 px-1.5 text-xs text-slate-700 dark:bg-slate-800 dark:text-slate-300">{item.subject.revert_of ? 'Revert' : typeLabels[item.subjectType]}</span>
                    <span>{item.description}</span>
                    {item.board && <span className="text-slate-600 dark:text-slate-400">on {item.board.name}</span>}
                    <span className="text-slate-600 dark:text-slate-400">·</span>
                    <span className="text-slate-600 dark:text-slate-400"><RelativeTime iso={item.createdAt} /></span>
                    {cardId && <a className="ml-auto text-xs text-indigo-700 hover:underline dark:text-indigo-300" href={href(`/audit/cards/${cardId}`)}>Card history</a>}
                  </div>
                  <div className="pl-6"><Detail item={item} names={names} /></div>
                </article>
              );
            })}
          </div>
          {list.isFetchingNextPage && <p className="p-4 text-center text-sm text-slate-600 dark:text-slate-400">Loading older changes…</p>}
          {!list.hasNextPage && <p className="p-4 text-center text-xs text-slate-600 dark:text-slate-400">That is every change{filtered ? ' matching these filters' : ''}.</p>}
        </div>
      )}
    </div>
  );
}
