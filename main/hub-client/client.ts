// A desktop's (or a local browser host's) line to a remote team hub: each contract call is POSTed to the hub's
// API with the personal token in the Authorization header, and the hub's push stream is read with the same
// header. undici verifies the hub's certificate (a throwaway CA can be added with `ca`, never switched off).
//
// When the hub cannot be reached, nothing is queued: reads are retried a few times and then answer
// `hub_unreachable`; writes are never retried (a write that may have reached the hub must not run twice) and
// answer `hub_unreachable` with a sentence saying whether the change was sent.
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Agent, fetch, type Response } from 'undici';
import { isMethodName, methods, type ErrorBody } from '../../preload/contract.ts';
import type { RpcResult } from '../rpc.ts';

export interface HubClientOptions {
  /** The hub's address (its origin; a path or query is ignored). http:// only for loopback. */
  url: string;
  token: string;
  /** Extra CA certificate(s) to trust for this hub (PEM), e.g. a company's or a test's throwaway CA. */
  ca?: string | Buffer;
  /** Waits between the attempts of a read (default 250 ms, 1 s, 2 s: four attempts). */
  readRetryDelaysMs?: number[];
  /** How long one call may take before it counts as unreachable (default 30 s). */
  timeoutMs?: number;
  /** A push stream silent this long has lost its hub (default 45 s: the hub pings every 15 s). */
  streamSilenceMs?: number;
  log?: (line: string) => void;
}

export interface Reachability {
  reachable: boolean;
  since: string;
  problem?: string;
}

/** Network errors raised before a single byte of the request could have reached the hub. */
const notSentCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'ECONNABORTED']);
const tlsCodes = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|DEPTH_ZERO/;

interface Failure {
  /** The request certainly did not reach the hub. */
  notSent: boolean;
  sentence: string;
}

function describeFailure(err: unknown, origin: string): Failure {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (err as { code?: string })?.code ?? '';
  if (tlsCodes.test(code)) return { notSent: true, sentence: `The hub at ${origin} presented a certificate this machine does not trust (${code}).` };
  if ((err as Error)?.name === 'TimeoutError') return { notSent: false, sentence: `The hub at ${origin} did not answer in time.` };
  if (notSentCodes.has(code)) return { notSent: true, sentence: `The hub at ${origin} cannot be reached (${code}).` };
  return { notSent: false, sentence: `The connection to the hub at ${origin} failed (${code || cause?.message || (err as Error)?.message || 'unknown error'}).` };
}

export function hubOrigin(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`The hub address “${text}” is not a URL (for example https://hub.example.com:8443).`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`The hub address must start with https://, got “${url.protocol}”.`);
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol === 'http:' && !loopback) throw new Error(`The hub at ${url.origin} must be reached over https:// (a personal token never crosses a network in clear text).`);
  return url.origin;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

export class HubClient {
  readonly origin: string;
  private readonly token: string;
  private readonly agent: Agent;
  private readonly retryDelays: number[];
  private readonly timeoutMs: number;
  private readonly silenceMs: number;
  private readonly log: (line: string) => void;
  private state: Reachability = { reachable: true, since: new Date().toISOString() };
  private readonly listeners = new Set<(state: Reachability) => void>();
  private closed = false;

  constructor(opts: HubClientOptions) {
    this.origin = hubOrigin(opts.url);
    this.token = opts.token.trim();
    this.agent = new Agent({ connect: opts.ca ? { ca: opts.ca } : {} });
    this.retryDelays = opts.readRetryDelaysMs ?? [250, 1000, 2000];
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.silenceMs = opts.streamSilenceMs ?? 45_000;
    this.log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  get reachability(): Reachability {
    return this.state;
  }

  onReachability(fn: (state: Reachability) => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  private setReachable(reachable: boolean, problem?: string) {
    if (this.state.reachable === reachable && this.state.problem === problem) return;
    const changed = this.state.reachable !== reachable;
    this.state = { reachable, since: changed ? new Date().toISOString() : this.state.since, ...(problem ? { problem } : {}) };
    if (changed) this.log(reachable ? `Chronicle: the hub at ${this.origin} can be reached again.` : `Chronicle: ${problem}`);
    for (const fn of this.listeners) fn(this.state);
  }

  private headers(sessionId: string | undefined): Record<string, string> {
    return {
      authorization: `Bearer ${this.token}`,
      ...(sessionId ? { 'x-chronicle-session': sessionId } : {}),
    };
  }

  /** One contract call on the hub, answered as `invoke` answers (the hub's own `{ code, message }` on refusal). */
  async call(method: string, input: unknown, sessionId?: string): Promise<RpcResult> {
    const isRead = isMethodName(method) && !('write' in methods[method] && methods[method].write);
    const attempts = isRead ? this.retryDelays.length + 1 : 1;
    let failure: Failure | null = null;
    for (let attempt = 0; attempt < attempts && !this.closed; attempt++) {
      if (attempt > 0) await sleep(this.retryDelays[attempt - 1]!);
      let res: Response;
      try {
        res = await fetch(`${this.origin}/api/${encodeURIComponent(method)}`, {
          method: 'POST',
          dispatcher: this.agent,
          headers: { 'content-type': 'application/json', ...this.headers(sessionId) },
          body: JSON.stringify(input ?? {}),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (err) {
        failure = describeFailure(err, this.origin);
        this.setReachable(false, failure.sentence);
        continue;
      }
      const body = (await res.json().catch(() => null)) as { error?: ErrorBody } | null;
      if (body === null && res.status >= 500) {
        // A proxy in front of a hub that is down answers 502/503 without Chronicle's JSON.
        failure = { notSent: res.status === 502 || res.status === 503, sentence: `The hub at ${this.origin} is not answering (its proxy said ${res.status}).` };
        this.setReachable(false, failure.sentence);
        continue;
      }
      this.setReachable(true);
      if (res.ok) return { ok: true, result: body };
      if (res.status === 401) {
        // Not `unauthorized`: that is what a local page hears when its own (local) token is wrong.
        return { ok: false, error: { code: 'hub_token_refused', message: `The hub at ${this.origin} did not accept the personal token: it may have been revoked or mistyped.` } };
      }
      return { ok: false, error: body?.error ?? { code: 'internal', message: `The hub at ${this.origin} answered ${res.status}.` } };
    }
    const sentence = failure?.sentence ?? `The hub at ${this.origin} cannot be reached.`;
    if (isRead) return { ok: false, error: { code: 'hub_unreachable', message: `${sentence} Tried ${attempts} times; the page will try again when it is back.` } };
    const outcome = failure?.notSent
      ? 'The change was not sent and nothing was kept to send later: make it again once the hub is back.'
      : 'Chronicle cannot tell whether the hub applied the change; nothing was kept to send later: check before making it again.';
    return { ok: false, error: { code: 'hub_unreachable', message: `${sentence} ${outcome}` } };
  }

  /** Download the session account's signed review bundle (GET /api/audit.bundle) into `toFile`. */
  async downloadBundle(sessionId: string | undefined, range: { from?: string; to?: string }, toFile: string): Promise<{ ok: true } | { ok: false; error: ErrorBody }> {
    const query = new URLSearchParams(Object.entries(range).filter(([, v]) => v) as [string, string][]);
    let res: Response;
    try {
      res = await fetch(`${this.origin}/api/audit.bundle?${query}`, { dispatcher: this.agent, headers: this.headers(sessionId), signal: AbortSignal.timeout(10 * this.timeoutMs) });
    } catch (err) {
      const f = describeFailure(err, this.origin);
      this.setReachable(false, f.sentence);
      return { ok: false, error: { code: 'hub_unreachable', message: `${f.sentence} No bundle was downloaded.` } };
    }
    this.setReachable(true);
    if (!res.ok || !res.body) {
      const body = (await res.json().catch(() => null)) as { error?: ErrorBody } | null;
      if (res.status === 401) return { ok: false, error: { code: 'hub_token_refused', message: `The hub at ${this.origin} did not accept the personal token.` } };
      return { ok: false, error: body?.error ?? { code: 'internal', message: `The hub at ${this.origin} answered ${res.status} to the bundle download.` } };
    }
    try {
      await pipeline(Readable.fromWeb(res.body as never), fs.createWriteStream(toFile, { mode: 0o600 }));
    } catch (err) {
      fs.rmSync(toFile, { force: true });
      return { ok: false, error: { code: 'hub_unreachable', message: `The bundle download from ${this.origin} broke off (${(err as Error).message}); nothing was kept.` } };
    }
    return { ok: true };
  }

  /**
   * Relay the hub's push stream (GET /api/events, the token in the header) for one session until stopped,
   * reconnecting with a growing pause while the hub is away. `onOpen` runs on every (re)connection.
   */
  stream(sessionId: string | undefined, send: (topic: string, payload: unknown) => void, onOpen?: () => void): () => void {
    let stopped = false;
    let current: AbortController | null = null;
    let refusalLogged = false;
    const run = async () => {
      let pause = 250;
      while (!stopped && !this.closed) {
        const controller = new AbortController();
        current = controller;
        // The hub writes a ping every 15 s: a stream silent for longer (45 s by default) has lost its hub without a close (a cut
        // network, a sleeping laptop), so it is dropped and opened again.
        let silence: NodeJS.Timeout | undefined;
        const heard = () => {
          clearTimeout(silence);
          silence = setTimeout(() => controller.abort(new Error('the hub went silent')), this.silenceMs);
          silence.unref();
        };
        try {
          heard();
          const res = await fetch(`${this.origin}/api/events`, { dispatcher: this.agent, headers: { accept: 'text/event-stream', ...this.headers(sessionId) }, signal: controller.signal });
          if (res.status === 401) {
            this.setReachable(true);
            if (!refusalLogged) this.log(`Chronicle: the hub at ${this.origin} refused the personal token for its event stream.`);
            refusalLogged = true;
          } else if (!res.ok || !res.body) {
            this.setReachable(false, `The hub at ${this.origin} is not streaming updates (it answered ${res.status}).`);
          } else {
            this.setReachable(true);
            refusalLogged = false;
            pause = 250;
            onOpen?.();
            await readEvents(res.body as unknown as AsyncIterable<Uint8Array>, send, heard);
            if (!stopped) this.setReachable(false, `The connection to the hub at ${this.origin} was closed.`);
          }
        } catch (err) {
          if (stopped) return;
          this.setReachable(false, controller.signal.aborted ? `The hub at ${this.origin} stopped answering (no update or ping for ${this.silenceMs / 1000} s).` : describeFailure(err, this.origin).sentence);
        } finally {
          clearTimeout(silence);
        }
        if (stopped) return;
        await sleep(pause);
        pause = Math.min(pause * 2, 5_000);
      }
    };
    void run();
    return () => {
      stopped = true;
      current?.abort();
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.agent.close().catch(() => {});
  }
}

/** Server-Sent Events frames (`event:` / `data:` lines, a blank line ends a frame), as they arrive. */
async function readEvents(body: AsyncIterable<Uint8Array>, send: (topic: string, payload: unknown) => void, heard: () => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    heard();
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let topic = '';
      const data: string[] = [];
      for (const line of frame.split('\n')) {
        if (line.startsWith('event: ')) topic = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (!topic || data.length === 0) continue;
      try {
        send(topic, JSON.parse(data.join('\n')));
      } catch {
        // A frame that is not JSON is not a Chronicle push: skipped.
      }
    }
  }
}
