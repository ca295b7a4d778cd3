// The webhooks/jobs background service on the main thread: the secret box handlers use, and the job runner in a
// worker thread (its own connection) that the app and `chronicle serve` start when `background` is true.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { signalOrigin } from '../../db/signals.ts';
import type { AppServices } from '../handlers/types.ts';
import type { ServiceOptions } from '../services.ts';
import type { FromWorker, ToWorker, WorkerData } from '../jobs/worker.ts';
import { openDataKey, type DataKeyStatus } from '../crypto/key-guard.ts';
import { jobKinds } from '../jobs/kinds.ts';
import { sealClearHeaders } from './headers.ts';
import { SecretBox, webhookKeySpec, type Encrypter } from './secrets.ts';
import { WEBHOOKS_QUEUE } from './deliver.ts';
import { onStorageDamage } from '../storage/health.ts';

/** Every queue but the webhooks one (what a hub process without the webhook key works). */
const otherQueues = () => [...new Set(Object.values(jobKinds).map((k) => k.queue))].filter((q) => q !== WEBHOOKS_QUEUE);

let injectedEncrypter: Encrypter | null = null;

/** main/index.ts injects Electron's safeStorage here; under plain Node the key file alone protects secrets. */
export function setSecretEncrypter(encrypter: Encrypter | null): void {
  injectedEncrypter = encrypter;
}

export interface WebhooksService {
  /** The webhook data key, null when this process has no usable one (see `keyStatus`). */
  key: Buffer | null;
  /** Seals and opens secrets; without a usable key every use is refused with the key's sentence. */
  box: SecretBox;
  /** What main/crypto/key-guard.ts found: the key, or why it cannot be used. */
  keyStatus: DataKeyStatus;
  worker: Worker | null;
  workerId: string | null;
  /** Ask the dispatcher to look for work now (after a commit that enqueued jobs). */
  wake(): void;
}

const bundleHasNoWebhooks = 'A review bundle holds no webhooks (no endpoints, no secrets).';

/**
 * Check the workspace's webhook data key (never making one over sealed rows), seal custom headers still in clear,
 * and hang the service on the app. Runs once per open workspace, before anything uses the service.
 */
export async function openWebhooksService(app: AppServices): Promise<WebhooksService> {
  const existing = app.services.webhooks as WebhooksService | undefined;
  if (existing) return existing;
  const keyStatus: DataKeyStatus = app.readOnly
    ? { name: 'webhook-secrets', label: webhookKeySpec.label, state: 'unused', file: path.join(app.dataDir, webhookKeySpec.fileName), key: null, found: null, expected: null, sentence: null }
    : await openDataKey(app.store, app.dataDir, webhookKeySpec, { encrypter: injectedEncrypter });
  const box = new SecretBox(keyStatus.key, {
    unavailable: keyStatus.sentence ?? (app.readOnly ? bundleHasNoWebhooks : undefined),
    keyName: `the webhook secrets key in ${keyStatus.file}${keyStatus.found ? ` (key fingerprint ${keyStatus.found})` : ''}`,
  });
  if (keyStatus.state === 'ok' && !app.readOnly) {
    const sealed = await sealClearHeaders(app.store, box);
    if (sealed.endpoints) {
      console.error(`[webhooks] sealed the custom header values of ${sealed.endpoints} endpoint(s) and redacted them in ${sealed.attempts} logged attempt(s)${sealed.scrubbed ? '' : '; the old file pages go at the next checkpoint'}.`);
    }
  }
  const created: WebhooksService = {
    key: keyStatus.key,
    box,
    keyStatus,
    worker: null,
    workerId: null,
    wake: () => created.worker?.postMessage({ type: 'wake' } satisfies ToWorker),
  };
  app.services.webhooks = created;
  return created;
}

/** The service of an open workspace (opened by the jobs service when the workspace opens). */
export function webhooksService(app: AppServices): WebhooksService {
  const svc = app.services.webhooks as WebhooksService | undefined;
  if (!svc) throw new Error('The webhooks service is used before the workspace finished opening.');
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
    const svc = await openWebhooksService(app);
    if (svc.keyStatus.sentence) console.error(`Chronicle: ${svc.keyStatus.sentence}`);
    if (!opts.background || app.readOnly) return;
    const { url, execArgv } = workerUrl();
    const data: WorkerData = {
      location: app.connectTo,
      dataDir: app.dataDir,
      origin: signalOrigin(),
      nativeBinding: opts.nativeBinding,
      config: { webhooks: svc.key ? { secretKey: svc.key.toString('base64') } : { keyProblem: svc.keyStatus.sentence } },
      // On a hub, a process without the right key leaves deliveries to the dispatchers that have it (they would
      // fail here); on a file, nothing else could send them, so they end failed with the key's sentence.
      queues: svc.key || app.local ? null : otherQueues(),
    };
    const worker = new Worker(url, { workerData: data, execArgv, name: 'chronicle-jobs' });
    svc.worker = worker;
    // Nothing more is written on top of a damaged file (main/storage/health.ts): the dispatcher stops.
    onStorageDamage(app, () => jobsService.stop(app));
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
