// The team hub: several processes on one store, the CLI on a PostgreSQL URL, and `chronicle copy` between a file
// and a hub. Real processes (`node main/bin/chronicle.mjs`), a real PostgreSQL server (the postgres project's).
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { latestVersion } from '../../db/migrations/index.ts';
import { eventStream, serveChronicle, stopChild } from '../support/cli.ts';
import { onPostgres, pgServerUrl, tempDbFile, tempDir, tempLocation, tempPgDatabase, testStore } from '../support/workspace.ts';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'main/bin/chronicle.mjs');
const NOW = Date.UTC(2026, 5, 1, 9, 30, 0);

const children: ChildProcess[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map(stopChild));
});

function chronicle(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `chronicle serve` on a location, and its API (throws on an error answer). */
async function serve(location: string, dataDir: string, extra: string[] = []) {
  const { child, url, token } = await serveChronicle(['--db', location, '--port', '0', '--data-dir', dataDir, ...extra], children);
  const api = async (method: string, input: unknown = {}) => {
    const res = await fetch(`${url.origin}/api/${method}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
    const body = await res.json();
    if (!res.ok) throw new Error(`${method}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  return { child, base: url.origin, token: token!, api };
}

/** Server-sent events of a host, as they arrive. */
const sse = (base: string, token: string) => eventStream(`${base}/api/events?token=${token}`, { authorization: `Bearer ${token}` });

async function waitFor<T>(fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe(`two serve processes on one ${testStore} store`, { timeout: 120_000 }, () => {
  it('a move through one reaches an SSE client of the other, and each sees every activity of the other', async () => {
    const location = await tempLocation();
    const dataDir = onPostgres ? tempDir('chronicle-hub-keys-') : path.dirname(location);
    const a = await serve(location, dataDir, ['--demo']);
    const b = await serve(location, dataDir);
    const stream = await sse(b.base, b.token);
    try {
      const board = (await a.api('boards.list')).items.find((x: { archived: boolean }) => !x.archived);
      const full = await a.api('boards.get', { boardId: board.id });
      const [from, to] = full.columns;
      const card = await a.api('cards.create', { boardId: board.id, columnId: from.id, title: 'Seen from the other host' });
      const moved = await a.api('cards.move', { cardId: card.id, toColumnId: to.id });
      expect(moved.columnId).toBe(to.id);
      const arrived = await waitFor(() => stream.seen.filter((e) => e.topic === 'activity.created' && e.data.boardId === board.id).length >= 2 && stream.seen, 'the activities on host B');
      expect(arrived.filter((e) => e.topic === 'activity.created').map((e) => e.data.subjectType)).toEqual(expect.arrayContaining(['card_created', 'card_moved']));
      // A burst through A: host B's stream hears every one of them, none twice.
      const before = stream.seen.filter((e) => e.topic === 'activity.created').length;
      for (let i = 0; i < 30; i++) await a.api('cards.update', { cardId: card.id, title: `Renamed ${i}` });
      const ids = await waitFor(() => {
        const got = stream.seen.filter((e) => e.topic === 'activity.created').slice(before).map((e) => e.data.id as string);
        return got.length >= 30 && got;
      }, 'the burst on host B');
      expect(new Set(ids).size).toBe(30);
      const feed = await b.api('activity.list', { limit: 30, boardId: board.id });
      expect(feed.items.slice(0, 30).map((x: { id: string }) => x.id).sort()).toEqual([...ids].sort());
    } finally {
      stream.close();
    }
  });
});

/** Everything a table holds, in key order, on either store (for "the same rows"). */
async function contents(location: string): Promise<{ counts: Record<string, number>; hash: string }> {
  const tables = [
    'accounts', 'users', 'memberships', 'projects', 'boards', 'columns', 'cards', 'comments', 'card_subscriptions', 'card_created', 'card_moved',
    'card_updated', 'comment_added', 'member_invited', 'project_archived', 'activities', 'webhook_endpoints', 'audit_chain', 'report_daily',
    'report_user_daily', 'notifications', 'tracking_events',
  ];
  const rowsOf = async (t: string): Promise<Record<string, unknown>[]> => {
    if (location.startsWith('postgres')) {
      const c = new pg.Client({ connectionString: location, types: { getTypeParser: (oid: number, f?: string) => (oid === 20 || oid === 1700 ? Number : oid === 114 || oid === 3802 ? (v: string) => v : pg.types.getTypeParser(oid, f as 'text')) } as never });
      await c.connect();
      try {
        return (await c.query(`SELECT * FROM ${t}`)).rows;
      } finally {
        await c.end();
      }
    }
    const s = new Database(location, { readonly: true });
    try {
      return s.prepare(`SELECT * FROM ${t}`).all() as Record<string, unknown>[];
    } finally {
      s.close();
    }
  };
  const hash = createHash('sha256');
  const counts: Record<string, number> = {};
  for (const t of tables) {
    // Normalised: JSON text as parsed values (jsonb reformats it), flags as booleans, rows sorted by their text.
    const rows = (await rowsOf(t)).map((r) =>
      JSON.stringify(
        Object.keys(r).sort().filter((k) => k !== 'seq').map((k) => {
          const v = r[k];
          if (typeof v === 'string' && /^[[{]/.test(v)) {
            try {
              return [k, JSON.parse(v)];
            } catch {
              return [k, v];
            }
          }
          return [k, typeof v === 'boolean' ? Number(v) : v];
        }),
      ),
    );
    counts[t] = rows.length;
    hash.update(`${t}\n${rows.sort().join('\n')}\n`);
  }
  return { counts, hash: hash.digest('hex') };
}

describe.runIf(onPostgres)('the CLI on a hub', { timeout: 180_000 }, () => {
  it('refuses bad hub locations with a sentence and a non-zero exit, writing nothing', async () => {
    const good = new URL(pgServerUrl());
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const wrongPassword = new URL(await tempPgDatabase());
    wrongPassword.password = 'not-the-password';
    const missingDb = new URL(good);
    missingDb.pathname = '/no_such_database';
    const cases: [string[], RegExp][] = [
      [['demo', '--db', 'postgres://'], /^chronicle demo: postgres:\/\/ is not a usable PostgreSQL URL .*: write it as postgres:\/\/USER:PASSWORD@HOST:PORT\/DATABASE\.\n$/],
      [['demo', '--db', 'postgres://chronicle@127.0.0.1:5'], /not a usable PostgreSQL URL \(no database\)/],
      [['serve', '--db', `postgres://chronicle:x@127.0.0.1:${closed}/db`], new RegExp(`^chronicle serve: Cannot connect to the hub at postgres://chronicle:\\*\\*\\*@127\\.0\\.0\\.1:${closed}/db: nothing is listening there \\(connection refused\\)`)],
      [['dispatch', '--db', wrongPassword.toString()], /^chronicle dispatch: Cannot connect to the hub at .*: the server refused the user name or password\.\n$/],
      [['migrate', '--db', missingDb.toString()], /^chronicle migrate: Cannot connect to the hub at .*: that database does not exist on the server/],
      [['demo', '--db', 'mysql://x@y/z'], /^chronicle demo: “mysql:\/\/” is not a store Chronicle knows: give a file path or a postgres:\/\/ URL\.\n$/],
      // A hub URL with a typo is not taken for a file path (which would make a new, empty workspace file).
      [['demo', '--db', 'postgres//chronicle@127.0.0.1/db'], /^chronicle demo: “postgres\/\/chronicle@127\.0\.0\.1\/db” looks like a PostgreSQL URL but is not one: write it as postgres:\/\/USER:PASSWORD@HOST:PORT\/DATABASE \(a file whose path starts with “postgres” is given as \.\/postgres…\)\.\n$/],
      [['migrate', '--db', 'postgresql:/chronicle:pw@127.0.0.1/db'], /^chronicle migrate: “postgresql:\/chronicle:\*\*\*@127\.0\.0\.1\/db” looks like a PostgreSQL URL but is not one/],
    ];
    const results = await Promise.all(cases.map(([args]) => chronicle(args)));
    for (const [i, [args, message]] of cases.entries()) {
      expect(results[i].code, args.join(' ')).toBe(1);
      expect(results[i].stderr, args.join(' ')).toMatch(message);
      expect(results[i].stderr).not.toMatch(/\n\s+at |\.ts:\d+|node:internal/);
      expect(results[i].stderr).not.toContain(good.password);
    }
    expect(fs.existsSync(path.join(root, 'postgres:'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'postgres'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'postgresql:'))).toBe(false);
  });

  it('refuses a hub of a newer Chronicle, and a database that holds other tables, changing nothing', async () => {
    const newer = await tempPgDatabase();
    expect((await chronicle(['migrate', '--db', newer])).code).toBe(0);
    const c = new pg.Client({ connectionString: newer });
    await c.connect();
    await c.query(`UPDATE chronicle_schema SET version = ${latestVersion + 2}`);
    await c.end();
    for (const cmd of ['serve', 'dispatch', 'demo', 'migrate']) {
      const r = await chronicle([cmd, '--db', newer]);
      expect(r.code, cmd).toBe(1);
      expect(r.stderr, cmd).toMatch(new RegExp(`was written by a newer version of Chronicle \\(schema ${latestVersion + 2}; this build knows up to ${latestVersion}\\)`));
    }
    const foreign = await tempPgDatabase();
    const f = new pg.Client({ connectionString: foreign });
    await f.connect();
    await f.query(`CREATE TABLE customers (id int PRIMARY KEY); INSERT INTO customers VALUES (1)`);
    await f.end();
    const r = await chronicle(['serve', '--db', foreign]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/holds other tables \(customers\) but no Chronicle schema/);
    const check = new pg.Client({ connectionString: foreign });
    await check.connect();
    const tables = (await check.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`)).rows.map((x) => x.table_name);
    await check.end();
    expect(tables).toEqual(['customers']);
  });

  it('copy: file → hub → file gives the same rows, the same chain heads and the same report', async () => {
    const file = tempDbFile();
    expect((await chronicle(['demo', '--db', file, '--seed', '4', '--events', '500', '--now', String(NOW)])).code).toBe(0);
    // An export makes the workspace's signing key (a key file beside the file, and its encrypted row).
    const accountId = new Database(file, { readonly: true }).prepare(`SELECT id FROM accounts ORDER BY name LIMIT 1`).pluck().get() as string;
    expect((await chronicle(['audit', 'export', '--db', file, '--account', accountId, '--out', path.join(tempDir(), 'first.bundle')])).code).toBe(0);
    const sourceKeys = fs.readdirSync(path.dirname(file)).filter((f) => f.endsWith('.key'));
    expect(sourceKeys).toContain('audit-signing.key');
    const hub = await tempPgDatabase();
    const hubKeys = tempDir('chronicle-hub-keys-');
    const up = await chronicle(['copy', '--from', file, '--to', hub, '--to-data-dir', hubKeys]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/^Copied [\d,]+ rows from .+ to postgres:\/\/chronicle:\*\*\*@.+\.\nVerified: rows of \d+ tables, 2 audit chains \(.+\), report rollups\.\n/);
    expect(up.stderr).toMatch(/100%/);
    const back = path.join(tempDir(), 'back.db');
    const down = await chronicle(['copy', '--from', hub, '--from-data-dir', hubKeys, '--to', back]);
    expect(down.code, down.stderr).toBe(0);
    const [a, h, b] = [await contents(file), await contents(hub), await contents(back)];
    expect(h.counts).toEqual(a.counts);
    expect(h.hash).toBe(a.hash);
    expect(b.hash).toBe(a.hash);
    // The same verification and the same report on every copy.
    for (const loc of [file, hub, back]) {
      const v = await chronicle(['audit', 'verify', '--db', loc]);
      expect(v.code, v.stdout + v.stderr).toBe(0);
    }
    const report = async (loc: string) => {
      const r = await chronicle(['reports', '--db', loc, '--from', '2026-03-01', '--to', '2026-06-01']);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    };
    expect(await report(hub)).toBe(await report(file));
    expect(await report(back)).toBe(await report(file));
    // The key files travelled with the encrypted rows (mode 0600), and the hub signs with the same key.
    for (const k of sourceKeys) {
      expect(fs.readFileSync(path.join(hubKeys, k), 'utf8'), k).toBe(fs.readFileSync(path.join(path.dirname(file), k), 'utf8'));
      expect((fs.statSync(path.join(hubKeys, k)).mode & 0o777).toString(8), k).toBe('600');
    }
    const fromHub = path.join(tempDir(), 'hub.bundle');
    expect((await chronicle(['audit', 'export', '--db', hub, '--data-dir', hubKeys, '--account', accountId, '--out', fromHub])).code).toBe(0);
    const checked = await chronicle(['audit', 'verify-bundle', fromHub]);
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
  });

  it('copy refuses a non-empty target and is all or nothing', async () => {
    const file = tempDbFile();
    expect((await chronicle(['demo', '--db', file, '--events', '120', '--now', String(NOW)])).code).toBe(0);
    const hub = await tempPgDatabase();
    const keys = tempDir('chronicle-hub-keys-');
    expect((await chronicle(['copy', '--from', file, '--to', hub, '--to-data-dir', keys])).code).toBe(0);
    const before = await contents(hub);
    const again = await chronicle(['copy', '--from', file, '--to', hub, '--to-data-dir', keys]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^chronicle copy: postgres:\/\/.+ is not empty \(\d+ accounts, .+\): copy only into an empty store, nothing was written\.\n$/);
    expect(await contents(hub)).toEqual(before);

    // A source whose chain was tampered with: the copy's verification fails inside its transaction, so the target
    // stays empty and no key file is left behind.
    const raw = new Database(file);
    raw.prepare(`UPDATE card_created SET title = 'Edited behind the chain' WHERE rowid = (SELECT min(rowid) FROM card_created)`).run();
    raw.close();
    const target = await tempPgDatabase();
    const targetKeys = tempDir('chronicle-hub-keys-');
    const bad = await chronicle(['copy', '--from', file, '--to', target, '--to-data-dir', targetKeys]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/does not verify on the target .*; nothing was written\.\n$/);
    const empty = await contents(target);
    expect(Object.values(empty.counts).every((n) => n === 0)).toBe(true);
    expect(fs.readdirSync(targetKeys)).toEqual([]);
  });
});
