import { openStore, type OpenOptions } from '../db/open.ts';
import { isHubLocation, redactLocation, type Store } from '../db/store.ts';
import { workspaceCreator } from '../db/people.ts';
import { defaultDataDir } from './data-dir.ts';
import type { AppServices } from './handlers/types.ts';
import { PushBus } from './push.ts';
import type { Session } from './session.ts';
import { startAreaServices, stopAreaServices } from './services.ts';
import type { StorageCheckOptions } from './storage/service.ts';

export interface AppOptions extends OpenOptions {
  /** A SQLite file path, or a postgres:// URL of a hub. */
  location: string;
  /** Folder for key files; see main/data-dir.ts. */
  dataDir?: string;
  /** Start background work (job runner, webhook dispatcher). Off for one-shot CLI commands and some tests. */
  background?: boolean;
  /** When the file's integrity checks run (main/storage/service.ts); false: not at all. */
  storageChecks?: StorageCheckOptions | false;
}

export interface App extends AppServices {
  defaultSession(): Promise<Session | null>;
  close(): Promise<void>;
}

/** Open a workspace and its services. Both the Electron shell and the browser host start here. */
export async function createApp(options: AppOptions): Promise<App> {
  const store = await openStore(options.location, options);
  const app: App = {
    store,
    push: new PushBus(),
    location: redactLocation(options.location),
    connectTo: options.location,
    local: !isHubLocation(options.location),
    readOnly: options.readonly ?? false,
    dataDir: options.dataDir ?? defaultDataDir(options.location),
    services: {},
    defaultSession: () => defaultSession(store),
    close: async () => {
      await stopAreaServices(app);
      await store.close();
    },
  };
  try {
    await startAreaServices(app, { background: options.background ?? true, nativeBinding: options.nativeBinding, storageChecks: options.storageChecks });
  } catch (err) {
    await app.close();
    throw err;
  }
  return app;
}

/**
 * Who a new local window or connection acts as: the person who created the workspace (the first owner of its
 * oldest account; in a demo, the demo's owner). A hub's connections act as their token's person instead.
 */
export async function defaultSession(store: Store): Promise<Session | null> {
  return (await workspaceCreator(store)) ?? null;
}
