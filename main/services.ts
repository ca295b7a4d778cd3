// Background services of the areas (job runner, webhook dispatcher, …), started with a workspace and stopped
// with it. Each area adds one start/stop pair here.
import type { AppServices } from './handlers/types.ts';
import { pushRelayService } from './push-relay.ts';
import { storageChecksService, type StorageCheckOptions } from './storage/service.ts';
import { jobsService } from './webhooks/service.ts';

export interface ServiceOptions {
  /** Start long-running background work (off for one-shot CLI commands and some tests). */
  background: boolean;
  nativeBinding?: string;
  /** When the workspace file's integrity checks run (false: never, e.g. tests that damage the file themselves). */
  storageChecks?: StorageCheckOptions | false;
}

type Service = { name: string; start(app: AppServices, opts: ServiceOptions): void | Promise<void>; stop(app: AppServices): void | Promise<void> };

export const services: Service[] = [storageChecksService, jobsService, pushRelayService];

export async function startAreaServices(app: AppServices, opts: ServiceOptions): Promise<void> {
  for (const s of services) await s.start(app, opts);
}

export async function stopAreaServices(app: AppServices): Promise<void> {
  for (const s of [...services].reverse()) {
    try {
      await s.stop(app);
    } catch (err) {
      console.error(`[services] stopping ${s.name} failed:`, err);
    }
  }
}
