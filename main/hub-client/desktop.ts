// The desktop app connected to a team hub: which hub (kept across restarts), its personal token kept encrypted
// (the at-rest helper's AES-GCM under a data key that the OS keychain wraps, Electron's safeStorage passed in as
// an `Encrypter`), and the routing of each window's calls and pushes: to the hub while connected, to the local
// workspace otherwise. Electron-free, so it runs and is tested under plain Node; main/index.ts only wires it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { methods, type ErrorBody } from '../../preload/contract.ts';
import type { Connection } from '../../preload/contract/connection.ts';
import { loadDataKey, seal, unseal, type Encrypter } from '../crypto/at-rest.ts';
import type { RpcResult } from '../rpc.ts';
import { HubClient, hubOrigin } from './client.ts';
import { hubBackend, type HubBackend } from './forward.ts';
import { checkArrivedBundle, OfflineCopies } from './offline.ts';

type ConnectionState = z.output<typeof Connection>;

/** The contract's `{ code: 'invalid_input', message, issues }` for input answered here rather than by `invoke`. */
function invalidInput(error: z.ZodError): ErrorBody {
  const issues = error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: i.message }));
  const first = issues[0];
  return { code: 'invalid_input', message: `The request was not valid (${first && first.path.length ? `${first.path.join('.')}: ` : ''}${first?.message ?? 'invalid'}).`, issues };
}

const KEY_FILE = 'hub-token.key';
const STATE_FILE = 'hub-connection.json';

interface StoredConnection {
  v: 1;
  url: string;
  /** The personal token, sealed with the data key in KEY_FILE. */
  token: string;
}

/** The hub's address and its token on disk: the token only ever sealed, both files mode 0600. */
export class HubCredentials {
  constructor(
    private readonly dir: string,
    private readonly encrypter: Encrypter | null,
  ) {}

  private key(): Buffer {
    return loadDataKey(this.dir, KEY_FILE, { create: true, encrypter: this.encrypter });
  }

  save(url: string, token: string): void {
    const stored: StoredConnection = { v: 1, url, token: seal(this.key(), Buffer.from(token, 'utf8')) };
    fs.mkdirSync(this.dir, { recursive: true });
    const file = path.join(this.dir, STATE_FILE);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(stored), { mode: 0o600 });
    fs.renameSync(tmp, file);
  }

  load(): { url: string; token: string } | null {
    const file = path.join(this.dir, STATE_FILE);
    if (!fs.existsSync(file)) return null;
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as StoredConnection;
    return { url: stored.url, token: unseal(this.key(), stored.token).toString('utf8') };
  }

  clear(): void {
    fs.rmSync(path.join(this.dir, STATE_FILE), { force: true });
  }
}

export interface DesktopHubOptions {
  credentials: HubCredentials;
  /** Extra CA certificate(s) for hubs (PEM), e.g. from CHRONICLE_HUB_CA. */
  ca?: string | Buffer;
  log?: (line: string) => void;
  /** Where offline review copies are kept (one per hub account). */
  offlineDir: string;
  /** Open a review bundle read-only (the shell: a window of its own). */
  openBundle: (file: string) => Promise<void>;
  /** Tests shorten the read retries. */
  readRetryDelaysMs?: number[];
}

type Send = (topic: string, payload: unknown) => void;

export class DesktopHub {
  private backend: HubBackend | null = null;
  private hubClient: HubClient | null = null;
  private readonly offline: OfflineCopies;
  private readonly windows = new Map<string, { send: Send; stop: (() => void) | null }>();
  private readonly instance = crypto.randomBytes(6).toString('hex');

  constructor(private readonly opts: DesktopHubOptions) {
    this.offline = new OfflineCopies(opts.offlineDir);
  }

  get connected(): boolean {
    return this.backend !== null;
  }

  /** At start: reconnect to the hub saved last time, if any. A saved token that cannot be read is dropped with a line. */
  restore(): void {
    let saved: { url: string; token: string } | null = null;
    try {
      saved = this.opts.credentials.load();
    } catch (err) {
      this.opts.log?.(`Chronicle: the saved team hub connection cannot be read (${(err as Error).message}); connect again.`);
    }
    if (saved) this.use(saved.url, saved.token);
  }

  /** The hub's session id for a window: stable for the window, unique to this app run. */
  private sessionOf(windowKey: string): string {
    return `desk${this.instance}${windowKey}`.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64);
  }

  private client(url: string, token: string): HubClient {
    return new HubClient({ url, token, ca: this.opts.ca, log: this.opts.log, readRetryDelaysMs: this.opts.readRetryDelaysMs });
  }

  private use(url: string, token: string): void {
    const previous = this.backend;
    this.hubClient = this.client(url, token);
    this.backend = hubBackend(this.hubClient);
    for (const [key, w] of this.windows) {
      w.stop?.();
      w.stop = this.backend.openStream(this.sessionOf(key), this.relay(key, w.send));
    }
    void previous?.close();
  }

  private state(windowKey: string): ConnectionState {
    if (!this.backend || !this.hubClient) return { hub: null };
    const state = this.backend.connection(this.sessionOf(windowKey));
    const copy = this.offline.get(this.hubClient.origin, state.hub?.account?.id);
    if (state.hub && copy) {
      const { file: _file, ...shown } = copy;
      state.hub.offline = shown;
    }
    return state;
  }

  /** Download for offline review: fetch, verify on arrival, keep as this hub account's copy, open it. */
  async downloadOffline(windowKey: string, input: { from?: string; to?: string }): Promise<RpcResult> {
    const client = this.hubClient;
    if (!client) return { ok: false, error: { code: 'invalid_input', message: 'Connect to a team hub first: offline copies are downloaded from a hub.' } };
    const sid = this.sessionOf(windowKey);
    const session = await client.call('session.get', {}, sid);
    if (!session.ok) return session;
    const info = await client.call('audit.bundleInfo', {}, sid);
    if (!info.ok) return info;
    const account = (session.result as { account: { id: string } }).account;
    const hubKey = (info.result as { workspaceKey: { fingerprint: string } | null }).workspaceKey;
    if (!hubKey) return { ok: false, error: { code: 'conflict', message: `The hub at ${client.origin} names no signing key, so a bundle from it cannot be verified.` } };
    const partial = this.offline.partialFile(client.origin, account.id);
    const got = await client.downloadBundle(sid, input, partial);
    if (!got.ok) return got;
    const check = await checkArrivedBundle(partial, { fingerprint: hubKey.fingerprint, accountId: account.id });
    if (!check.ok) {
      fs.rmSync(partial, { force: true });
      return { ok: false, error: { code: 'conflict', message: `The bundle from ${client.origin} did not verify and was not kept: ${check.reason}` } };
    }
    this.offline.keep(client.origin, partial, check.copy);
    this.broadcast();
    return { ok: true, result: check.copy };
  }

  /** Open this hub account's offline copy read-only (offered while the hub cannot be reached). */
  async openOffline(windowKey: string): Promise<RpcResult> {
    const state = this.state(windowKey);
    const copy = this.hubClient ? this.offline.get(this.hubClient.origin, state.hub?.account?.id) : null;
    if (!copy) return { ok: false, error: { code: 'not_found', message: 'No offline copy of this hub account has been downloaded yet (Settings → Team hub → Download for offline review).' } };
    // Checked again before it opens: the file may have been changed since it arrived.
    const again = await checkArrivedBundle(copy.file, { fingerprint: copy.fingerprint, accountId: copy.account.id });
    if (!again.ok) return { ok: false, error: { code: 'conflict', message: `The offline copy no longer verifies and was not opened: ${again.reason}` } };
    await this.opts.openBundle(copy.file);
    return { ok: true, result: { opened: true } };
  }

  /** Check the token with the hub, then keep it (sealed) and forward every window to that hub. */
  async connect(windowKey: string, url: string, token: string): Promise<RpcResult> {
    let origin: string;
    try {
      origin = hubOrigin(url);
    } catch (err) {
      return { ok: false, error: { code: 'invalid_input', message: (err as Error).message, issues: [{ path: ['url'], message: (err as Error).message }] } };
    }
    const trial = this.client(origin, token);
    const answer = await trial.call('session.get', {}, this.sessionOf(windowKey));
    await trial.close();
    if (!answer.ok) return answer;
    this.opts.credentials.save(origin, token.trim());
    this.use(origin, token.trim());
    await this.backend!.invoke(this.sessionOf(windowKey), 'connection.get', {});
    this.broadcast();
    return { ok: true, result: this.state(windowKey) };
  }

  disconnect(): RpcResult {
    this.opts.credentials.clear();
    const previous = this.backend;
    this.backend = null;
    this.hubClient = null;
    for (const w of this.windows.values()) {
      w.stop?.();
      w.stop = null;
    }
    void previous?.close();
    this.broadcast();
    return { ok: true, result: { hub: null } };
  }

  private broadcast(): void {
    for (const [key, w] of this.windows) w.send('connection.changed', this.state(key));
  }

  /**
   * One window's call: the connection methods are answered here; everything else goes to the hub while
   * connected, else to `local` (the workspace's own `invoke`).
   */
  async invoke(windowKey: string, method: string, input: unknown, local: () => Promise<RpcResult>): Promise<RpcResult> {
    if (method === 'connection.connect') {
      const parsed = methods['connection.connect'].input.safeParse(input ?? {});
      if (!parsed.success) return { ok: false, error: invalidInput(parsed.error) };
      return this.connect(windowKey, parsed.data.url, parsed.data.token);
    }
    if (method === 'connection.disconnect') return this.disconnect();
    if (method === 'connection.downloadOffline') {
      const parsed = methods['connection.downloadOffline'].input.safeParse(input ?? {});
      if (!parsed.success) return { ok: false, error: invalidInput(parsed.error) };
      if (parsed.data.from && parsed.data.to && Date.parse(parsed.data.from) > Date.parse(parsed.data.to)) {
        return { ok: false, error: { code: 'invalid_input', message: 'The start of the range is after its end.', issues: [{ path: ['from'], message: 'after the end of the range' }] } };
      }
      return this.downloadOffline(windowKey, parsed.data);
    }
    if (method === 'connection.openOffline') return this.openOffline(windowKey);
    if (method === 'connection.get' && this.backend) {
      const answer = await this.backend.invoke(this.sessionOf(windowKey), method, input);
      return answer.ok ? { ok: true, result: this.state(windowKey) } : answer;
    }
    if (!this.backend) return local();
    return this.backend.invoke(this.sessionOf(windowKey), method, input);
  }

  /** The hub's pushes as they are; a change of reachability as this app's whole state (its offline copy included). */
  private relay(windowKey: string, send: Send): Send {
    return (topic, payload) => send(topic, topic === 'connection.changed' ? this.state(windowKey) : payload);
  }

  /** A window opened: while connected it receives the hub's pushes (and `connection.changed`). */
  attachWindow(windowKey: string, send: Send): () => void {
    const entry = { send, stop: this.backend ? this.backend.openStream(this.sessionOf(windowKey), this.relay(windowKey, send)) : null };
    this.windows.set(windowKey, entry);
    return () => {
      entry.stop?.();
      this.windows.delete(windowKey);
    };
  }

  async close(): Promise<void> {
    for (const w of this.windows.values()) w.stop?.();
    this.windows.clear();
    await this.backend?.close();
    this.backend = null;
    this.hubClient = null;
  }
}
