// The account's audit: the trail of card changes with filters (all in the URL), the integrity panel (verify the
// hash chain, with progress and the first broken link in words) and review bundles (export with progress; the
// open bundle's manifest and fingerprint).
import { useInfiniteQuery } from '@tanstack/react-query';
import { CheckCircle2, Download, FileLock2, ShieldAlert, ShieldCheck, X } from 'lucide-react';
import { useEffect, useMemo, useState } from 'react';
import { Tab, TabList, TabPanel, Tabs } from 'react-aria-components';
import type { Input, Output } from '../../../preload/contract.ts';
import { accessEventTableNames } from '../../../preload/contract/access-events.ts';
import { Icon } from '../../components/Icon.tsx';
import { Button, EmptyState, ErrorNotice, inputClass, PageHeader, RelativeTime, Skeleton } from '../../components/ui.tsx';
import { api, subscribe } from '../../lib/client.ts';
import { useApi } from '../../lib/queries.ts';
import { href, useSearchParams } from '../../lib/router.tsx';
import { AllChanges } from './AllChanges.tsx';
import { ChangeFeed, DayRange, dayStart, nextDay } from './ChangeFeed.tsx';
import { attributeLabels, ChangeList, kindLabels, ProgressBar, type Names } from './diff.tsx';

const tabs = [
  ['trail', 'Trail'],
  ['all', 'Every change'],
  ['access', 'Access changes'],
  ['integrity', 'Integrity'],
  ['bundles', 'Review bundles'],
] as const;
type TabId = (typeof tabs)[number][0];
const kindIcons: Record<string, string> = { card_created: 'square-plus', card_updated: 'pencil', card_moved: 'arrow-right' };
const attributes = ['title', 'description', 'column_id', 'assignee_id', 'due_date'] as const;

const newRunId = () => Math.random().toString(36).slice(2, 12);

/** Progress pushed for a run started with `runId`. */
function useRunProgress(runId: string | null) {
  const [progress, setProgress] = useState<{ phase: string; done: number; total: number } | null>(null);
  useEffect(() => {
    setProgress(null);
    if (!runId) return;
    return subscribe('audit.progress', (p) => {
      if (p.runId === runId) setProgress({ phase: p.phase, done: p.done, total: p.total });
    });
  }, [runId]);
  return progress;
}

function Trail() {
  const [params, setParams] = useSearchParams();
  const members = useApi('members.list', {});
  const boards = useApi('boards.list', {});
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const input: Input<'audit.list'> = {
    cardId: params.get('card') ?? undefined,
    boardId: params.get('board') ?? undefined,
    personId: params.get('person') ?? undefined,
    attribute: (params.get('attribute') as (typeof attributes)[number] | null) ?? undefined,
    from: from ? dayStart(from) : undefined,
    to: to ? nextDay(to) : undefined,
    limit: 100,
  };
  const badRange = Boolean(from && to && from > to);
  const list = useInfiniteQuery({
    queryKey: ['audit.list', 'infinite', input],
    queryFn: ({ pageParam }) => api('audit.list', { ...input, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor,
    enabled: !badRange,
  });
  const items = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const names = useMemo(() => {
    const n: Names = { users: {}, columns: {} };
    for (const p of list.data?.pages ?? []) {
      Object.assign(n.users, p.names.users);
      Object.assign(n.columns, p.names.columns);
    }
    return n;
  }, [list.data]);
  const filtered = Boolean(input.cardId || input.boardId || input.personId || input.attribute || from || to);
  const cardTitle = input.cardId ? items.find((i) => i.card.id === input.cardId)?.card.title ?? 'this card' : null;

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <form className="flex flex-wrap items-end gap-2 border-b border-slate-200 px-6 py-3 dark:border-slate-800" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <label className="flex flex-col text-xs font-medium text-slate-600 dark:text-slate-400">Board
          <select className={inputClass} value={input.boardId ?? ''} onChange={(e) => setParams({ board: e.target.value || null })}>
            <option value="">All boards</option>
            {boards.data?.items.map((b) => <option key={b.id} value={b.id}>{b.project.name} / {b.name}</option>)}
          </select>
        </label>
        <label className="flex flex-col text-xs font-medium text-slate-600 dark:text-slate-400">Person
          <select className={inputClass} value={input.personId ?? ''} onChange={(e) => setParams({ person: e.target.value || null })}>
            <option value="">Everyone</option>
            {members.data?.items.map((m) => <option key={m.user.id} value={m.user.id}>{m.user.name}</option>)}
          </select>
        </label>
        <label className="flex flex-col text-xs font-medium text-slate-600 dark:text-slate-400">Attribute
          <select className={inputClass} value={input.attribute ?? ''} onChange={(e) => setParams({ attribute: e.target.value || null })}>
            <option value="">Any change</option>
            {attributes.map((a) => <option key={a} value={a}>{attributeLabels[a]}</option>)}
          </select>
        </label>
        <DayRange from={from} to={to} onChange={setParams} />
        {input.cardId && (
          <span className="inline-flex items-center gap-1 rounded-full bg-indigo-100 py-1 pr-1 pl-3 text-sm text-indigo-900 dark:bg-indigo-950 dark:text-indigo-100">
            Card: {cardTitle}
            <button type="button" className="rounded-full p-0.5 hover:bg-indigo-200 dark:hover:bg-indigo-900" aria-label="Remove the card filter" onClick={() => setParams({ card: null })}>
              <X className="size-3.5" aria-hidden />
            </button>
          </span>
        )}
        {filtered && (
          <Button variant="ghost" onClick={() => setParams({ card: null, board: null, person: null, attribute: null, from: null, to: null })}>Clear filters</Button>
        )}
      </form>
      <ChangeFeed
        label="Card changes"
        list={list}
        items={items}
        estimateSize={96}
        filtered={filtered}
        badRange={badRange}
        errorTitle="The audit trail could not be loaded"
        empty={{ title: 'No card changes yet', body: 'Create, edit or move a card on a board: every change is recorded here with who, when and what.' }}
        row={(item) => (
          <>
            <div className="mb-1 flex flex-wrap items-center gap-2 text-sm">
              <Icon name={kindIcons[item.kind]} className="size-4 text-slate-600 dark:text-slate-400" />
              <span className="font-medium">{item.updater.name}</span>
              <span className="text-slate-600 dark:text-slate-400">{item.revertOf ? `reverted to version ${item.revertOf.number}` : kindLabels[item.kind].toLowerCase()}</span>
              <a className="font-medium text-indigo-700 hover:underline dark:text-indigo-300" href={href(`/audit/cards/${item.card.id}`)}>{item.card.title}</a>
              {item.board && <span className="text-slate-600 dark:text-slate-400">on {item.board.name}</span>}
              <span className="text-slate-600 dark:text-slate-400">·</span>
              <span className="text-slate-600 dark:text-slate-400"><RelativeTime iso={item.createdAt} /></span>
              {!input.cardId && (
                <button type="button" className="ml-auto text-xs text-slate-600 dark:text-slate-400 hover:text-indigo-700 hover:underline" onClick={() => setParams({ card: item.card.id })}>
                  Only this card
                </button>
              )}
            </div>
            <div className="pl-6"><ChangeList changes={item.changes} names={names} /></div>
          </>
        )}
      />
    </div>
  );
}

const breakWords: Record<string, string> = {
  edited: 'A recorded event was changed after it was written.',
  deleted: 'A recorded event, or its place in the chain, was removed.',
  inserted: 'An event was added that was never recorded through Chronicle.',
  reordered: 'Recorded events were put in a different order.',
};

function Integrity() {
  const [runId, setRunId] = useState<string | null>(null);
  const [result, setResult] = useState<Output<'audit.verify'> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [running, setRunning] = useState(false);
  const progress = useRunProgress(runId);
  const run = async () => {
    const id = newRunId();
    setRunId(id);
    setResult(null);
    setError(null);
    setRunning(true);
    try {
      setResult(await api('audit.verify', { runId: id }));
    } catch (err) {
      setError(err);
    } finally {
      setRunning(false);
    }
  };
  const b = result?.firstBroken;
  return (
    <div className="max-w-3xl space-y-4 p-6">
      <p className="text-sm text-slate-700 dark:text-slate-300">
        Every event of this account is linked into one hash chain: each link holds a SHA-256 over the event and the link before it. Verifying walks
        the whole chain and recomputes every hash, so any edit, deletion, insertion or reordering made behind Chronicle’s back shows up here.
      </p>
      <Button variant="primary" onClick={run} disabled={running}>
        <ShieldCheck className="size-4" aria-hidden /> {running ? 'Verifying…' : 'Verify the chain'}
      </Button>
      {running && (
        <ProgressBar
          value={progress && progress.total ? (progress.done / progress.total) * 100 : 0}
          label={progress ? `Checked ${progress.done.toLocaleString()} of ${progress.total.toLocaleString()} links` : 'Starting…'}
        />
      )}
      {error ? <ErrorNotice error={error} title="The chain could not be verified" /> : null}
      {result && (
        <div aria-live="polite" className="space-y-3">
          {result.ok ? (
            <div className="flex gap-3 rounded-lg border border-emerald-200 bg-emerald-50 p-4 text-emerald-900 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-100">
              <CheckCircle2 className="mt-0.5 size-5 shrink-0" aria-hidden />
              <div>
                <p className="font-medium">The record is intact.</p>
                <p className="text-sm">All {result.checked.toLocaleString()} links verify{result.head ? `; the chain ends at #${result.head.seq}` : ''}.</p>
                {result.head && <p className="mt-1 break-all font-mono text-xs opacity-80">Head hash {result.head.hash}</p>}
              </div>
            </div>
          ) : (
            <div role="alert" className="flex gap-3 rounded-lg border border-red-200 bg-red-50 p-4 text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100">
              <ShieldAlert className="mt-0.5 size-5 shrink-0" aria-hidden />
              <div className="space-y-1">
                <p className="font-medium">The record was altered{b ? ` at link #${b.seq}` : ''}.</p>
                {b && <p className="text-sm">{breakWords[b.kind]} {b.message}</p>}
                <p className="text-sm">The {result.checked.toLocaleString()} links before it verify; nothing from this point on can be trusted without checking a backup or a review bundle.</p>
                {b && (
                  <details className="text-xs">
                    <summary className="cursor-pointer">Details</summary>
                    <p>Link #{b.seq} · kind {b.kind}{b.table ? ` · table ${b.table}` : ''}{b.id ? ` · row ${b.id}` : ''}</p>
                  </details>
                )}
              </div>
            </div>
          )}
          {result.bundleChecks && (
            <ul className="space-y-1 text-sm" aria-label="Bundle checks">
              {result.bundleChecks.map((c) => (
                <li key={c.name} className="flex gap-2">
                  {c.ok ? <CheckCircle2 className="mt-0.5 size-4 shrink-0 text-emerald-600" aria-label="passed" /> : <ShieldAlert className="mt-0.5 size-4 shrink-0 text-red-600" aria-label="failed" />}
                  <span><span className="font-medium capitalize">{c.name}</span>: {c.message}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}

function Fingerprint({ value }: { value: string }) {
  return <code className="block rounded-md bg-slate-100 px-3 py-2 font-mono text-sm tracking-wide break-words dark:bg-slate-800">{value}</code>;
}

function ManifestView({ m }: { m: NonNullable<Output<'audit.bundleInfo'>['bundle']> }) {
  const events = ['card_created', 'card_moved', 'card_updated', 'comment_added', 'member_invited', 'project_archived'].reduce((n, t) => n + (m.counts[t] ?? 0), 0);
  return (
    <dl className="grid grid-cols-[10rem_1fr] gap-x-3 gap-y-2 text-sm">
      <dt className="text-slate-600 dark:text-slate-400">Account</dt><dd>{m.account.name}</dd>
      <dt className="text-slate-600 dark:text-slate-400">Exported</dt><dd><RelativeTime iso={m.createdAt} /> ({new Date(m.createdAt).toUTCString()})</dd>
      <dt className="text-slate-600 dark:text-slate-400">Range</dt><dd>{m.range.from || m.range.to ? `${m.range.from ? new Date(m.range.from).toUTCString() : 'the start'} to ${m.range.to ? new Date(m.range.to).toUTCString() : 'the export'}` : 'Everything'}</dd>
      <dt className="text-slate-600 dark:text-slate-400">Events</dt><dd>{events.toLocaleString()} (chain links #{m.chain.firstSeq} to #{m.chain.headSeq})</dd>
      <dt className="text-slate-600 dark:text-slate-400">Chain head</dt><dd className="break-all font-mono text-xs">{m.chain.headHash}</dd>
      <dt className="text-slate-600 dark:text-slate-400">Signing key fingerprint</dt><dd><Fingerprint value={m.fingerprint} /></dd>
    </dl>
  );
}

function Bundles() {
  const info = useApi('audit.bundleInfo', {});
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [runId, setRunId] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<Output<'audit.export'> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const progress = useRunProgress(runId);
  if (info.isPending) return <Skeleton className="p-6" rows={3} />;
  if (info.error) return <div className="p-6"><ErrorNotice error={info.error} /></div>;
  if (info.data.bundle) {
    return (
      <div className="max-w-3xl space-y-4 p-6">
        <h2 className="flex items-center gap-2 text-lg font-semibold"><FileLock2 className="size-5" aria-hidden /> This is a review bundle</h2>
        <p className="text-sm text-slate-700 dark:text-slate-300">
          Compare the fingerprint below with the one the team lead sees under Audit → Review bundles in the original workspace. Then verify the bundle on the
          Integrity tab: it checks the signature, every byte of the file and the whole chain, without the original workspace.
        </p>
        <ManifestView m={info.data.bundle} />
      </div>
    );
  }
  const badRange = Boolean(from && to && from > to);
  const run = async () => {
    const id = newRunId();
    setRunId(id);
    setRunning(true);
    setResult(null);
    setError(null);
    try {
      setResult(await api('audit.export', { runId: id, from: from ? dayStart(from) : undefined, to: to ? new Date(Date.parse(nextDay(to)) - 1).toISOString() : undefined }));
    } catch (err) {
      setError(err);
    } finally {
      setRunning(false);
    }
  };
  return (
    <div className="max-w-3xl space-y-5 p-6">
      <p className="text-sm text-slate-700 dark:text-slate-300">
        A review bundle is one file with this account’s trail, signed with this workspace’s key. Take it to a laptop and open it with
        <code className="mx-1 rounded bg-slate-100 px-1 dark:bg-slate-800">chronicle serve --bundle FILE</code> or File → Open review bundle: it opens
        read-only, and <code className="mx-1 rounded bg-slate-100 px-1 dark:bg-slate-800">chronicle audit verify-bundle FILE</code> proves nothing was changed.
      </p>
      {info.data.workspaceKey && (
        <div className="space-y-1">
          <p className="text-sm font-medium">This workspace’s signing key fingerprint</p>
          <Fingerprint value={info.data.workspaceKey.fingerprint} />
          <p className="text-xs text-slate-600 dark:text-slate-400">A reviewer compares it with the fingerprint the bundle shows.</p>
        </div>
      )}
      <form className="flex flex-wrap items-end gap-3" onSubmit={(e) => { e.preventDefault(); void run(); }}>
        <label className="flex flex-col text-xs font-medium text-slate-600 dark:text-slate-400">From (UTC, optional)
          <input type="date" className={inputClass} value={from} max={to || undefined} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label className="flex flex-col text-xs font-medium text-slate-600 dark:text-slate-400">To (UTC, optional)
          <input type="date" className={inputClass} value={to} min={from || undefined} onChange={(e) => setTo(e.target.value)} />
        </label>
        <Button type="submit" variant="primary" disabled={running || badRange || info.data.readOnly}>
          <Download className="size-4" aria-hidden /> {running ? 'Exporting…' : 'Export bundle'}
        </Button>
      </form>
      {badRange && <p className="text-sm text-red-700 dark:text-red-300" role="alert">“From” is after “To”.</p>}
      {running && <ProgressBar value={progress ? (progress.done / (progress.total || 1)) * 100 : 0} label={progress ? `Exporting: ${progress.phase}` : 'Starting…'} />}
      {error ? <ErrorNotice error={error} title="The bundle was not written" /> : null}
      {result && (
        <div aria-live="polite" className="space-y-3 rounded-lg border border-emerald-200 bg-emerald-50 p-4 dark:border-emerald-900 dark:bg-emerald-950">
          <p className="flex items-center gap-2 font-medium text-emerald-900 dark:text-emerald-100"><CheckCircle2 className="size-5" aria-hidden /> Bundle written ({(result.bytes / 1024 / 1024).toFixed(1)} MB)</p>
          <p className="break-all font-mono text-xs">{result.file}</p>
          <ManifestView m={result.manifest} />
        </div>
      )}
    </div>
  );
}

/**
 * Who may do what, and who changed that: role changes, invitations, tokens, webhook endpoint management and secret
 * reveals, demo switches. The same chained event rows as the rest of the trail, read through the activity feed.
 */
function AccessChanges() {
  const list = useInfiniteQuery({
    queryKey: ['activity.list', 'access'],
    queryFn: ({ pageParam }) => api('activity.list', { types: [...accessEventTableNames], limit: 50, ...(pageParam ? { cursor: pageParam } : {}) }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor,
  });
  useEffect(() => subscribe('activity.created', (a) => { if ((accessEventTableNames as readonly string[]).includes(a.subjectType)) void list.refetch(); }), [list]);
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section aria-label="Access changes" className="p-6">
      <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">Roles, invitations, personal access tokens, webhook endpoints and their secrets: each change is an event in the chained trail.</p>
      {list.isPending ? <Skeleton rows={5} /> : list.error ? <ErrorNotice error={list.error} /> : items.length === 0 ? (
        <EmptyState title="No access changes yet">Inviting someone, changing a role or managing a webhook endpoint is recorded here.</EmptyState>
      ) : (
        <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 dark:divide-slate-900 dark:border-slate-800" data-testid="access-changes">
          {items.map((i) => (
            <li key={i.id} className="flex items-start gap-3 px-4 py-2 text-sm">
              <Icon name={i.icon} className="mt-0.5 size-4 text-slate-600 dark:text-slate-400" />
              <span className="min-w-0 flex-1">{i.description}</span>
              <span className="shrink-0 text-xs text-slate-600 dark:text-slate-400"><RelativeTime iso={i.createdAt} /></span>
            </li>
          ))}
        </ul>
      )}
      {list.hasNextPage && <Button className="mt-3" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>Show older</Button>}
    </section>
  );
}

export function AuditPage(_props: { params: Record<string, string> }) {
  const [params, setParams] = useSearchParams();
  const tab = (tabs.find(([t]) => t === params.get('tab'))?.[0] ?? 'trail') as TabId;
  return (
    <div className="flex h-full flex-col">
      <PageHeader title="Audit" description="Who changed what, when, from what to what, and proof that the record was not altered." />
      {/* React Aria tabs: ←/→ (and Home/End) move between them, each selection is kept in the URL. */}
      <Tabs selectedKey={tab} onSelectionChange={(k) => setParams({ tab: k === 'trail' ? null : String(k) })} className="flex min-h-0 flex-1 flex-col">
        <TabList aria-label="Audit sections" className="flex gap-1 border-b border-slate-200 px-6 dark:border-slate-800">
          {tabs.map(([t, label]) => (
            <Tab
              key={t}
              id={t}
              className={({ isSelected }) =>
                `-mb-px cursor-default border-b-2 px-3 py-2 text-sm font-medium outline-none data-[focus-visible]:ring-2 data-[focus-visible]:ring-indigo-500 ${isSelected ? 'border-indigo-600 text-indigo-700 dark:text-indigo-300' : 'border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100'}`
              }
            >
              {label}
            </Tab>
          ))}
        </TabList>
        {tabs.map(([t]) => (
          <TabPanel key={t} id={t} className="flex min-h-0 flex-1 flex-col overflow-auto outline-none">
            {t === 'trail' ? <Trail /> : t === 'all' ? <AllChanges /> : t === 'access' ? <AccessChanges /> : t === 'integrity' ? <Integrity /> : <Bundles />}
          </TabPanel>
        ))}
      </Tabs>
    </div>
  );
}
