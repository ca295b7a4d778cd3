// A virtualized feed (role=feed) over an infinite query, shared by the timeline and the audit's change lists:
// only the rows on screen are in the DOM, older pages load as it scrolls, ↑/↓/Home/End move between rows, and a
// line at the end says that an older page is loading or that the list is complete.
import type { KeyboardEvent, ReactNode } from 'react';
import { useInfiniteVirtualList } from '../lib/useInfiniteVirtualList.ts';

export interface FeedPages {
  isFetching: boolean;
  isFetchingNextPage: boolean;
  hasNextPage: boolean;
  fetchNextPage(): Promise<unknown>;
}

/** What a row's article carries besides its place in the feed. */
export interface FeedRowProps {
  'aria-label'?: string;
  'data-type'?: string;
  onKeyDown?: (e: KeyboardEvent<HTMLElement>) => void;
}

export function VirtualFeed<R>(props: {
  /** The feed's accessible name. */
  label: string;
  query: FeedPages;
  rows: R[];
  /** A row's stable key (measured heights follow it when newer rows arrive on top). */
  keyOf: (row: R) => string;
  estimateSize: number;
  overscan?: number;
  /** Classes added to each row's article (its padding). */
  rowClassName?: string;
  rowProps?: (row: R) => FeedRowProps;
  render: (row: R) => ReactNode;
  /** Shown while an older page loads, and once the last page is in. */
  loadingOlder: string;
  end: string;
}) {
  const { rows, query, keyOf } = props;
  const { scrollRef, virtualizer, virtualItems, onKeyDown } = useInfiniteVirtualList({
    count: rows.length,
    query,
    estimateSize: props.estimateSize,
    overscan: props.overscan,
    getItemKey: (i) => keyOf(rows[i]),
  });
  return (
    <div ref={scrollRef} className="min-h-0 flex-1 overflow-auto" role="feed" aria-label={props.label} aria-busy={query.isFetching} onKeyDown={onKeyDown}>
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualItems.map((v) => {
          const row = rows[v.index];
          return (
            <article
              key={keyOf(row)}
              data-index={v.index}
              ref={virtualizer.measureElement}
              tabIndex={0}
              aria-posinset={v.index + 1}
              aria-setsize={query.hasNextPage ? -1 : rows.length}
              className={`absolute inset-x-0 border-b border-slate-100 focus:bg-slate-50 dark:border-slate-900 dark:focus:bg-slate-900 ${props.rowClassName ?? ''}`}
              style={{ transform: `translateY(${v.start}px)` }}
              {...props.rowProps?.(row)}
            >
              {props.render(row)}
            </article>
          );
        })}
      </div>
      {query.isFetchingNextPage && <p className="p-4 text-center text-sm text-slate-600 dark:text-slate-400">{props.loadingOlder}</p>}
      {!query.hasNextPage && <p className="p-4 text-center text-xs text-slate-600 dark:text-slate-400">{props.end}</p>}
    </div>
  );
}
