// The `chronicle` command line, spawned as a real process (node main/bin/chronicle.mjs).
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { describe, expect, it } from 'vitest';
import { latestVersion } from '../../db/migrations/index.ts';
import { runChronicle, startChronicle } from '../support/cli.ts';
import { onSqlite, tempDbFile, tempDir } from '../support/workspace.ts';

const NOW = Date.UTC(2026, 5, 1, 9, 30, 0);
const chronicle = (args: string[]) => runChronicle(args);

/** A hash of every table's full contents (all columns, all rows, in key order), plus the row counts. */
function contents(file: string) {
  const s = new Database(file, { readonly: true });
  try {
    const tables = (s.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string }[]).map((t) => t.name);
    const hash = createHash('sha256');
    const counts: Record<string, number> = {};
    for (const t of tables) {
      const rows = s.prepare(`SELECT * FROM "${t}" ORDER BY 1`).all();
      counts[t] = rows.length;
      hash.update(`${t}\n${JSON.stringify(rows)}\n`);
    }
    hash.update(`user_version=${s.pragma('user_version', { simple: true })}`);
    return { hash: hash.digest('hex'), counts };
  } finally {
    s.close();
  }
}

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at |\.ts:\d+|node:internal/);

// The CLI on workspace files (the same commands on a hub: hub.test.ts).
describe.runIf(onSqlite)('chronicle CLI', { timeout: 90_000 }, () => {
  it('--help prints the usage and exits 0; no command prints it and exits 2', async () => {
    const help = await chronicle(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Chronicle: /);
    expect(help.stdout).toContain('chronicle serve --db FILE');
    expect(help.stdout).toContain('chronicle demo --db FILE');
    const none = await chronicle([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('Usage:');
    const demoHelp = await chronicle(['demo', '--help']);
    expect(demoHelp.code).toBe(0);
    expect(demoHelp.stdout).toContain('--seed N');
  });

  it('an unknown command exits 2 with a sentence and the usage', async () => {
    const r = await chronicle(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^chronicle: unknown command “frobnicate”\./);
    expect(r.stderr).toContain('Usage:');
    noStack(r.stderr);
  });

  it('a bad or missing flag exits 2 with a sentence', async () => {
    const file = tempDbFile();
    const cases: [string[], RegExp][] = [
      [['demo', '--db', file, '--bogus'], /^chronicle demo: Unknown option '--bogus'/],
      [['demo'], /^chronicle demo: --db is required\./],
      [['demo', '--db', file, '--seed', 'abc'], /^chronicle demo: --seed must be a whole number, got “abc”\./],
      [['demo', '--db', file, '--events', '-3'], /^chronicle demo: /],
      [['serve', '--db', file, '--port', '70000'], /^chronicle serve: --port must be between 0 and 65535, got 70000\./],
      [['serve', '--db', file, '--token', 'short'], /^chronicle serve: --token must be 8 to 200 characters/],
    ];
    const results = await Promise.all(cases.map(([args]) => chronicle(args)));
    for (const [i, [args, message]] of cases.entries()) {
      const r = results[i];
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      noStack(r.stderr);
    }
    expect(fs.existsSync(file)).toBe(false);
  });

  it('demo is deterministic for a seed (and --now): the same rows and ids in two files', async () => {
    const a = tempDbFile();
    const b = tempDbFile();
    const c = tempDbFile();
    const [ra, rb, rc] = await Promise.all([
      chronicle(['demo', '--db', a, '--seed', '5', '--events', '400', '--now', String(NOW)]),
      chronicle(['demo', '--db', b, '--seed', '5', '--events', '400', '--now', String(NOW)]),
      chronicle(['demo', '--db', c, '--seed', '6', '--events', '400', '--now', String(NOW)]),
    ]);
    for (const r of [ra, rb, rc]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^Created the demo workspace in .+: \d+ events in \d+\.\d s\.\n$/);
    }
    const ha = contents(a);
    // The reported count is the number of activities really recorded (an update that changes nothing records
    // no event, so it can be a little under --events).
    expect(ra.stdout).toContain(`: ${ha.counts.activities} events in`);
    expect(ha.counts.activities).toBeGreaterThan(380);
    expect(ha.counts.accounts).toBe(2);
    expect(contents(b)).toEqual(ha);
    expect(contents(c).hash).not.toBe(ha.hash);
    // Times end at --now.
    const s = new Database(a, { readonly: true });
    const latest = (s.prepare('SELECT max(created_at) AS t FROM activities').get() as { t: number }).t;
    s.close();
    expect(latest).toBeLessThanOrEqual(NOW);
    expect(latest).toBeGreaterThan(NOW - 86_400_000);
  });

  it('demo on a populated file changes nothing', async () => {
    const file = tempDbFile();
    expect((await chronicle(['demo', '--db', file, '--events', '100', '--now', String(NOW)])).code).toBe(0);
    const before = contents(file);
    const again = await chronicle(['demo', '--db', file, '--seed', '9', '--events', '50']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`${file} already has a workspace; nothing was changed.\n`);
    expect(contents(file)).toEqual(before);
  });

  it('a file that is not a database, or a folder, is a clear error with a non-zero exit', async () => {
    const file = path.join(tempDir(), 'notes.db');
    const text = 'Just some notes.\n'.repeat(100);
    fs.writeFileSync(file, text);
    const r = await chronicle(['demo', '--db', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`chronicle demo: Cannot open ${file}: file is not a database\n`);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);

    const folder = tempDir();
    const d = await chronicle(['demo', '--db', folder]);
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(new RegExp(`^chronicle demo: Cannot open ${folder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    noStack(d.stderr);
  });

  it('a database written by a newer version is refused with a clear error, untouched', async () => {
    const file = tempDbFile();
    expect((await chronicle(['demo', '--db', file, '--events', '50', '--now', String(NOW)])).code).toBe(0);
    const raw = new Database(file);
    raw.pragma(`user_version = ${latestVersion + 3}`);
    raw.close();
    const before = contents(file);
    for (const cmd of ['demo', 'serve']) {
      const r = await chronicle([cmd, '--db', file]);
      expect(r.code, cmd).toBe(1);
      expect(r.stderr).toBe(
        `chronicle ${cmd}: ${file} was written by a newer version of Chronicle (schema ${latestVersion + 3}; this build knows up to ${latestVersion}). Update Chronicle to open it.\n`,
      );
    }
    expect(contents(file)).toEqual(before);
  });

  it('serve prints the URL with its token as the first stdout line, and refuses requests without it', async () => {
    const file = tempDbFile();
    const { child, output } = startChronicle(['serve', '--db', file, '--port', '0']);
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        const lines = readline.createInterface({ input: child.stdout! });
        lines.once('line', resolve);
        child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${output().stderr}`)));
        setTimeout(() => reject(new Error(`no URL within 30 s: ${output().stderr}`)), 30_000);
      });
      const m = /^http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]{20,})$/.exec(firstLine);
      expect(m, firstLine).not.toBeNull();
      const [, port, token] = m!;
      const base = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 100 && !output().stderr.includes('Ctrl+C'); i++) await new Promise((r) => setTimeout(r, 20));
      expect(output().stderr).toContain(`on 127.0.0.1:${port}`);

      const noToken = await fetch(`${base}/api/workspace.status`, { method: 'POST', body: '{}' });
      expect(noToken.status).toBe(401);
      expect((await noToken.json()).error.code).toBe('unauthorized');
      const wrong = await fetch(`${base}/api/workspace.status`, { method: 'POST', body: '{}', headers: { authorization: 'Bearer nope-nope-nope' } });
      expect(wrong.status).toBe(401);
      // The built page holds no data and is served to anyone; it takes the token from its URL (no cookie).
      const bare = await fetch(`${base}/`);
      expect(bare.status).toBe(200);
      expect(bare.headers.get('set-cookie')).toBeNull();

      const ok = await fetch(`${base}/api/workspace.status`, { method: 'POST', body: '{}', headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ empty: true, readOnly: false, kind: 'file', dbFile: file });
      const page = await fetch(firstLine);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
