import type { Output } from '../../preload/contract.ts';
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

/** One activity: what happened, where, who, when. */
export function ActivityRow({ item, fresh = false }: { item: ActivityItem; fresh?: boolean }) {
  return (
    <div className={`flex items-start gap-3 px-6 py-3 ${fresh ? 'bg-indigo-50/70 dark:bg-indigo-950/40' : ''}`}>
      <span className={`mt-0.5 flex size-7 shrink-0 items-center justify-center rounded-full ${tone[item.subjectType] ?? ''}`}>
        <Icon name={item.icon} className="size-3.5" />
      </span>
      <div className="min-w-0 flex-1">
        <p className="text-sm" data-testid="activity-description">{item.description}</p>
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
