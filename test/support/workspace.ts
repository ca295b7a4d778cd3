// Test fixtures: real SQLite files in a temp folder, a real host on 127.0.0.1.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp, type App } from '../../main/app.ts';
import { seedDemo } from '../../main/demo.ts';
import { startHost, type Host } from '../../main/host/server.ts';
import type { Input, MethodName, Output } from '../../preload/contract.ts';
import { invoke, type SessionSlot } from '../../main/rpc.ts';

export function tempDir(prefix = 'chronicle-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function tempDbFile(): string {
  return path.join(tempDir(), 'workspace.db');
}

/** A workspace app on a fresh file, seeded with the demo by default. Background services off unless asked. */
export async function openTestApp(opts: { demo?: boolean; events?: number; background?: boolean; dbFile?: string } = {}): Promise<App> {
  const app = await createApp({ dbFile: opts.dbFile ?? tempDbFile(), background: opts.background ?? false });
  if (opts.demo ?? true) seedDemo(app.sqlite, { seed: 7, events: opts.events ?? 600 });
  return app;
}

/** Call contract methods in-process through the same `invoke` the transports use; throws on an error body. */
export function caller(app: App, slot: SessionSlot = { session: app.defaultSession() }) {
  const call = async <M extends MethodName>(method: M, input: Input<M>): Promise<Output<M>> => {
    const r = await invoke(app, slot, method, input);
    if (!r.ok) throw Object.assign(new Error(`${method}: ${r.error.code}: ${r.error.message}`), { body: r.error });
    return r.result as Output<M>;
  };
  const raw = (method: string, input: unknown) => invoke(app, slot, method, input);
  return { call, raw, slot };
}

/** A host on 127.0.0.1 and a fetch-based client for it (one session per client). */
export async function openTestHost(app: App, opts: { token?: string; staticDir?: string } = {}) {
  const host = await startHost({ app, port: 0, token: opts.token ?? 'test-token-0123456789', staticDir: opts.staticDir });
  const base = `http://127.0.0.1:${host.port}`;
  const client = (session = Math.random().toString(36).slice(2, 12)) => ({
    post: async (method: string, input: unknown, token: string | null = host.token) => {
      const res = await fetch(`${base}/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-chronicle-session': session, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(input),
      });
      return { status: res.status, body: (await res.json()) as any };
    },
  });
  return { host, base, client };
}
