import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, type KeyboardEvent } from 'react';

interface PagedQuery {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage(): Promise<unknown>;
}

/**
 * A virtualized list over an infinite query: only visible rows are in the DOM, the next page is fetched when the
 * last rendered row comes within `prefetchWithin` rows of the end, and ↑/↓/Home/End move focus between rows
 * (rows carry `data-index` and `tabIndex`).
 */
export function useInfiniteVirtualList(options: {
  count: number;
  query: PagedQuery;
  estimateSize: number;
  overscan?: number;
  prefetchWithin?: number;
  getItemKey?: (index: number) => string | number;
}) {
  const { count, query, estimateSize, overscan = 10, prefetchWithin = 10, getItemKey } = options;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count, getItemKey, getScrollElement: () => scrollRef.current, estimateSize: () => estimateSize, overscan });
  const virtualItems = virtualizer.getVirtualItems();
  const lastIndex = virtualItems.length ? virtualItems[virtualItems.length - 1].index : -1;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;
  useEffect(() => {
    if (lastIndex >= count - prefetchWithin && hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [lastIndex, count, prefetchWithin, hasNextPage, isFetchingNextPage, fetchNextPage]);

  const onKeyDown = useCallback(
    (e: KeyboardEvent<HTMLElement>) => {
      if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp' && e.key !== 'Home' && e.key !== 'End') return;
      if (count === 0) return;
      const current = Number((document.activeElement as HTMLElement | null)?.dataset.index ?? -1);
      const next = e.key === 'Home' ? 0 : e.key === 'End' ? count - 1 : Math.max(0, Math.min(count - 1, current + (e.key === 'ArrowDown' ? 1 : -1)));
      e.preventDefault();
      virtualizer.scrollToIndex(next);
      // Focus at once when the row is already rendered, so quick key presses (or key repeat) each move one row;
      // a row that scrolling brings in is focused on the next frame.
      const row = () => scrollRef.current?.querySelector<HTMLElement>(`[data-index="${next}"]`);
      const rendered = row();
      if (rendered) rendered.focus({ preventScroll: true });
      else requestAnimationFrame(() => row()?.focus());
    },
    [count, virtualizer],
  );

  return { scrollRef, virtualizer, virtualItems, onKeyDown };
}
