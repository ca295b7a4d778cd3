// The timeline's grouped rows ("Ana moved 5 cards on Design"), expandable to their single items, and the
// "new since you last looked" mark (a per-person last-seen record on the server).
import { ChevronDown, ChevronRight } from 'lucide-react';
import { useEffect, useState } from 'react';
import { api } from '../lib/client.ts';
import { isNewSince, newCount, type FeedRow, type GroupEntry } from '../lib/activityGroups.ts';
import { href } from '../lib/router.tsx';
import { ActivityRow } from './ActivityRow.tsx';
import { Icon } from './Icon.tsx';
import { RelativeTime, relativeTime } from './ui.tsx';

/**
 * When this person last looked at the timeline, as it was when the page opened (so what was new stays marked
 * during this visit). The mark moves to "now" after a few seconds on the page, and again when leaving it.
 */
export function useLastSeen(delayMs = 3000, readOnly = false): { lastSeenAt: string | null; loaded: boolean } {
  const [state, setState] = useState<{ lastSeenAt: string | null; loaded: boolean }>({ lastSeenAt: null, loaded: false });
  useEffect(() => {
    let cancelled = false;
    let marked = false;
    const mark = () => {
      // A read-only workspace (a review bundle) keeps no marks: no write call at all.
      if (marked || readOnly) return;
      marked = true;
      void api('activity.markSeen', {}).catch(() => {});
    };
    api('activity.lastSeen', {})
      .then((r) => !cancelled && setState({ lastSeenAt: r.lastSeenAt, loaded: true }))
      .catch(() => !cancelled && setState({ lastSeenAt: null, loaded: true }));
    const timer = setTimeout(mark, delayMs);
    return () => {
      cancelled = true;
      clearTimeout(timer);
      mark();
    };
  }, [delayMs, readOnly]);
  return state;
}

function GroupRow({ group, expanded, onToggle, lastSeenAt }: { group: GroupEntry; expanded: boolean; onToggle: () => void; lastSeenAt: string | null }) {
  const first = group.items[0];
  const last = group.items[group.items.length - 1];
  const fresh = newCount(group, lastSeenAt);
  const people = [...new Map(group.items.map((i) => [i.creator.id, i.creator.name])).values()];
  return (
    <div className={`flex items-start gap-3 px-6 py-3 ${fresh ? 'bg-indigo-50/70 dark:bg-indigo-950/40' : ''}`}>
      <span className="relative mt-0.5 flex size-7 shrink-0 items-center justify-center rounded-full bg-slate-200 text-slate-700 dark:bg-slate-800 dark:text-slate-200">
        <Icon name={first.icon} className="size-3.5" />
        <span className="absolute -right-1.5 -bottom-1 rounded-full bg-slate-700 px-1 text-[10px] leading-4 font-semibold text-white dark:bg-slate-300 dark:text-slate-900">
          {group.items.length}
        </span>
      </span>
      <div className="min-w-0 flex-1">
        <button
          type="button"
          onClick={onToggle}
          aria-expanded={expanded}
          data-count={group.items.length}
          data-track="timeline.group-toggle"
          data-track-meta-kind={first.subjectType}
          className="flex items-center gap-1 text-left text-sm font-medium hover:underline"
        >
          {expanded ? <ChevronDown className="size-4 shrink-0" aria-hidden="true" /> : <ChevronRight className="size-4 shrink-0" aria-hidden="true" />}
          <span data-testid="group-summary">{group.summary}</span>
          <span className="sr-only">{expanded ? ', collapse' : `, show ${group.items.length} items`}</span>
        </button>
        <p className="mt-0.5 flex flex-wrap gap-x-2 text-xs text-slate-600 dark:text-slate-400">
          <RelativeTime iso={first.createdAt} />
          {relativeTime(last.createdAt) !== relativeTime(first.createdAt) && (
            <span>
              since <RelativeTime iso={last.createdAt} />
            </span>
          )}
          {first.board && (
            <a className="hover:underline" href={href(`/boards/${first.board.id}`)}>
              {first.project ? `${first.project.name} / ` : ''}
              {first.board.name}
            </a>
          )}
          {people.length > 1 && <span title={people.join(', ')}>{people.slice(0, 3).join(', ')}{people.length > 3 ? ` and ${people.length - 3} more` : ''}</span>}
        </p>
      </div>
      {fresh > 0 && <span className="rounded-full bg-indigo-600 px-1.5 py-0.5 text-[10px] font-semibold text-white uppercase">{fresh} new</span>}
    </div>
  );
}

/** One row of the grouped feed. `fresh` marks items that arrived live while the page is open. */
export function ActivityFeedRow({ row, onToggle, lastSeenAt, fresh }: { row: FeedRow; onToggle: (key: string) => void; lastSeenAt: string | null; fresh: (id: string) => boolean }) {
  if (row.kind === 'group') return <GroupRow group={row.group} expanded={row.expanded} onToggle={() => onToggle(row.key)} lastSeenAt={lastSeenAt} />;
  const isNew = fresh(row.item.id) || isNewSince(row.item.createdAt, lastSeenAt);
  if (row.kind === 'single') return <ActivityRow item={row.item} fresh={isNew} />;
  return (
    <div className="border-l-2 border-slate-200 pl-6 dark:border-slate-700" data-testid="group-member">
      <ActivityRow item={row.item} fresh={isNew} />
    </div>
  );
}
