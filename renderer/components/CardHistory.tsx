// A card's history from the audit trail: every version newest first with per-attribute diffs, compare any two,
// the card "as of" any moment, and revert to a version (with confirmation). Embeddable (the board's card panel)
// and used by the audit area's card page.
import { useInfiniteQuery } from '@tanstack/react-query';
import { ArrowRightLeft, Clock, History, RotateCcw, X } from 'lucide-react';
import { useMemo, useState } from 'react';
import type { Output } from '../../preload/contract.ts';
import { api } from '../lib/client.ts';
import { useApiMutation } from '../lib/mutations.ts';
import { useApi } from '../lib/queries.ts';
import { formatLocal, fromLocalInput, timeZone, toLocalInput } from '../lib/time.ts';
import { ChangeList, displayValue, kindLabels, type Names } from '../pages/audit/diff.tsx';
import { Dialog } from './Dialog.tsx';
import { Icon } from './Icon.tsx';
import { Button, EmptyState, ErrorNotice, inputClass, RelativeTime, Skeleton } from './ui.tsx';

type Version = Output<'audit.cardHistory'>['items'][number];
const kindIcons: Record<string, string> = { card_created: 'square-plus', card_updated: 'pencil', card_moved: 'arrow-right' };


function mergeNames(pages: { names: Names }[]): Names {
  const out: Names = { users: {}, columns: {} };
  for (const p of pages) {
    Object.assign(out.users, p.names.users);
    Object.assign(out.columns, p.names.columns);
  }
  return out;
}

function StateView({ state, names }: { state: NonNullable<Output<'audit.cardAt'>['state']>; names: Names }) {
  const rows: [string, string][] = [
    ['Title', state.title],
    ['Column', displayValue('column_id', state.columnId, names)],
    ['Assignee', displayValue('assignee_id', state.assigneeId, names)],
    ['Due date', displayValue('due_date', state.dueDate, names)],
  ];
  return (
    <dl className="space-y-1 text-sm">
      {rows.map(([k, v]) => (
        <div key={k} className="grid grid-cols-[6.5rem_1fr] gap-2">
          <dt className="font-medium text-slate-600 dark:text-slate-400">{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
      <div className="grid grid-cols-[6.5rem_1fr] gap-2">
        <dt className="font-medium text-slate-600 dark:text-slate-400">Description</dt>
        <dd className="whitespace-pre-wrap">{state.description || <span className="text-slate-600 dark:text-slate-400">None</span>}</dd>
      </div>
    </dl>
  );
}

function AsOf({ cardId, versions }: { cardId: string; versions: Version[] }) {
  const [at, setAt] = useState('');
  const oldest = versions.length - 1;
  const sliderIndex = at ? versions.findIndex((v) => v.createdAt <= at) : 0;
  const state = useApi('audit.cardAt', { cardId, at: at || new Date(0).toISOString() }, { enabled: Boolean(at) });
  return (
    <section aria-labelledby="asof-title" className="space-y-3 rounded-lg border border-slate-200 p-4 dark:border-slate-800">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 id="asof-title" className="flex items-center gap-1.5 font-medium"><Clock className="size-4" aria-hidden /> As of</h3>
        <div className="flex items-center gap-2">
          <label className="sr-only" htmlFor={`asof-${cardId}`}>Show the card as it was at ({timeZone()})</label>
          <input
            id={`asof-${cardId}`}
            type="datetime-local"
            className={inputClass}
            value={at ? toLocalInput(at) : ''}
            // The whole minute picked, in the person's zone.
            onChange={(e) => setAt(fromLocalInput(e.target.value, true) ?? '')}
          />
          <span className="text-xs text-slate-600 dark:text-slate-400">{timeZone()}</span>
          {at && <Button variant="ghost" onClick={() => setAt('')} aria-label="Back to now"><X className="size-4" aria-hidden /></Button>}
        </div>
      </div>
      {versions.length > 1 && (
        <div>
          <label htmlFor={`asof-slider-${cardId}`} className="sr-only">Step through versions</label>
          <input
            id={`asof-slider-${cardId}`}
            type="range"
            min={0}
            max={oldest}
            step={1}
            // Left is the oldest version, right the newest.
            value={oldest - Math.max(0, sliderIndex)}
            onChange={(e) => setAt(versions[oldest - Number(e.target.value)].createdAt)}
            className="w-full accent-indigo-600"
            aria-valuetext={at ? `Version of ${formatLocal(at)}` : 'Now'}
          />
          <div className="flex justify-between text-xs text-slate-600 dark:text-slate-400"><span>Created</span><span>Now</span></div>
        </div>
      )}
      {!at ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">Pick a moment or drag the slider to see the card exactly as it was then, rebuilt from the trail.</p>
      ) : state.isPending ? (
        <Skeleton rows={2} />
      ) : state.error ? (
        <ErrorNotice error={state.error} title="The card could not be rebuilt" />
      ) : state.data.existed && state.data.state ? (
        <div aria-live="polite">
          <p className="mb-2 text-xs text-slate-600 dark:text-slate-400">As it was at <RelativeTime iso={state.data.at} /> ({formatLocal(state.data.at)})</p>
          <StateView state={state.data.state} names={state.data.names} />
        </div>
      ) : (
        <p className="text-sm text-slate-600 dark:text-slate-400" aria-live="polite">The card did not exist yet at that moment.</p>
      )}
    </section>
  );
}

function ComparePanel({ cardId, ids, onClose }: { cardId: string; ids: [string, string]; onClose(): void }) {
  const cmp = useApi('audit.compare', { cardId, fromId: ids[0], toId: ids[1] });
  return (
    <section aria-labelledby="compare-title" className="space-y-2 rounded-lg border border-indigo-200 bg-indigo-50/50 p-4 dark:border-indigo-900 dark:bg-indigo-950/30">
      <div className="flex items-center justify-between">
        <h3 id="compare-title" className="flex items-center gap-1.5 font-medium"><ArrowRightLeft className="size-4" aria-hidden /> Compare two versions</h3>
        <Button variant="ghost" onClick={onClose} aria-label="Close the comparison"><X className="size-4" aria-hidden /></Button>
      </div>
      {cmp.isPending ? <Skeleton rows={2} /> : cmp.error ? <ErrorNotice error={cmp.error} title="The versions could not be compared" /> : (
        <>
          <p className="text-xs text-slate-600 dark:text-slate-400">
            From {cmp.data.from.updater.name}’s version (<RelativeTime iso={cmp.data.from.createdAt} />) to {cmp.data.to.updater.name}’s (<RelativeTime iso={cmp.data.to.createdAt} />)
          </p>
          {Object.keys(cmp.data.changes).length === 0 ? <p className="text-sm">The two versions are identical.</p> : <ChangeList changes={cmp.data.changes} names={cmp.data.names} />}
        </>
      )}
    </section>
  );
}

function RevertDialog({ cardId, latest, target, onClose }: { cardId: string; latest: Version; target: Version | null; onClose(): void }) {
  const preview = useApi('audit.compare', { cardId, fromId: latest.id, toId: target?.id ?? latest.id }, { enabled: Boolean(target) });
  const revert = useApiMutation('audit.revert', ['audit.cardHistory', 'audit.cardAt', 'audit.compare', 'audit.list', 'cards.get', 'boards.get', 'activity.list']);
  const nothing = preview.data && Object.keys(preview.data.changes).length === 0;
  return (
    <Dialog open={Boolean(target)} onClose={onClose} title="Revert this card?" wide>
      {target && (
        <div className="space-y-4">
          <p className="text-sm text-slate-700 dark:text-slate-300">
            The card goes back to how it was after {target.updater.name}’s change (<RelativeTime iso={target.createdAt} />). This is recorded as a new
            change by you; nothing in the history is rewritten.
          </p>
          {preview.isPending ? <Skeleton rows={2} /> : preview.error ? <ErrorNotice error={preview.error} /> : nothing ? (
            <p className="text-sm">The card already matches that version.</p>
          ) : (
            <div className="rounded-md border border-slate-200 p-3 dark:border-slate-700">
              <p className="mb-1 text-xs font-medium uppercase tracking-wide text-slate-600 dark:text-slate-400">What changes</p>
              <ChangeList changes={preview.data!.changes} names={preview.data!.names} />
            </div>
          )}
          {revert.error && <ErrorNotice error={revert.error} title="The card was not reverted" />}
          <div className="flex justify-end gap-2">
            <Button onClick={onClose}>Cancel</Button>
            <Button
              variant="danger"
              disabled={revert.isPending || Boolean(nothing) || preview.isPending}
              onClick={() => revert.mutate({ cardId, versionId: target.id }, { onSuccess: onClose })}
            >
              <RotateCcw className="size-4" aria-hidden /> {revert.isPending ? 'Reverting…' : 'Revert card'}
            </Button>
          </div>
        </div>
      )}
    </Dialog>
  );
}

export function CardHistory({ cardId, readOnly = false }: { cardId: string; readOnly?: boolean }) {
  const history = useInfiniteQuery({
    queryKey: ['audit.cardHistory', 'infinite', cardId],
    queryFn: ({ pageParam }) => api('audit.cardHistory', { cardId, cursor: pageParam, limit: 50 }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor,
  });
  const versions = useMemo(() => history.data?.pages.flatMap((p) => p.items) ?? [], [history.data]);
  const names = useMemo(() => mergeNames(history.data?.pages ?? []), [history.data]);
  const [selected, setSelected] = useState<string[]>([]);
  const [reverting, setReverting] = useState<Version | null>(null);

  if (history.isPending) return <Skeleton rows={5} />;
  if (history.error) return <ErrorNotice error={history.error} title="The card’s history could not be loaded" />;
  if (versions.length === 0) {
    return <EmptyState icon={<History className="size-8" />} title="No history yet">Changes to this card appear here as soon as they are made.</EmptyState>;
  }
  const toggle = (id: string) =>
    setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id].slice(-2)));
  // Compare older → newer whatever the click order.
  const pair = selected.length === 2
    ? ([...selected].sort((a, b) => versions.findIndex((v) => v.id === b) - versions.findIndex((v) => v.id === a)) as [string, string])
    : null;

  return (
    <div className="space-y-4">
      <AsOf cardId={cardId} versions={versions} />
      {pair ? (
        <ComparePanel cardId={cardId} ids={pair} onClose={() => setSelected([])} />
      ) : (
        <p className="text-xs text-slate-600 dark:text-slate-400">Tick two versions to compare them (any two, not only neighbours).</p>
      )}
      <ol className="space-y-2" aria-label="Versions, newest first">
        {versions.map((v, i) => (
          <li key={v.id} id={`version-${v.id}`} className="rounded-lg border border-slate-200 p-3 dark:border-slate-800" data-version={v.id}>
            <div className="mb-1 flex flex-wrap items-center gap-2 text-sm">
              <input
                type="checkbox"
                className="size-4 accent-indigo-600"
                checked={selected.includes(v.id)}
                onChange={() => toggle(v.id)}
                aria-label={`Compare the version of ${formatLocal(v.createdAt)}`}
              />
              <Icon name={v.revertOf ? 'rotate-ccw' : kindIcons[v.kind]} className="size-4 text-slate-600 dark:text-slate-400" />
              <span className="rounded bg-slate-100 px-1.5 text-xs tabular-nums text-slate-700 dark:bg-slate-800 dark:text-slate-300">Version {v.number}</span>
              <span className="font-medium">{v.updater.name}</span>
              <span className="text-slate-600 dark:text-slate-400" data-testid="version-what">
                {v.revertOf ? <>reverted the card to <a className="text-indigo-700 underline dark:text-indigo-300" href={`#version-${v.revertOf.id}`}>version {v.revertOf.number}</a></> : `${kindLabels[v.kind].toLowerCase()} the card`}
              </span>
              <span className="text-slate-600 dark:text-slate-400">·</span>
              <span className="text-slate-600 dark:text-slate-400"><RelativeTime iso={v.createdAt} /></span>
              {i === 0 && <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs dark:bg-slate-800">Current</span>}
              {i > 0 && !readOnly && (
                <Button variant="ghost" className="ml-auto !px-2 !py-1 text-xs" onClick={() => setReverting(v)}>
                  <RotateCcw className="size-3.5" aria-hidden /> Revert to this
                </Button>
              )}
            </div>
            <ChangeList changes={v.changes} names={names} hidePosition />
          </li>
        ))}
      </ol>
      {history.hasNextPage && (
        <Button onClick={() => history.fetchNextPage()} disabled={history.isFetchingNextPage}>
          {history.isFetchingNextPage ? 'Loading older versions…' : 'Load older versions'}
        </Button>
      )}
      <RevertDialog cardId={cardId} latest={versions[0]} target={reverting} onClose={() => setReverting(null)} />
    </div>
  );
}
