// The webhooks/jobs background service on the main thread: the secret box handlers use, and the job runner in a
// worker thread (its own connection) that the app and `chronicle serve` start when `background` is true.
import { Worker } from 'node:worker_threads';
import { signalOrigin } from '../../db/signals.ts';
import { AppError } from '../errors.ts';
import type { AppServices } from '../handlers/types.ts';
import type { ServiceOptions } from '../services.ts';
import type { FromWorker, ToWorker, WorkerData } from '../jobs/worker.ts';
import { loadSecretKey, SecretBox, type Encrypter } from './secrets.ts';

let injectedEncrypter: Encrypter | null = null;

/** main/index.ts injects Electron's safeStorage here; under plain Node the key file alone protects secrets. */
export function setSecretEncrypter(encrypter: Encrypter | null): void {
  injectedEncrypter = encrypter;
}

export interface WebhooksService {
  key: Buffer;
  box: SecretBox;
  worker: Worker | null;
  workerId: string | null;
  /** Ask the dispatcher to look for work now (after a commit that enqueued jobs). */
  wake(): void;
}

/**
 * The service of an open workspace (created on first use, also when background work is off). A read-only
 * workspace (a review bundle) has none: it holds no webhooks, and loading the key would create
 * `webhook-secrets.key` beside the bundle.
 */
export function webhooksService(app: AppServices): WebhooksService {
  let svc = app.services.webhooks as WebhooksService | undefined;
  if (!svc) {
    if (app.readOnly) throw new AppError('read_only', 'This workspace is open read-only (a review bundle): it holds no webhooks or their secrets.');
    const key = loadSecretKey(app.dataDir, injectedEncrypter);
    const created: WebhooksService = {
      key,
      box: new SecretBox(key),
      worker: null,
      workerId: null,
      wake: () => created.worker?.postMessage({ type: 'wake' } satisfies ToWorker),
    };
    svc = created;
    app.services.webhooks = svc;
  }
  return svc;
}

function workerUrl(): { url: URL; execArgv?: string[] } {
  // Under tsx/vitest this module is a .ts file: start the .mjs shim that registers tsx. In the Electron build
  // everything is bundled and electron.vite.config.ts emits the worker as out/main/jobs-worker.js.
  if (import.meta.url.endsWith('.ts')) return { url: new URL('../jobs/worker-entry.mjs', import.meta.url) };
  return { url: new URL('./jobs-worker.js', import.meta.url) };
}

const unsubscribers = new WeakMap<AppServices, () => void>();

export const jobsService = {
  name: 'jobs',
  async start(app: AppServices, opts: ServiceOptions): Promise<void> {
    if (app.readOnly) return; // nothing runs on a review bundle, and nothing is written next to it
    const svc = webhooksService(app);
    if (!opts.background) return;
    const { url, execArgv } = workerUrl();
    const data: WorkerData = {
      location: app.connectTo,
      dataDir: app.dataDir,
      origin: signalOrigin(),
      nativeBinding: opts.nativeBinding,
      config: { webhooks: { secretKey: svc.key.toString('base64') } },
    };
    const worker = new Worker(url, { workerData: data, execArgv, name: 'chronicle-jobs' });
    svc.worker = worker;
    // A worker that cannot start must not keep the workspace from opening: the console works without background
    // jobs (the Jobs page says the dispatcher is not running) and `chronicle dispatch` can run them instead.
    await new Promise<void>((resolve) => {
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'ready') {
          svc.workerId = m.workerId;
          resolve();
        } else if (m.type === 'failed') {
          console.error(`[jobs] the job worker could not start; background jobs are not running: ${m.message}`);
          if (svc.worker === worker) svc.worker = null;
          resolve();
        } else if (m.type === 'publish') app.push.publish(m.accountId, m.topic, m.payload as never, 'committed');
        else if (m.type === 'log') console.error(m.message);
      });
      worker.once('error', (err) => {
        console.error('[jobs] the job worker failed; background jobs are not running:', err);
        if (svc.worker === worker) svc.worker = null;
        resolve();
      });
      worker.once('exit', () => {
        if (svc.worker === worker) svc.worker = null;
        resolve();
      });
    });
    // New events enqueue fan-out jobs: wake the dispatcher instead of waiting for its next poll (commits of other
    // processes wake it through the push relay's listener).
    app.services.wakeRunner = () => svc.wake();
    unsubscribers.set(app, app.push.subscribe((_account, topic) => {
      if (topic === 'activity.created') svc.wake();
    }));
  },
  async stop(app: AppServices): Promise<void> {
    unsubscribers.get(app)?.();
    const svc = app.services.webhooks as WebhooksService | undefined;
    const worker = svc?.worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => void worker.terminate().then(() => resolve()), 20_000);
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'stopped') {
          clearTimeout(timer);
          resolve();
        }
      });
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.postMessage({ type: 'stop' } satisfies ToWorker);
    });
    svc.worker = null;
  },
};
