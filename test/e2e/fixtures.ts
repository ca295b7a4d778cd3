// Starts `chronicle serve` (the real CLI, the real built renderer) on a fresh SQLite file for a test file.
import { test as base, expect } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

export interface Server {
  url: string;
  base: string;
  token: string;
  dbFile: string;
  /** Call a contract method over HTTP (its own session). */
  api(method: string, input?: unknown, session?: string): Promise<any>;
  stop(): Promise<void>;
}

export async function startServer(opts: { demo?: boolean; args?: string[]; dbFile?: string } = {}): Promise<Server> {
  const dbFile = opts.dbFile ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'chronicle-e2e-')), 'workspace.db');
  const args = ['main/bin/chronicle.mjs', 'serve', '--db', dbFile, '--port', '0', ...(opts.demo === false ? [] : ['--demo']), ...(opts.args ?? [])];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`chronicle serve exited with ${code}: ${stderr}`)));
  });
  const u = new URL(url);
  const token = u.searchParams.get('token')!;
  const base = u.origin;
  return {
    url,
    base,
    token,
    dbFile,
    async api(method, input = {}, session = 'e2e-api-session') {
      const res = await fetch(`${base}/api/${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-chronicle-session': session },
        body: JSON.stringify(input),
      });
      const body = await res.json();
      if (!res.ok) throw new Error(`${method}: ${res.status} ${JSON.stringify(body)}`);
      return body;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** A test with a demo-workspace server per worker. */
export const test = base.extend<{}, { server: Server }>({
  server: [
    async ({}, use) => {
      const server = await startServer();
      await use(server);
      await server.stop();
    },
    { scope: 'worker' },
  ],
});

export { expect };
