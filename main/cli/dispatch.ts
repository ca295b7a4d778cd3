import { openStore } from '../../db/open.ts';
import { redactLocation } from '../../db/store.ts';
import { defaultDataDir } from '../data-dir.ts';
import { JobRunner } from '../jobs/runner.ts';
import { openDataKey } from '../crypto/key-guard.ts';
import { sealClearHeaders } from '../webhooks/headers.ts';
import { SecretBox, webhookKeySpec } from '../webhooks/secrets.ts';
import { intFlag, parseFlags, requireFlag } from './args.ts';

export const dispatchHelp = `chronicle dispatch --db FILE|postgres://… [--concurrency N] [--queues a,b] [--data-dir DIR]
  Run the job runner and webhook dispatcher alone, headless, until Ctrl+C (SIGINT/SIGTERM stop it cleanly).
  Any number of dispatchers may work on the same file or hub, on any number of machines: a job is claimed by
  one at a time, and per-endpoint concurrency and rate limits hold across all of them together.
  --db LOCATION           workspace file, or a hub's PostgreSQL URL
  --concurrency N         deliveries (HTTP attempts) at once (default 32; each endpoint gets a fair share and
                          keeps its own limit; fan-out and notifications have 4 slots of their own)
  --queues a,b            only these queues (default: all)
  --data-dir DIR          folder of the key files (default: the file's folder; for a hub CHRONICLE_DATA_DIR or
                          a folder per hub under ~/.local/share/chronicle/hubs: copy it to each machine)
  --poll-ms N             idle poll interval (default 100)
  --heartbeat-ms N        heartbeat interval of this dispatcher's process row (default 1000)
  --stale-ms N            a dispatcher silent for this long is gone and its claims are taken back (default 10000)
  --attempt-timeout-ms N  whole-attempt timeout (default 15000)
  --connect-timeout-ms N  connect timeout (default 5000)`;

export async function dispatch(argv: string[]) {
  const { values } = parseFlags(argv, {
    db: { type: 'string' },
    concurrency: { type: 'string' },
    queues: { type: 'string' },
    'data-dir': { type: 'string' },
    'poll-ms': { type: 'string' },
    'heartbeat-ms': { type: 'string' },
    'stale-ms': { type: 'string' },
    'attempt-timeout-ms': { type: 'string' },
    'connect-timeout-ms': { type: 'string' },
  });
  const location = requireFlag(values.db, '--db');
  const dataDir = values['data-dir'] ?? defaultDataDir(location);
  // Every flag is checked before the file is touched.
  const settings = {
    concurrency: intFlag(values.concurrency, '--concurrency', 32, 1, 1024),
    queues: values.queues ? values.queues.split(',').map((q) => q.trim()).filter(Boolean) : null,
    pollMs: intFlag(values['poll-ms'], '--poll-ms', 100, 5, 60_000),
    heartbeatMs: intFlag(values['heartbeat-ms'], '--heartbeat-ms', 1000, 50, 600_000),
    staleMs: intFlag(values['stale-ms'], '--stale-ms', 10_000, 100, 86_400_000),
  };
  const timeouts = {
    attemptTimeoutMs: intFlag(values['attempt-timeout-ms'], '--attempt-timeout-ms', 15_000, 100, 600_000),
    connectTimeoutMs: intFlag(values['connect-timeout-ms'], '--connect-timeout-ms', 5_000, 100, 600_000),
  };
  const store = await openStore(location, { synchronous: 'normal', applicationName: 'chronicle-dispatch' });
  // A dispatcher without the workspace's webhook key (a wrong --data-dir, a lost file) would fail every delivery
  // other dispatchers could send: it refuses to start, with the sentence, and never makes a key over sealed rows.
  const keyStatus = await openDataKey(store, dataDir, webhookKeySpec);
  if (!keyStatus.key) {
    await store.close();
    throw new Error(`${keyStatus.sentence} This dispatcher did not start.`);
  }
  const key = keyStatus.key;
  await sealClearHeaders(store, new SecretBox(key));
  const runner = new JobRunner({
    store,
    dataDir,
    ...settings,
    config: { webhooks: { secretKey: key.toString('base64'), ...timeouts } },
    // Headless: pushes have no window to reach; the app's UI sees the rows on its next refetch.
    publish: () => {},
    log: (m) => process.stderr.write(m + '\n'),
  });
  await runner.start();
  process.stdout.write(`dispatching ${redactLocation(store.location)} as ${runner.workerId}\n`);
  const stop = async () => {
    await runner.stop();
    await store.close();
    process.stderr.write(`${runner.workerId} stopped: ${runner.stats.finished} jobs done, ${runner.stats.failed} failed, ${runner.stats.reclaimed} taken back from gone dispatchers\n`);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
