// The job runner in a worker thread: its own store connection (SQLite: its own connection with
// synchronous=NORMAL; PostgreSQL: its own small pool), off the UI/host thread. Pushes are forwarded to the main
// thread, which publishes them on app.push.
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../../db/open.ts';
import { setSignalOrigin } from '../../db/signals.ts';
import type { TopicName } from '../../preload/contract.ts';
import { JobRunner } from './runner.ts';

export interface WorkerData {
  location: string;
  dataDir: string;
  /** The parent process's signal origin: messages this runner commits are already published by the parent. */
  origin: string;
  nativeBinding?: string;
  config: Record<string, unknown>;
  concurrency?: number;
  /** Queues to work (default: all). */
  queues?: string[] | null;
  pollMs?: number;
  staleMs?: number;
  heartbeatMs?: number;
}

export type ToWorker = { type: 'wake' } | { type: 'stop' };
export type FromWorker =
  | { type: 'ready'; workerId: string }
  | { type: 'failed'; message: string }
  | { type: 'publish'; accountId: string; topic: TopicName; payload: unknown }
  | { type: 'log'; message: string }
  | { type: 'stopped' };

const data = workerData as WorkerData;
const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);
setSignalOrigin(data.origin);

try {
  const store = await openStore(data.location, { nativeBinding: data.nativeBinding, migrate: false, synchronous: 'normal', poolSize: 4, applicationName: 'chronicle-dispatcher' });
  const runner = new JobRunner({
    store,
    dataDir: data.dataDir,
    config: data.config,
    concurrency: data.concurrency,
    queues: data.queues ?? null,
    pollMs: data.pollMs,
    staleMs: data.staleMs,
    heartbeatMs: data.heartbeatMs,
    publish: (accountId, topic, payload) => post({ type: 'publish', accountId, topic, payload }),
    log: (message) => post({ type: 'log', message }),
  });
  await runner.start();
  post({ type: 'ready', workerId: runner.workerId });

  port.on('message', (m: ToWorker) => {
    if (m.type === 'wake') runner.wake();
    else if (m.type === 'stop') {
      void runner.stop().then(async () => {
        await store.close();
        post({ type: 'stopped' });
        port.close();
      });
    }
  });
} catch (err) {
  post({ type: 'failed', message: (err as Error).message });
  port.close();
}
