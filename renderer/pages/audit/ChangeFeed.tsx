// What the audit's two lists (the card trail and every change) share: the day range of their filters (UTC days
// in the URL), and the feed itself: loading, error, empty and bad-range states, the virtualized rows with
// keyboard moves, and the end-of-list line (components/VirtualFeed.tsx).
import { ShieldCheck } from 'lucide-react';
import type { ReactNode } from 'react';
import { EmptyState, ErrorNotice, inputClass, Skeleton } from '../../components/ui.tsx';
import type { ContractError } from '../../lib/client.ts';
import { VirtualFeed, type FeedPages } from '../../components/VirtualFeed.tsx';

/** A `from` day's first instant, and the instant after a `to` day (both UTC, as the filters say). */
export const dayStart = (d: string) => `${d}T00:00:00.000Z`;
export const nextDay = (d: string) => new Date(Date.parse(dayStart(d)) + 86_400_000).toISOString();

const labelClass = 'flex flex-col text-xs font-medium text-slate-600 dark:text-slate-400';

/** The From and To fields of a filter bar (UTC days; each bounds the other's picker). */
export function DayRange({ from, to, onChange }: { from: string; to: string; onChange: (p: { from?: string | null; to?: string | null }) => void }) {
  return (
    <>
      <label className={labelClass}>From (UTC)
        <input type="date" className={inputClass} value={from} max={to || undefined} onChange={(e) => onChange({ from: e.target.value || null })} />
      </label>
      <label className={labelClass}>To (UTC)
        <input type="date" className={inputClass} value={to} min={from || undefined} onChange={(e) => onChange({ to: e.target.value || null })} />
      </label>
    </>
  );
}

interface FeedQuery extends FeedPages {
  isPending: boolean;
  error: Error | null;
}

/** A virtualized feed of changes, newest first, that loads older pages as it scrolls. */
export function ChangeFeed<T extends { id: string }>(props: {
  /** The feed's accessible name. */
  label: string;
  list: FeedQuery;
  items: T[];
  estimateSize: number;
  filtered: boolean;
  badRange: boolean;
  errorTitle: string;
  /** What an unfiltered empty list says. */
  empty: { title: string; body: ReactNode };
  /** The row's `data-type`, if rows have kinds. */
  typeOf?: (item: T) => string;
  row: (item: T) => ReactNode;
}) {
  const { list, items, filtered } = props;
  if (props.badRange) {
    return <div className="p-6"><ErrorNotice error={{ message: 'The “From” day is after the “To” day.', code: 'invalid_input' } as ContractError} title="These dates cannot be combined" /></div>;
  }
  if (list.isPending) return <Skeleton className="p-6" rows={8} />;
  if (list.error) return <div className="p-6"><ErrorNotice error={list.error} title={props.errorTitle} /></div>;
  if (items.length === 0) {
    return (
      <EmptyState icon={<ShieldCheck className="size-8" />} title={filtered ? 'No changes match these filters' : props.empty.title}>
        {filtered ? 'Widen the dates or clear a filter.' : props.empty.body}
      </EmptyState>
    );
  }
  return (
    <VirtualFeed
      label={props.label}
      query={list}
      rows={items}
      keyOf={(item) => item.id}
      estimateSize={props.estimateSize}
      overscan={8}
      rowClassName="px-6 py-3"
      rowProps={props.typeOf ? (item) => ({ 'data-type': props.typeOf!(item) }) : undefined}
      render={props.row}
      loadingOlder="Loading older changes…"
      end={`That is every change${filtered ? ' matching these filters' : ''}.`}
    />
  );
}
