// Per-attribute diffs of the audit trail: the old value struck, the new one marked; text as a word diff.
import { diffWords } from 'diff';
import { ArrowRight } from 'lucide-react';
import type { Output } from '../../../preload/contract.ts';

export type Names = Output<'audit.cardHistory'>['names'];

export const attributeLabels: Record<string, string> = {
  title: 'Title',
  description: 'Description',
  column_id: 'Column',
  position: 'Position',
  assignee_id: 'Assignee',
  due_date: 'Due date',
};
export const attributeOrder = ['title', 'description', 'column_id', 'assignee_id', 'due_date', 'position'];
const textAttributes = new Set(['title', 'description']);

export function displayValue(attr: string, value: unknown, names: Names): string {
  if (value === null || value === undefined || value === '') return attr === 'assignee_id' ? 'Unassigned' : 'None';
  if (attr === 'assignee_id') return names.users[value as string] ?? 'Unknown person';
  if (attr === 'column_id') return names.columns[value as string] ?? 'Unknown column';
  if (attr === 'position') return `#${Number(value) + 1}`;
  if (attr === 'due_date') {
    const d = new Date(`${value}T00:00:00Z`);
    return Number.isNaN(d.getTime()) ? String(value) : d.toLocaleDateString('en', { timeZone: 'UTC', year: 'numeric', month: 'short', day: 'numeric' });
  }
  return String(value);
}

/** A word-level diff of two texts: removed words struck in red, added words marked green. */
export function WordDiff({ from, to }: { from: string; to: string }) {
  const parts = diffWords(from, to);
  return (
    <p className="whitespace-pre-wrap break-words leading-relaxed">
      {parts.map((p, i) =>
        p.removed ? (
          <del key={i} className="rounded-sm bg-red-100 text-red-900 decoration-red-700 dark:bg-red-950 dark:text-red-200">
            <span className="sr-only">removed: </span>{p.value}
          </del>
        ) : p.added ? (
          <ins key={i} className="rounded-sm bg-emerald-100 text-emerald-900 no-underline dark:bg-emerald-950 dark:text-emerald-200">
            <span className="sr-only">added: </span>{p.value}
          </ins>
        ) : (
          <span key={i}>{p.value}</span>
        ),
      )}
    </p>
  );
}

/** One attribute's change. */
export function AttributeDiff({ attr, from, to, names }: { attr: string; from: unknown; to: unknown; names: Names }) {
  const label = attributeLabels[attr] ?? attr;
  const isText = textAttributes.has(attr) && typeof to === 'string';
  return (
    <div className="grid grid-cols-[6.5rem_1fr] gap-2 py-1 text-sm" data-attribute={attr}>
      <dt className="font-medium text-slate-600 dark:text-slate-400">{label}</dt>
      <dd className="min-w-0">
        {from === null || from === undefined ? (
          <span className="text-emerald-800 dark:text-emerald-300">{displayValue(attr, to, names)}</span>
        ) : isText && typeof from === 'string' ? (
          <WordDiff from={from} to={to as string} />
        ) : (
          <span className="inline-flex flex-wrap items-center gap-1.5">
            <del className="text-slate-600 decoration-red-600 decoration-2 dark:text-slate-400">
              <span className="sr-only">was </span>{displayValue(attr, from, names)}
            </del>
            <ArrowRight className="size-3.5 text-slate-400" aria-hidden />
            <ins className="font-medium text-slate-900 no-underline dark:text-slate-100">
              <span className="sr-only">now </span>{displayValue(attr, to, names)}
            </ins>
          </span>
        )}
      </dd>
    </div>
  );
}

export function ChangeList({ changes, names, hidePosition = true }: { changes: Record<string, [unknown, unknown]>; names: Names; hidePosition?: boolean }) {
  const attrs = Object.keys(changes)
    .filter((a) => !(hidePosition && a === 'position'))
    .sort((a, b) => attributeOrder.indexOf(a) - attributeOrder.indexOf(b));
  if (attrs.length === 0) return <p className="text-sm text-slate-600 dark:text-slate-400">No visible change (position only).</p>;
  return (
    <dl>
      {attrs.map((a) => (
        <AttributeDiff key={a} attr={a} from={changes[a][0]} to={changes[a][1]} names={names} />
      ))}
    </dl>
  );
}

export const kindLabels: Record<string, string> = { card_created: 'Created', card_updated: 'Edited', card_moved: 'Moved' };

/** A thin progress bar with its percentage for screen readers. */
export function ProgressBar({ value, label }: { value: number; label: string }) {
  const pct = Math.max(0, Math.min(100, Math.round(value)));
  return (
    <div className="space-y-1">
      <div className="flex justify-between text-xs text-slate-600 dark:text-slate-400">
        <span>{label}</span>
        <span>{pct}%</span>
      </div>
      <div role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} className="h-2 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800">
        <div className="h-full rounded-full bg-indigo-600 transition-[width]" style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}
