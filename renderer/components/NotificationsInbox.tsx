// The notifications inbox in the top bar: a bell with the live unread count, a panel with the latest
// notifications, mark one read (by opening it) or all read.
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { Bell, CheckCheck, MessageSquare, UserPlus, WebhookOff, TriangleAlert } from 'lucide-react';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Output } from '../../preload/contract.ts';
import { api } from '../lib/client.ts';
import { useApi, usePush } from '../lib/queries.ts';
import { navigate } from '../lib/router.tsx';
import { useWorkspace } from '../lib/workspace.ts';
import { ErrorNotice, RelativeTime } from './ui.tsx';

type Item = Output<'notifications.list'>['items'][number];

const kindIcon = { comment: MessageSquare, invitation: UserPlus, endpoint_disabled: WebhookOff, delivery_failures: TriangleAlert } as const;

function useLiveInbox() {
  const qc = useQueryClient();
  const session = useApi('session.get', {});
  const me = session.data?.user.id;
  const refresh = useCallback(
    (p: { userId: string }) => {
      if (me && p.userId !== me) return;
      void qc.invalidateQueries({ queryKey: ['notifications.list'] });
      void qc.invalidateQueries({ queryKey: ['notifications.unreadCount'] });
    },
    [qc, me],
  );
  usePush('notifications.created', refresh);
  usePush('notifications.read', refresh);
}

export function NotificationsInbox() {
  const [open, setOpen] = useState(false);
  const qc = useQueryClient();
  const count = useApi('notifications.unreadCount', {});
  const { readOnly } = useWorkspace();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const list = useInfiniteQuery({
    queryKey: ['notifications.list', 'infinite', { unreadOnly }],
    queryFn: ({ pageParam }) => api('notifications.list', { limit: 20, unreadOnly, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor,
    enabled: open,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const panel = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const [error, setError] = useState<unknown>(null);
  useLiveInbox();
  const unread = count.data?.unread ?? 0;

  useEffect(() => {
    if (!open) return;
    panel.current?.querySelector<HTMLElement>('button:not([disabled])')?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        button.current?.focus();
      }
    };
    const onClick = (e: MouseEvent) => {
      if (!panel.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open]);

  const refetch = () => {
    void qc.invalidateQueries({ queryKey: ['notifications.list'] });
    void qc.invalidateQueries({ queryKey: ['notifications.unreadCount'] });
  };
  const openItem = async (n: Item) => {
    setError(null);
    try {
      if (!n.read && !readOnly) await api('notifications.markRead', { ids: [n.id] });
      refetch();
      if (n.link) {
        const [path, query = ''] = n.link.split('?');
        navigate(path, Object.fromEntries(new URLSearchParams(query)));
        setOpen(false);
      }
    } catch (e) {
      setError(e);
    }
  };
  const markAll = async () => {
    setError(null);
    try {
      await api('notifications.markAllRead', {});
      refetch();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div className="relative">
      <button
        ref={button}
        type="button"
        aria-label={unread ? `Notifications, ${unread} unread` : 'Notifications'}
        aria-expanded={open}
        aria-haspopup="dialog"
        data-track="inbox.toggle"
        onClick={() => setOpen((o) => !o)}
        className="relative rounded-md p-1.5 text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
      >
        <Bell className="size-5" aria-hidden="true" />
        {unread > 0 && (
          <span data-testid="unread-count" className="absolute -top-0.5 -right-0.5 min-w-4 rounded-full bg-red-600 px-1 text-center text-[10px] leading-4 font-semibold text-white">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {open && (
        <div
          ref={panel}
          role="dialog"
          aria-label="Notifications"
          className="absolute right-0 z-30 mt-2 w-96 overflow-hidden rounded-lg border border-slate-200 bg-white shadow-lg dark:border-slate-700 dark:bg-slate-900"
        >
          <div className="flex items-center justify-between border-b border-slate-200 px-3 py-2 dark:border-slate-700">
            <h2 className="text-sm font-semibold">Notifications</h2>
            <label className="ml-auto mr-2 flex items-center gap-1 text-xs text-slate-600 dark:text-slate-400">
              <input type="checkbox" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.target.checked)} data-track="inbox.unread-only" /> Unread only
            </label>
            {!readOnly && <button
              type="button"
              onClick={markAll}
              disabled={unread === 0}
              data-track="inbox.mark-all-read"
              className="inline-flex items-center gap-1 rounded px-2 py-1 text-xs font-medium text-indigo-700 hover:bg-indigo-50 disabled:cursor-not-allowed disabled:text-slate-400 dark:text-indigo-300 dark:hover:bg-slate-800"
            >
              <CheckCheck className="size-3.5" aria-hidden="true" /> Mark all read
            </button>}
          </div>
          {error ? <div className="p-2"><ErrorNotice error={error} /></div> : null}
          <div className="max-h-[28rem] overflow-auto">
            {list.isPending ? (
              <div className="space-y-2 p-3" aria-busy="true" aria-label="Loading">
                {[0, 1, 2].map((i) => <div key={i} className="h-10 animate-pulse rounded bg-slate-100 dark:bg-slate-800" />)}
              </div>
            ) : list.error ? (
              <div className="p-2"><ErrorNotice error={list.error} title="The inbox could not be loaded" /></div>
            ) : items.length === 0 ? (
              <p className="px-4 py-8 text-center text-sm text-slate-600 dark:text-slate-400" role="status">
                {unreadOnly
                  ? 'All caught up: nothing unread.'
                  : 'Nothing yet. You will hear here when someone comments on a card you follow, invites you, or a webhook endpoint needs attention.'}
              </p>
            ) : (
              <ul>
                {items.map((n) => {
                  const KindIcon = kindIcon[n.kind];
                  return (
                    <li key={n.id}>
                      <button
                        type="button"
                        onClick={() => void openItem(n)}
                        className={`flex w-full gap-3 border-b border-slate-100 px-3 py-2 text-left hover:bg-slate-50 dark:border-slate-800 dark:hover:bg-slate-800 ${n.read ? 'opacity-70' : ''}`}
                      >
                        <KindIcon className="mt-0.5 size-4 shrink-0 text-slate-600 dark:text-slate-400" aria-hidden="true" />
                        <span className="min-w-0 flex-1">
                          <span className={`block text-sm ${n.read ? '' : 'font-semibold'}`}>{n.title}</span>
                          {n.body && <span className="block truncate text-xs text-slate-600 dark:text-slate-400">{n.body}</span>}
                          <span className="text-xs text-slate-600 dark:text-slate-400"><RelativeTime iso={n.createdAt} /></span>
                        </span>
                        {!n.read && <span className="mt-1.5 size-2 shrink-0 rounded-full bg-indigo-600" aria-label="unread" />}
                      </button>
                    </li>
                  );
                })}
                {list.hasNextPage && (
                  <li>
                    <button
                      type="button"
                      onClick={() => void list.fetchNextPage()}
                      disabled={list.isFetchingNextPage}
                      className="w-full px-3 py-2 text-center text-xs font-medium text-indigo-700 hover:bg-slate-50 dark:text-indigo-300 dark:hover:bg-slate-800"
                    >
                      {list.isFetchingNextPage ? 'Loading…' : 'Show older'}
                    </button>
                  </li>
                )}
              </ul>
            )}
          </div>
        </div>
      )}
    </div>
  );
}
