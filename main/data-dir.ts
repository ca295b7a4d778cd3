// Where a workspace keeps its key files (webhook data key, audit signing key).
//
// A file workspace keeps them beside the file. A hub has no folder of its own: every process that serves or
// dispatches for it needs the same data key, so the folder is given (--data-dir, CHRONICLE_DATA_DIR) or defaults
// to one per hub under the user's data folder; copying that folder to each dispatcher machine is how the key
// travels (the key's fingerprint is kept in the database, so a process with another key says so).
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { isHubLocation } from '../db/store.ts';

export function defaultDataDir(location: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.CHRONICLE_DATA_DIR) return path.resolve(env.CHRONICLE_DATA_DIR);
  if (!isHubLocation(location)) return path.dirname(path.resolve(location));
  const u = new URL(location);
  const id = `${u.hostname || 'local'}-${u.port || '5432'}-${u.pathname.slice(1) || 'db'}`.replace(/[^A-Za-z0-9._-]/g, '_');
  const digest = crypto.createHash('sha256').update(`${u.username}@${u.host}${u.pathname}`).digest('hex').slice(0, 8);
  const base = env.XDG_DATA_HOME ?? (process.platform === 'win32' ? env.APPDATA ?? os.homedir() : path.join(os.homedir(), '.local', 'share'));
  return path.join(base, 'chronicle', 'hubs', `${id}-${digest}`);
}
