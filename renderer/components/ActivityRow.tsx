import type { Output } from '../../preload/contract.ts';
import { cardTitleOf } from '../lib/activityGroups.ts';
import { href } from '../lib/router.tsx';
import { Icon } from './Icon.tsx';
import { RelativeTime } from './ui.tsx';

export type ActivityItem = Output<'activity.list'>['items'][number];

const tone: Record<string, string> = {
  card_created: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200',
  card_moved: 'bg-sky-100 text-sky-800 dark:bg-sky-950 dark:text-sky-200',
  card_updated: 'bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-200',
  comment_added: 'bg-violet-100 text-violet-800 dark:bg-violet-950 dark:text-violet-200',
  member_invited: 'bg-pink-100 text-pink-800 dark:bg-pink-950 dark:text-pink-200',
  project_archived: 'bg-slate-200 text-slate-800 dark:bg-slate-800 dark:text-slate-200',
};

/** Where an activity's subject is shown: a card opens on its board; invitations and archives on the boards page. */
export function subjectHref(item: ActivityItem): string | null {
  const cardId = typeof item.subject.card_id === 'string' ? item.subject.card_id : null;
  if (cardId && item.board) return href(`/boards/${item.board.id}`, { card: cardId });
  if (item.subjectType === 'member_invited' || item.subjectType === 'project_archived') return href('/boards');
  return null;
}

/** The description with the card's title as a link that opens the card. */
function Description({ item }: { item: ActivityItem }) {
  const link = subjectHref(item);
  const title = typeof item.subject.card_id === 'string' ? (item.subjectType === 'card_created' ? String(item.subject.title ?? '') : cardTitleOf(item)) : '';
  const at = title ? item.description.indexOf(title, item.creator.name.length) : -1;
  if (!link || at < 0) return <>{item.description}</>;
  return (
    <>
      {item.description.slice(0, at)}
      <a className="font-medium text-indigo-700 hover:underline dark:text-indigo-300" href={link} tabIndex={-1} data-subject-link>{title}</a>
      {item.description.slice(at + title.length)}
    </>
  );
}

/** One activity: what happened, where, who, when; a comment's opening words. */
export function ActivityRow({ item, fresh = false }: { item: ActivityItem; fresh?: boolean }) {
  return (
    <div className={`flex items-start gap-3 px-6 py-3 ${fresh ? 'bg-indigo-50/70 dark:bg-indigo-950/40' : ''}`}>
      <span className={`mt-0.5 flex size-7 shrink-0 items-center justify-center rounded-full ${tone[item.subjectType] ?? ''}`}>
        <Icon name={item.icon} className="size-3.5" />
      </span>
      <div className="min-w-0 flex-1">
        <p className="text-sm" data-testid="activity-description"><Description item={item} /></p>
        {item.excerpt && (
          <p className="mt-0.5 line-clamp-2 border-l-2 border-violet-300 pl-2 text-sm text-slate-700 italic dark:border-violet-700 dark:text-slate-300" data-testid="activity-excerpt">
            {item.excerpt}
          </p>
        )}
        <p className="mt-0.5 flex flex-wrap gap-x-2 text-xs text-slate-600 dark:text-slate-400">
          <RelativeTime iso={item.createdAt} />
          {item.board && (
            <a className="hover:underline" href={href(`/boards/${item.board.id}`)}>
              {item.project ? `${item.project.name} / ` : ''}
              {item.board.name}
            </a>
          )}
          {!item.board && item.project && <span>{item.project.name}</span>}
        </p>
      </div>
      {fresh && <span className="rounded-full bg-indigo-600 px-1.5 py-0.5 text-[10px] font-semibold text-white uppercase">new</span>}
    </div>
  );
}
