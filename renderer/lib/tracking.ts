// The batching tracker: page views on every route change, clicks and submits on elements that declare
// `data-track="name"` (one delegated listener, the spirit of the original's Stimulus controller), sent through
// `tracking.track` every 2 s or 50 events, and once more when the page goes away (in a browser every such call is a
// keepalive request, which outlives the page). It records nothing while the account's tracking setting is off.
//
// Markup: <button data-track="reports.export-csv" data-track-type="export" data-track-meta-table="boards">
//   data-track        the element's name (required), stored as metadata.element
//   data-track-type   override the event type (default: link_click for <a>, form_submit for <form>, else button_click)
//   data-track-meta-* extra metadata (short identifiers only; never what someone typed)
import { useEffect, useRef } from 'react';
import type { Input } from '../../preload/contract.ts';
import { api, subscribe } from './client.ts';
import { useLocation } from './router.tsx';

type TrackEvent = Input<'tracking.track'>['events'][number];
type EventType = TrackEvent['eventType'];

export const FLUSH_MS = 2000;
export const FLUSH_AT = 50;
const MAX_QUEUE = 500;
const eventTypes: EventType[] = ['page_view', 'link_click', 'form_submit', 'button_click', 'search', 'export'];

/** The app's route patterns (`/boards/:boardId`), given by the layout that owns the route table. */
let knownPatterns: readonly string[] = [];

/**
 * The route to record for a path: its pattern (`/boards/:boardId`), so that every board counts as one route; never
 * an id or a query string (filters are what someone chose, and every value would be a route of its own). A path
 * outside the route table keeps its first segment only.
 */
export function routePattern(path: string, patterns: readonly string[] = knownPatterns): string {
  const segments = path.split('/').filter(Boolean);
  for (const pattern of patterns) {
    const p = pattern.split('/').filter(Boolean);
    if (p.length === segments.length && p.every((part, i) => part.startsWith(':') || part === segments[i])) return pattern;
  }
  return segments.length ? `/${segments[0].replace(/[^A-Za-z0-9\-._~]/g, '').slice(0, 60)}/…` : '/';
}

function currentRoute(): string {
  const hash = window.location.hash.replace(/^#/, '') || '/';
  return routePattern(hash.split('?')[0] || '/');
}

function metadataOf(el: HTMLElement): Record<string, string> {
  const meta: Record<string, string> = { element: (el.dataset.track ?? '').slice(0, 120) };
  for (const [k, v] of Object.entries(el.dataset)) {
    if (!k.startsWith('trackMeta') || v === undefined) continue;
    const key = k.slice('trackMeta'.length);
    const name = key.charAt(0).toLowerCase() + key.slice(1);
    if (/^[a-zA-Z][a-zA-Z0-9_.-]{0,39}$/.test(name) && Object.keys(meta).length < 10) meta[name] = v.slice(0, 120);
  }
  return meta;
}

class Tracker {
  private queue: TrackEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private enabled = false;
  private known = false;
  private sending = false;
  private lastRoute: string | null = null;
  private lastPath: string | null = null;
  private pending: TrackEvent[] = [];

  setEnabled(on: boolean) {
    this.enabled = on;
    this.known = true;
    if (on) {
      // Events seen before the setting was known.
      this.pending.forEach((e) => this.push(e));
    } else {
      this.queue = [];
    }
    this.pending = [];
  }

  record(e: TrackEvent) {
    if (!this.known) {
      if (this.pending.length < FLUSH_AT) this.pending.push(e);
      return;
    }
    if (this.enabled) this.push(e);
  }

  /** A view of `path` (one per path: another board is another view), recorded as its route pattern. */
  pageView(route: string, path: string) {
    if (path === this.lastPath) return;
    this.lastPath = path;
    const referrer = this.lastRoute;
    this.lastRoute = route;
    this.record({ eventType: 'page_view', url: route, ...(referrer ? { referrer } : {}), at: new Date().toISOString() });
  }

  private push(e: TrackEvent) {
    this.queue.push(e);
    if (this.queue.length > MAX_QUEUE) this.queue.splice(0, this.queue.length - MAX_QUEUE);
    if (this.queue.length >= FLUSH_AT) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
  }

  async flush() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.sending || this.queue.length === 0) return;
    const batch = this.queue.splice(0, FLUSH_AT);
    this.sending = true;
    try {
      const r = await api('tracking.track', { events: batch });
      if (!r.enabled) this.setEnabled(false);
    } catch (err) {
      const code = (err as { code?: string }).code;
      // Unreachable host: keep the events for the next flush. A refusal (read-only, invalid) drops them.
      if (code === 'unavailable') this.queue.unshift(...batch);
      else if (code === 'read_only') this.setEnabled(false);
    } finally {
      this.sending = false;
    }
    if (this.queue.length > 0 && !this.timer) this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /**
   * The page is going away: send what is left. In a browser the call is a keepalive request (see the client),
   * which the browser finishes after the page is gone; so is a regular flush still under way.
   */
  flushOnClose() {
    // Events seen before the setting was known go too (a page closed right after it opened): the server records
    // nothing while tracking is off, so sending them cannot record against the setting.
    const events = !this.known ? this.pending.splice(0) : this.enabled ? this.queue.splice(0, 200) : [];
    if (events.length === 0) return;
    void api('tracking.track', { events }).catch(() => {});
  }
}

export const tracker = new Tracker();

/** Record one event from code (e.g. an export that is not a click on a data-track element). */
export function track(eventType: EventType, metadata?: Record<string, string | number | boolean>) {
  tracker.record({ eventType, url: currentRoute(), ...(metadata ? { metadata } : {}), at: new Date().toISOString() });
}

function onClick(ev: MouseEvent) {
  const el = (ev.target as Element | null)?.closest?.('[data-track]') as HTMLElement | null;
  if (!el || el.tagName === 'FORM') return;
  const declared = el.dataset.trackType as EventType | undefined;
  const type: EventType = declared && eventTypes.includes(declared) ? declared : el.tagName === 'A' ? 'link_click' : 'button_click';
  tracker.record({ eventType: type, url: currentRoute(), metadata: metadataOf(el), at: new Date().toISOString() });
}

function onSubmit(ev: SubmitEvent) {
  const form = ev.target as HTMLElement | null;
  if (!form?.dataset?.track) return;
  const declared = form.dataset.trackType as EventType | undefined;
  const type: EventType = declared && eventTypes.includes(declared) ? declared : 'form_submit';
  tracker.record({ eventType: type, url: currentRoute(), metadata: metadataOf(form), at: new Date().toISOString() });
}

/**
 * Start the tracker for this window (call once, from the layout): page views on route changes, the delegated
 * listeners, the close-time flush, and the account setting (live).
 */
export function useTracking(patterns: readonly string[], readOnly = false) {
  knownPatterns = patterns;
  const location = useLocation();
  const started = useRef(false);
  useEffect(() => {
    // A read-only workspace (a review bundle) records nothing: not even a tracking.track call is made.
    if (readOnly) {
      tracker.setEnabled(false);
      return;
    }
    if (started.current) return;
    started.current = true;
    const load = () =>
      api('settings.get', {})
        .then((s) => tracker.setEnabled(s.trackingEnabled))
        .catch(() => tracker.setEnabled(false));
    void load();
    const off = subscribe('settings.changed', () => void load());
    const hide = () => tracker.flushOnClose();
    const visibility = () => document.visibilityState === 'hidden' && tracker.flushOnClose();
    document.addEventListener('click', onClick, true);
    document.addEventListener('submit', onSubmit, true);
    window.addEventListener('pagehide', hide);
    document.addEventListener('visibilitychange', visibility);
    return () => {
      started.current = false;
      off();
      document.removeEventListener('click', onClick, true);
      document.removeEventListener('submit', onSubmit, true);
      window.removeEventListener('pagehide', hide);
      document.removeEventListener('visibilitychange', visibility);
    };
  }, [readOnly]);
  const route = routePattern(location.path, patterns);
  useEffect(() => tracker.pageView(route, location.path), [route, location.path]);
}
