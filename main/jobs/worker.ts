// The job runner in a worker thread: its own SQLite connection, off the UI/host thread. Pushes are forwarded to
// the main thread, which publishes them on app.push.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../../db/open.ts';
import type { TopicName } from '../../preload/contract.ts';
import { JobRunner } from './runner.ts';

export interface WorkerData {
  dbFile: string;
  dataDir: string;
  nativeBinding?: string;
  config: Record<string, unknown>;
  concurrency?: number;
  pollMs?: number;
  staleMs?: number;
  heartbeatMs?: number;
}

export type ToWorker = { type: 'wake' } | { type: 'stop' };
export type FromWorker =
  | { type: 'ready'; workerId: string }
  | { type: 'publish'; accountId: string; topic: TopicName; payload: unknown }
  | { type: 'log'; message: string }
  | { type: 'stopped' };

const data = workerData as WorkerData;
const port = parentPort!;
const sqlite = openDatabase(data.dbFile, { nativeBinding: data.nativeBinding, migrate: false });
const post = (m: FromWorker) => port.postMessage(m);
const runner = new JobRunner({
  sqlite,
  dataDir: data.dataDir,
  config: data.config,
  concurrency: data.concurrency,
  pollMs: data.pollMs,
  staleMs: data.staleMs,
  heartbeatMs: data.heartbeatMs,
  publish: (accountId, topic, payload) => post({ type: 'publish', accountId, topic, payload }),
  log: (message) => post({ type: 'log', message }),
});
runner.start();
post({ type: 'ready', workerId: runner.workerId });

port.on('message', (m: ToWorker) => {
  if (m.type === 'wake') runner.wake();
  else if (m.type === 'stop') {
    void runner.stop().then(() => {
      sqlite.close();
      post({ type: 'stopped' });
      port.close();
    });
  }
});
