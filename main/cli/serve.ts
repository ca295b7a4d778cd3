import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp, type App } from '../app.ts';
import { seedDemo } from '../demo.ts';
import { HubClient, hubOrigin } from '../hub-client/client.ts';
import { hubBackend } from '../hub-client/forward.ts';
import { listenRefusal, parseListen, type ListenAddress } from '../host/listen.ts';
import { startHost, type HostBackend } from '../host/server.ts';
import { intFlag, parseFlags, requireFlag, UsageError } from './args.ts';

export const serveHelp = `chronicle serve --db FILE|postgres://… [--listen HOST:PORT] [--token T] [--demo]
chronicle serve --bundle BUNDLE                          (a review bundle, read-only)
chronicle serve --hub URL --token-file F [--hub-ca FILE]  (a local console for a remote team hub)
  Serve the console and its API (127.0.0.1 unless --listen says otherwise). Prints the URL (with its token) as
  the first line.
  --db LOCATION  workspace file (created if missing), or a hub's PostgreSQL URL (migrated if needed)
  --data-dir DIR folder of the key files (default: the file's folder; for a hub see \`chronicle dispatch --help\`)
  --listen H:P   address and port to listen on (default 127.0.0.1:0, a free port). Beyond loopback only with
                 --tls-cert and --tls-key, or with --behind-proxy
  --port N       the port on 127.0.0.1 (the same as --listen 127.0.0.1:N)
  --tls-cert F   serve HTTPS with this certificate (PEM; the full chain), with --tls-key F (PEM)
  --behind-proxy a TLS-terminating proxy is the only way in: requests must carry X-Forwarded-Proto: https, and
                 failed sign-ins are slowed down and logged per X-Forwarded-For client (the proxy's last entry)
  --token T      access token (default: a random one)
  --demo         create the demo workspace when the file is empty
  --bundle B     open a review bundle read-only (every change is refused)
  --hub URL      forward every call to this team hub (https://…) with the personal token read from
  --token-file F (its first line); --hub-ca FILE trusts an extra CA certificate for the hub (PEM)`;

const rendererDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../out/renderer');

const readFileFlag = (file: string, flag: string): Buffer => {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new UsageError(`${flag} ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
  }
};

export async function serve(argv: string[]) {
  const { values } = parseFlags(argv, {
    db: { type: 'string' },
    port: { type: 'string' },
    listen: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'behind-proxy': { type: 'boolean' },
    token: { type: 'string' },
    demo: { type: 'boolean' },
    bundle: { type: 'string' },
    'data-dir': { type: 'string' },
    hub: { type: 'string' },
    'token-file': { type: 'string' },
    'hub-ca': { type: 'string' },
  });
  const sources = [values.db, values.bundle, values.hub].filter((v) => v !== undefined).length;
  if (sources > 1) throw new UsageError('Give one of --db, --bundle or --hub.');
  if (values.listen !== undefined && values.port !== undefined) throw new UsageError('Give either --listen or --port, not both.');
  let address: ListenAddress;
  try {
    address = values.listen !== undefined ? parseListen(values.listen) : { host: '127.0.0.1', port: intFlag(values.port, '--port', 0, 0, 65535) };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError((err as Error).message);
  }
  if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) throw new UsageError('--tls-cert and --tls-key go together.');
  const refusal = listenRefusal(address, { tls: Boolean(values['tls-cert']), behindProxy: Boolean(values['behind-proxy']) });
  if (refusal) throw new UsageError(refusal);
  const tls = values['tls-cert'] && values['tls-key'] ? { cert: readFileFlag(values['tls-cert'], '--tls-cert'), key: readFileFlag(values['tls-key'], '--tls-key') } : undefined;
  if (values.token !== undefined && !/^[A-Za-z0-9._~-]{8,200}$/.test(values.token)) {
    throw new UsageError('--token must be 8 to 200 characters of letters, digits, ".", "_", "~" or "-".');
  }
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
    throw new UsageError(`The console has not been built (${rendererDir} is missing). Run \`npm run build\` first.`);
  }

  let app: App | null = null;
  let backend: HostBackend | undefined;
  let serving: string;
  if (values.hub !== undefined) {
    if (values.demo || values['data-dir']) throw new UsageError('--demo and --data-dir belong to a workspace; with --hub the hub has them.');
    try {
      hubOrigin(values.hub);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const tokenFile = requireFlag(values['token-file'], '--token-file');
    const hubToken = readFileFlag(tokenFile, '--token-file').toString('utf8').split(/\r?\n/)[0]!.trim();
    if (!hubToken) throw new UsageError(`${tokenFile} is empty: put the personal token on its first line.`);
    const ca = values['hub-ca'] ? readFileFlag(values['hub-ca'], '--hub-ca') : undefined;
    const client = new HubClient({ url: values.hub, token: hubToken, ca });
    backend = hubBackend(client);
    serving = `the team hub at ${client.origin}`;
  } else {
    if (values['token-file'] || values['hub-ca']) throw new UsageError('--token-file and --hub-ca go with --hub.');
    if (values.bundle && !fs.existsSync(values.bundle)) throw new UsageError(`${values.bundle} does not exist.`);
    const location = values.bundle ?? requireFlag(values.db, '--db');
    const dataDir = values['data-dir'];
    app = values.bundle
      ? await createApp({ location, dataDir, readonly: true, migrate: false, background: false })
      : await createApp({ location, dataDir });
    if (values.demo && !values.bundle) await seedDemo(app.store, { seed: 1 });
    serving = app.local ? path.resolve(location) : app.location;
  }
  const host = await startHost({
    ...(app ? { app } : { backend }),
    hostname: address.host,
    port: address.port,
    tls,
    behindProxy: Boolean(values['behind-proxy']),
    token: values.token,
    staticDir: rendererDir,
  });
  process.stdout.write(`${host.url}\n`);
  process.stderr.write(`Chronicle is serving ${serving} on ${address.host}:${host.port}${tls ? ' over TLS' : values['behind-proxy'] ? ' behind a TLS proxy' : ''}. Press Ctrl+C to stop.\n`);
  const stop = async () => {
    await host.close();
    await app?.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
