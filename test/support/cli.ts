// The `chronicle` command line spawned as a real process (node main/bin/chronicle.mjs), for tests.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const chronicleBin = path.join(repoRoot, 'main/bin/chronicle.mjs');

export interface CliResult { code: number | null; stdout: string; stderr: string }

/** Run `chronicle ARGS` to its end (killed after `timeoutMs`). */
export function runChronicle(args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [chronicleBin, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`chronicle ${args.join(' ')} timed out:\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Start `chronicle ARGS` and leave it running (the caller stops it). */
export function startChronicle(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, [chronicleBin, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return { child, output: () => ({ stdout, stderr }) };
}

/** No stack trace or source path in what a person reads. */
export const hasNoStack = (text: string) => !/\n\s+at |\.ts:\d+|node:internal/.test(text);

/** SIGTERM a child and wait for it to exit (at once if it already has). */
export function stopChild(c: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
  });
}

/**
 * `chronicle serve ARGS`, left running: resolves once it printed its URL (with the token it made, if any), or
 * rejects with what it wrote to stderr if it exits first. `children` collects it for the test's clean-up (stopChild).
 */
export async function serveChronicle(args: string[], children: ChildProcess[]) {
  const child = spawn(process.execPath, [chronicleBin, 'serve', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  const url = new URL(line);
  return { child, url, token: url.searchParams.get('token'), stderr: () => stderr };
}

/** A host's server-sent events (`GET url` with `headers`), frames as they arrive, until `close()`. */
export async function eventStream(url: string, headers: Record<string, string>) {
  const seen: { topic: string; data: any }[] = [];
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal, headers });
  if (res.status !== 200) throw new Error(`event stream: ${res.status} ${await res.text()}`);
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let i: number;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const topic = /^event: (.+)$/m.exec(frame)?.[1];
          const data = /^data: (.+)$/m.exec(frame)?.[1];
          if (topic && data) seen.push({ topic, data: JSON.parse(data) });
        }
      }
    } catch {
      // aborted
    }
  })();
  return { seen, close: () => controller.abort() };
}
