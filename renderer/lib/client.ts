// The typed contract client. In Electron it is the preload's `window.chronicle`; in a browser it speaks the
// host's HTTP API with the token the page was opened with. Pages only ever see `api` and `subscribe`.
import { EventSource } from 'eventsource';
import type { ChronicleBridge, ErrorBody, Input, MethodName, Output, TopicName, TopicPayload } from '../../preload/contract.ts';

export class ContractError extends Error {
  constructor(readonly body: ErrorBody) {
    super(body.message);
  }
  get code() {
    return this.body.code;
  }
}

declare global {
  interface Window {
    chronicle?: ChronicleBridge;
  }
}

const TOKEN_KEY = 'chronicle.token';
/** Set when the host refused this tab's token, cleared when a token arrives: a reload of the sign-in page still says why. */
const REFUSED_KEY = 'chronicle.tokenRefused';

/** Keep a token for the tab; a token arriving ends "the last one was refused". */
function keepToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
  sessionStorage.removeItem(REFUSED_KEY);
}

/**
 * The host's token arrives once, in the page's URL (`?token=…`, as `chronicle serve` prints it). It is kept for
 * this tab only (sessionStorage survives reloads, not the tab) and removed from the address bar at once, so it
 * stays out of the history, bookmarks and screenshots. It is only ever sent in the Authorization header: the
 * host sets no cookie, since cookies ignore ports and would ride along with requests from any local page.
 */
function takeTokenFromUrl(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null) {
    if (fromUrl) keepToken(fromUrl);
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

const needsToken: ErrorBody = {
  code: 'unauthorized',
  message: 'The page has no access token, or the host was restarted with a new one. Open the full address that `chronicle serve` printed (it ends in ?token=…), or paste a token.',
};

/** Listeners of "the tab's token was refused or forgotten" (the login page shows itself). */
const tokenListeners = new Set<() => void>();

/** One session per tab: the host keeps "current account / person" per session id. */
function sessionId(): string {
  let id = sessionStorage.getItem('chronicle.session');
  if (!id) {
    id = crypto.randomUUID().replace(/-/g, '');
    sessionStorage.setItem('chronicle.session', id);
  }
  return id;
}

/**
 * Calls whose request must outlive the page: a batch of tracked events still being sent when the tab closes or
 * navigates away would otherwise be cancelled with the page, and lost (it has left the tracker's queue). A
 * keepalive request is handed to the browser, which finishes it; its body is small (≤ 64 KiB, the browser's limit).
 */
const outlivesThePage: ReadonlySet<MethodName> = new Set<MethodName>(['tracking.track']);

interface HttpBridge extends ChronicleBridge {
  hasToken(): boolean;
  setToken(next: string): void;
  forgetToken(): void;
}

function httpBridge(): HttpBridge {
  let token = takeTokenFromUrl();
  const session = sessionId();
  let headers = { authorization: `Bearer ${token}`, 'x-chronicle-session': session };
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  let source: EventSource | null = null;
  const attach = (src: EventSource, topic: string) =>
    src.addEventListener(topic, (e) => {
      const data = JSON.parse((e as MessageEvent).data);
      listeners.get(topic)?.forEach((l) => l(data));
    });
  const setToken = (next: string) => {
    token = next;
    headers = { authorization: `Bearer ${token}`, 'x-chronicle-session': session };
    if (token) keepToken(token);
    else sessionStorage.removeItem(TOKEN_KEY);
    // The stream was opened with the old token (or none): open it again with the new one.
    source?.close();
    source = null;
    if (token && listeners.size) {
      ensureStream();
      for (const topic of listeners.keys()) if (topic !== '__reconnected') attach(source!, topic);
    }
  };
  // The event stream is a streaming fetch that sends the same Authorization header as every call (the
  // `eventsource` package: the standard EventSource API, reconnection included, over fetch). Chosen over a
  // short-lived ticket in the stream's URL: no second credential to mint, expire and keep single-use, nothing
  // secret in any URL, and the host checks the stream exactly like every other request.
  const ensureStream = () => {
    if (source || !token) return;
    source = new EventSource('/api/events', {
      fetch: (url, init) => fetch(url, { ...init, headers: { ...init.headers, ...headers } }),
    });
    source.onopen = () => listeners.get('__reconnected')?.forEach((l) => l({}));
  };
  // Called only when the host refused the token (a 401).
  const forgetToken = () => {
    setToken('');
    sessionStorage.setItem(REFUSED_KEY, '1');
    tokenListeners.forEach((l) => l());
  };
  return {
    hasToken: () => Boolean(token),
    setToken,
    forgetToken,
    async invoke(method, input) {
      if (!token) throw new ContractError(needsToken);
      let res: Response;
      try {
        res = await fetch(`/api/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(input ?? {}),
          keepalive: outlivesThePage.has(method),
        });
      } catch {
        throw new ContractError({ code: 'unavailable', message: 'Chronicle is not reachable. Is `chronicle serve` still running?' });
      }
      const body = await res.json().catch(() => null);
      if (res.status === 401) {
        // The host refused this tab's token: forget it, so the page asks for one instead of failing everywhere.
        if (token) forgetToken();
        throw new ContractError(needsToken);
      }
      if (!res.ok) throw new ContractError(body?.error ?? { code: 'internal', message: `The server answered ${res.status}.` });
      return body;
    },
    subscribe(topic, listener) {
      ensureStream();
      let set = listeners.get(topic);
      if (!set) {
        set = new Set();
        listeners.set(topic, set);
        if (source) attach(source, topic);
      }
      set.add(listener as (p: unknown) => void);
      return () => set!.delete(listener as (p: unknown) => void);
    },
  };
}

const http = window.chronicle ? null : httpBridge();
const bridge: ChronicleBridge = window.chronicle ?? http!;

/**
 * The browser's token for this tab (Electron has none: main holds any hub token). `setToken` keeps a pasted
 * token in sessionStorage (this tab only, never the address bar); `onTokenRefused` hears of a refused one.
 */
export const tabToken = {
  needed: () => http !== null && !http.hasToken(),
  /** The host refused this tab's last token (kept for the tab until a new token arrives). */
  wasRefused: () => http !== null && sessionStorage.getItem(REFUSED_KEY) === '1',
  set: (next: string) => http?.setToken(next.trim()),
  onRefused(fn: () => void) {
    tokenListeners.add(fn);
    return () => void tokenListeners.delete(fn);
  },
};

/** Call a contract method. Throws ContractError with the server's `{ code, message, issues }`. */
export async function api<M extends MethodName>(method: M, ...args: {} extends Input<M> ? [input?: Input<M>] : [input: Input<M>]): Promise<Output<M>> {
  try {
    return await bridge.invoke(method, (args[0] ?? {}) as Input<M>);
  } catch (err) {
    if (err instanceof ContractError) throw err;
    const body = (err as { contractError?: ErrorBody }).contractError;
    throw new ContractError(body ?? { code: 'internal', message: (err as Error).message });
  }
}

export function subscribe<T extends TopicName>(topic: T, listener: (payload: TopicPayload<T>) => void): () => void {
  return bridge.subscribe(topic, listener);
}

export const isElectron = Boolean(window.chronicle);
