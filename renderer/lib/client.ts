// The typed contract client. In Electron it is the preload's `window.chronicle`; in a browser it speaks the
// host's HTTP API with the token from the page URL. Pages only ever see `api` and `subscribe`.
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

function tokenFromPage(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem('chronicle.token', fromUrl);
    return fromUrl;
  }
  return sessionStorage.getItem('chronicle.token') ?? '';
}

/** One session per tab: the host keeps "current account / person" per session id. */
function sessionId(): string {
  let id = sessionStorage.getItem('chronicle.session');
  if (!id) {
    id = crypto.randomUUID().replace(/-/g, '');
    sessionStorage.setItem('chronicle.session', id);
  }
  return id;
}

function httpBridge(): ChronicleBridge {
  const token = tokenFromPage();
  const session = sessionId();
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  let source: EventSource | null = null;
  const ensureStream = () => {
    if (source) return;
    source = new EventSource(`/api/events?token=${encodeURIComponent(token)}&session=${session}`);
    source.onerror = () => {
      // EventSource reconnects by itself; tell listeners to refetch once it is back.
    };
    source.onopen = () => listeners.get('__reconnected')?.forEach((l) => l({}));
  };
  return {
    async invoke(method, input) {
      let res: Response;
      try {
        res = await fetch(`/api/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-chronicle-session': session },
          body: JSON.stringify(input ?? {}),
        });
      } catch {
        throw new ContractError({ code: 'unavailable', message: 'Chronicle is not reachable. Is `chronicle serve` still running?' });
      }
      const body = await res.json().catch(() => null);
      if (!res.ok) throw new ContractError(body?.error ?? { code: 'internal', message: `The server answered ${res.status}.` });
      return body;
    },
    subscribe(topic, listener) {
      ensureStream();
      let set = listeners.get(topic);
      if (!set) {
        set = new Set();
        listeners.set(topic, set);
        source!.addEventListener(topic, (e) => {
          const data = JSON.parse((e as MessageEvent).data);
          listeners.get(topic)?.forEach((l) => l(data));
        });
      }
      set.add(listener as (p: unknown) => void);
      return () => set!.delete(listener as (p: unknown) => void);
    },
  };
}

const bridge: ChronicleBridge = window.chronicle ?? httpBridge();

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
