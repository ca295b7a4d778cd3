import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../app.ts';
import { seedDemo } from '../demo.ts';
import { startHost } from '../host/server.ts';
import { intFlag, parseFlags, requireFlag, UsageError } from './args.ts';

export const serveHelp = `chronicle serve --db FILE|postgres://… [--port N] [--token T] [--demo]   (or --bundle BUNDLE instead of --db)
  Serve the console and its API on 127.0.0.1. Prints the URL (with its token) as the first line.
  --db LOCATION  workspace file (created if missing), or a hub's PostgreSQL URL (migrated if needed)
  --data-dir DIR folder of the key files (default: the file's folder; for a hub see \`chronicle dispatch --help\`)
  --port N     port; 0 picks a free one (default 0)
  --token T    access token (default: a random one)
  --demo       create the demo workspace when the file is empty
  --bundle B   open a review bundle read-only (every change is refused)`;

const rendererDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../out/renderer');

export async function serve(argv: string[]) {
  const { values } = parseFlags(argv, {
    db: { type: 'string' },
    port: { type: 'string' },
    token: { type: 'string' },
    demo: { type: 'boolean' },
    bundle: { type: 'string' },
    'data-dir': { type: 'string' },
  });
  if (values.bundle && values.db) throw new UsageError('Give either --db or --bundle, not both.');
  const location = values.bundle ?? requireFlag(values.db, '--db');
  const port = intFlag(values.port, '--port', 0, 0, 65535);
  if (values.token !== undefined && !/^[A-Za-z0-9._~-]{8,200}$/.test(values.token)) {
    throw new UsageError('--token must be 8 to 200 characters of letters, digits, ".", "_", "~" or "-".');
  }
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
    throw new UsageError(`The console has not been built (${rendererDir} is missing). Run \`npm run build\` first.`);
  }
  if (values.bundle && !fs.existsSync(values.bundle)) throw new UsageError(`${values.bundle} does not exist.`);
  const dataDir = values['data-dir'];
  const app = values.bundle
    ? await createApp({ location, dataDir, readonly: true, migrate: false, background: false })
    : await createApp({ location, dataDir });
  if (values.demo && !values.bundle) await seedDemo(app.store, { seed: 1 });
  const host = await startHost({ app, port, token: values.token, staticDir: rendererDir });
  process.stdout.write(`${host.url}\n`);
  process.stderr.write(`Chronicle is serving ${app.local ? path.resolve(location) : app.location} on 127.0.0.1:${host.port}. Press Ctrl+C to stop.\n`);
  const stop = async () => {
    await host.close();
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
