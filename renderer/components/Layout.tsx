import { useQueryClient } from '@tanstack/react-query';
import { ChevronsUpDown } from 'lucide-react';
import { useEffect, useLayoutEffect, type ReactNode } from 'react';
import { api, subscribe } from '../lib/client.ts';
import { useApi, useInvalidateOn } from '../lib/queries.ts';
import { href, matchPath, useLocation } from '../lib/router.tsx';
import { useTracking } from '../lib/tracking.ts';
import { useWorkspace } from '../lib/workspace.ts';
import { routes } from '../routes.tsx';
import { Icon } from './Icon.tsx';
import { setDocumentTitle } from './ui.tsx';
import { HubIdentity, HubUnreachableBanner } from './HubStatus.tsx';
import { NotificationsInbox } from './NotificationsInbox.tsx';
import { ReadOnlyBanner } from '../pages/audit/ReadOnlyBanner.tsx';
import { DamageBanner } from '../pages/settings/DamageBanner.tsx';

const routePatterns = routes.map((r) => r.pattern);

function Sidebar() {
  const { path } = useLocation();
  return (
    <nav aria-label="Main" className="flex w-52 shrink-0 flex-col gap-1 border-r border-slate-200 bg-slate-50 p-3 dark:border-slate-800 dark:bg-slate-900">
      <a href="#/" className="mb-4 flex items-center gap-2 px-2 py-1 text-lg font-semibold tracking-tight">
        <span className="inline-block size-6 rounded-md bg-indigo-600" aria-hidden="true" /> Chronicle
      </a>
      {routes
        .filter((r) => r.nav)
        .map((r) => {
          const active = r.pattern === '/' ? path === '/' : path === r.pattern || path.startsWith(r.pattern + '/');
          return (
            <a
              key={r.pattern}
              href={href(r.pattern)}
              aria-current={active ? 'page' : undefined}
              className={`flex items-center gap-2 rounded-md px-2 py-1.5 text-sm ${active ? 'bg-indigo-100 font-medium text-indigo-900 dark:bg-indigo-950 dark:text-indigo-100' : 'text-slate-700 hover:bg-slate-200 dark:text-slate-300 dark:hover:bg-slate-800'}`}
            >
              <Icon name={r.nav!.icon} /> {r.nav!.label}
            </a>
          );
        })}
    </nav>
  );
}

function TopBar() {
  const qc = useQueryClient();
  const session = useApi('session.get', {});
  const members = useApi('members.list', {});
  const switchTo = async (fn: () => Promise<unknown>) => {
    await fn();
    // Everything on screen belonged to the previous account or person.
    await qc.invalidateQueries();
  };
  const s = session.data;
  return (
    <header className="flex h-12 shrink-0 items-center justify-between gap-4 border-b border-slate-200 px-4 dark:border-slate-800">
      <div className="flex items-center gap-2">
        <label htmlFor="account-switcher" className="sr-only">Account</label>
        <div className="relative flex items-center">
          <select
            id="account-switcher"
            className="appearance-none rounded-md border border-slate-300 bg-white py-1 pr-7 pl-2 text-sm font-medium dark:border-slate-700 dark:bg-slate-900"
            value={s?.account.id ?? ''}
            onChange={(e) => switchTo(() => api('session.switchAccount', { accountId: e.target.value }))}
          >
            {s?.accounts.map((a) => (
              <option key={a.id} value={a.id}>{a.name}</option>
            ))}
          </select>
          <ChevronsUpDown className="pointer-events-none absolute right-2 size-3.5 text-slate-600 dark:text-slate-400" aria-hidden="true" />
        </div>
        {s?.readOnly && (
          <span className="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900 dark:bg-amber-900 dark:text-amber-100">Read-only</span>
        )}
      </div>
      <div className="flex items-center gap-3">
        <HubIdentity />
        <NotificationsInbox />
        {s?.allowed.includes('session.switchUser') ? (
          // Only in a demo workspace: acting as someone else is recorded (session_switched) and exists nowhere else.
          <>
            <label htmlFor="person-switcher" className="sr-only">Acting as (demo)</label>
            <select
              id="person-switcher"
              title="Acting as (demo workspace: each switch is recorded)"
              className="rounded-md border border-transparent bg-transparent py-1 text-sm hover:border-slate-300 dark:hover:border-slate-700"
              value={s?.user.id ?? ''}
              onChange={(e) => switchTo(() => api('session.switchUser', { userId: e.target.value }))}
            >
              {members.data?.items.map((m) => (
                <option key={m.user.id} value={m.user.id}>{m.user.name} ({m.role})</option>
              ))}
            </select>
          </>
        ) : (
          s && <span className="text-sm" data-testid="acting-as">{s.user.name} <span className="text-slate-600 dark:text-slate-400">({s.role})</span></span>
        )}
      </div>
    </header>
  );
}

/**
 * An archived project's boards become read-only in every window at once: cached boards (even ones not on screen)
 * are marked stale, so no window shows an archived board as editable from its cache.
 */
function useProjectArchives() {
  const qc = useQueryClient();
  useEffect(
    () =>
      subscribe('activity.created', (a) => {
        if (a.subjectType !== 'project_archived') return;
        for (const m of ['boards.get', 'boards.list', 'projects.list', 'cards.get'] as const) void qc.invalidateQueries({ queryKey: [m] });
      }),
    [qc],
  );
}

/** The first Tab stop: jump past the sidebar and the top bar to the page itself. */
function SkipLink() {
  return (
    <a
      href="#main-content"
      onClick={(e) => {
        // The hash belongs to the router: focus the main landmark without navigating.
        e.preventDefault();
        document.getElementById('main-content')?.focus();
      }}
      className="sr-only z-50 rounded-md bg-indigo-700 px-3 py-2 text-sm font-medium text-white focus:not-sr-only focus:fixed focus:top-2 focus:left-2"
    >
      Skip to content
    </a>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  // Anything that changes the workspace wholesale refetches every query.
  useInvalidateOn('workspace.changed', ['session.get', 'members.list', 'projects.list', 'boards.list', 'activity.list']);
  useProjectArchives();
  const workspace = useWorkspace();
  useTracking(routePatterns, workspace.readOnly);
  return (
    <div className="flex h-full">
      <SkipLink />
      <Sidebar />
      <div className="flex min-w-0 flex-1 flex-col">
        <TopBar />
        <HubUnreachableBanner />
        <ReadOnlyBanner />
        <DamageBanner />
        <main id="main-content" tabIndex={-1} className="min-h-0 flex-1 overflow-auto focus:outline-none">{children}</main>
      </div>
    </div>
  );
}

export function CurrentPage() {
  const { path } = useLocation();
  const route = routes.find((r) => matchPath(r.pattern, path));
  // Until the page names itself (PageHeader), the tab carries the area's name.
  useLayoutEffect(() => setDocumentTitle(route ? route.nav?.label ?? route.title : 'Page not found'), [route]);
  if (route) {
    const Page = route.page;
    return <Page params={matchPath(route.pattern, path)!} />;
  }
  return (
    <div className="p-8">
      <h1 className="text-lg font-semibold">Page not found</h1>
      <a className="text-indigo-700 underline dark:text-indigo-300" href="#/">Back to the timeline</a>
    </div>
  );
}
