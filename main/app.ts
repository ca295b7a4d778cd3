import path from 'node:path';
import { openDatabase, type OpenOptions } from '../db/open.ts';
import * as ws from '../db/workspace.ts';
import type { Sqlite } from '../db/sql.ts';
import type { AppServices } from './handlers/types.ts';
import { PushBus } from './push.ts';
import type { Session } from './session.ts';
import { startAreaServices, stopAreaServices } from './services.ts';

export interface AppOptions extends OpenOptions {
  dbFile: string;
  /** Folder for key files; defaults to the database's folder. */
  dataDir?: string;
  /** Start background work (job runner, webhook dispatcher). Off for one-shot CLI commands and some tests. */
  background?: boolean;
}

export interface App extends AppServices {
  defaultSession(): Session | null;
  close(): Promise<void>;
}

/** Open a workspace and its services. Both the Electron shell and the browser host start here. */
export async function createApp(options: AppOptions): Promise<App> {
  const sqlite = openDatabase(options.dbFile, options);
  const app: App = {
    sqlite,
    push: new PushBus(),
    dbFile: options.dbFile,
    readOnly: options.readonly ?? false,
    dataDir: options.dataDir ?? path.dirname(path.resolve(options.dbFile)),
    services: {},
    defaultSession: () => defaultSession(sqlite),
    close: async () => {
      await stopAreaServices(app);
      sqlite.close();
    },
  };
  await startAreaServices(app, { background: options.background ?? true, nativeBinding: options.nativeBinding });
  return app;
}

/** The first account (by name) and its first owner: who a new window or connection acts as. */
export function defaultSession(sqlite: Sqlite): Session | null {
  const account = ws.listAllAccounts(sqlite)[0];
  if (!account) return null;
  const member = ws.defaultMember(sqlite, account.id);
  return member ? { accountId: account.id, userId: member.user_id } : null;
}
