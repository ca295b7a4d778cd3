// One describe per migration version (Signal Desktop style), on the store of this run: what the version creates,
// and how opening fails safely (a failing migration, a schema from a newer Chronicle, a file that is not a
// database, a PostgreSQL database that belongs to something else). Versions 0002–0004 have their own files
// (webhooks-migration, audit-chain, reports-migration); 0005 and 0006 are here.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { latestVersion, migrationsByDialect } from '../../db/migrations/index.ts';
import type { Migration } from '../../db/migrations/types.ts';
import { DatabaseError, migrate, openStore, schemaVersion } from '../../db/open.ts';
import { dueJobsOfKey, dueUnkeyedJobs, keysWithReadyJobs } from '../../db/jobs.ts';
import type { Store } from '../../db/store.ts';
import { SqliteStore } from '../../db/store-sqlite.ts';
import { onPostgres, onSqlite, sqlRow, sqlRows, tableNames, tempDbFile, tempLocation, testStore } from '../support/workspace.ts';

const opened: Store[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close().catch(() => {});
});
const track = (s: Store) => (opened.push(s), s);
const bin = path.resolve('main/bin/chronicle.mjs');

/** Descriptors this process holds open on `file` (Linux /proc), to prove a refused file is not left open. */
function openHandles(file: string): number {
  const dir = '/proc/self/fd';
  const target = fs.realpathSync(file);
  let n = 0;
  for (const fd of fs.readdirSync(dir)) {
    try {
      if (fs.readlinkSync(path.join(dir, fd)) === target) n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Every file belonging to a database (main file plus any -wal/-shm/-journal), with its hash. */
function fileState(file: string) {
  const dir = path.dirname(file);
  const base = path.basename(file);
  return Object.fromEntries(fs.readdirSync(dir).filter((f) => f.startsWith(base)).sort().map((f) => [f, sha(path.join(dir, f))]));
}

/** Tables, columns and indexes of a PostgreSQL database, with a count of rows per table: "untouched" means equal. */
async function pgState(url: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const cols = await c.query(`SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2`);
    const idx = await c.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`);
    const counts: Record<string, number> = {};
    for (const t of new Set(cols.rows.map((r) => r.table_name as string))) counts[t] = Number((await c.query(`SELECT count(*) AS n FROM "${t}"`)).rows[0].n);
    return { cols: cols.rows, idx: idx.rows, counts };
  } finally {
    await c.end();
  }
}

async function pgExec(url: string, text: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(text);
  } finally {
    await c.end();
  }
}

const ACME = '019a0000-0000-7000-8000-000000000001';

/** A fresh store at version 1 with one account in it, closed again. */
async function storeAtVersion1(): Promise<string> {
  const location = await tempLocation();
  const s = await openStore(location, { migrate: false, check: false });
  await migrate(s, { upTo: 1 });
  await sqlRows(s, `INSERT INTO accounts (id, name, created_at) VALUES (?, 'Acme', 1)`, ACME);
  await s.close();
  return location;
}

async function indexNames(s: Store): Promise<string[]> {
  const rows = s.dialect === 'sqlite'
    ? await sqlRows<{ name: string }>(s, `SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
    : await sqlRows<{ name: string }>(s, `SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1`);
  return rows.map((r) => r.name);
}

describe('the migration lists', () => {
  it('both dialects list the same ordered, distinct versions with the same names', () => {
    const names = (d: 'sqlite' | 'postgres') => migrationsByDialect[d].map((m) => `${m.version}:${m.name}`);
    expect(names('postgres')).toEqual(names('sqlite'));
    const versions = migrationsByDialect.sqlite.map((m) => m.version);
    expect(versions[0]).toBe(1);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
    expect(latestVersion).toBe(versions[versions.length - 1]);
  });
});

describe(`migration 0001 (foundation) on ${testStore}`, () => {
  const foundationTables = [
    'accounts', 'activities', 'boards', 'card_created', 'card_moved', 'card_subscriptions', 'card_updated', 'cards', 'columns',
    'comment_added', 'comments', 'jobs', 'member_invited', 'memberships', 'project_archived', 'projects', 'users',
  ];

  it('creates every foundation table with account_id on each and epoch-millisecond times', async () => {
    const s = track(await openStore(await tempLocation(), { migrate: false, check: false }));
    expect(await schemaVersion(s)).toBe(0);
    await migrate(s, { upTo: 1 });
    expect(await schemaVersion(s)).toBe(1);
    expect(await tableNames(s)).toEqual(foundationTables);
    for (const t of foundationTables) {
      const cols = s.dialect === 'sqlite'
        ? (await sqlRows<{ name: string; type: string; pk: number }>(s, `SELECT name, type, pk FROM pragma_table_info(?)`, t)).map((c) => ({ ...c, ms: c.type === 'INTEGER' }))
        : (await sqlRows<{ name: string; type: string }>(s, `SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?`, t)).map((c) => ({ ...c, ms: c.type === 'bigint', pk: c.name === 'id' ? 1 : 0 }));
      expect(cols.find((c) => c.name === 'id'), `${t} has a TEXT id`).toMatchObject({ type: s.dialect === 'sqlite' ? 'TEXT' : 'text' });
      if (t !== 'accounts') expect(cols.map((c) => c.name), t).toContain('account_id');
      for (const c of cols.filter((c) => c.name.endsWith('_at'))) expect(c.ms, `${t}.${c.name} is epoch milliseconds`).toBe(true);
    }
    if (s.dialect === 'sqlite') {
      for (const t of foundationTables) {
        const { sql } = (await sqlRow<{ sql: string }>(s, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, t))!;
        expect(sql, t).toMatch(/\)\s*STRICT\s*$/);
      }
    }
  });

  it('creates the feed, lookup and job indexes (the feed keyset order is each feed index’s tail)', async () => {
    const s = track(await openStore(await tempLocation(), { migrate: false, check: false }));
    await migrate(s, { upTo: 1 });
    const indexes = await indexNames(s);
    for (const name of [
      'activities_account_created', 'activities_board_created', 'activities_project_created', 'activities_creator_created',
      'activities_account_type_created', 'activities_subject', 'cards_column', 'cards_board', 'columns_board', 'comments_card',
      'jobs_due', 'jobs_claimed', 'users_account', 'memberships_user', 'card_moved_card', 'card_updated_card',
    ]) {
      expect(indexes, name).toContain(name);
    }
    if (s.dialect === 'sqlite') {
      const cols = (idx: string) => sqlRows<{ name: string; desc: number }>(s, `SELECT name, desc FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno`, idx);
      expect(await cols('activities_account_created')).toEqual([{ name: 'account_id', desc: 0 }, { name: 'created_at', desc: 1 }, { name: 'id', desc: 1 }]);
      expect((await cols('activities_board_created')).map((c) => c.name)).toEqual(['board_id', 'created_at', 'id']);
      expect((await sqlRow<{ u: number }>(s, `SELECT "unique" AS u FROM pragma_index_list('activities') WHERE name = 'activities_subject'`))!.u).toBe(1);
    } else {
      const def = async (idx: string) => (await sqlRow<{ d: string }>(s, `SELECT indexdef AS d FROM pg_indexes WHERE indexname = ?`, idx))!.d;
      expect(await def('activities_account_created')).toMatch(/\(account_id, created_at DESC, id DESC\)/);
      expect(await def('activities_board_created')).toMatch(/\(board_id, created_at DESC, id DESC\)/);
      expect(await def('activities_subject')).toMatch(/^CREATE UNIQUE INDEX/);
    }
  });

  it('enforces its CHECK constraints (a move between the same column, an empty or long reason, non-JSON changes)', async () => {
    const s = track(await openStore(await tempLocation(), { migrate: false, check: false }));
    await migrate(s, { upTo: 1 });
    const id = (n: number) => `019a0000-0000-7000-8000-${String(n).padStart(12, '0')}`;
    // Rows that pass every foreign key, so that only the CHECK under test can refuse them.
    await sqlRows(s, `INSERT INTO accounts VALUES (?, 'A', 1)`, id(2));
    await sqlRows(s, `INSERT INTO users VALUES (?, ?, 'U', 'u@x.test', 1)`, id(3), id(2));
    await sqlRows(s, `INSERT INTO projects (id, account_id, name, created_at) VALUES (?, ?, 'P', 1)`, id(4), id(2));
    await sqlRows(s, `INSERT INTO boards VALUES (?, ?, ?, 'B', 1)`, id(6), id(2), id(4));
    await sqlRows(s, `INSERT INTO columns VALUES (?, ?, ?, 'C', 0, 1)`, id(5), id(2), id(6));
    await sqlRows(s, `INSERT INTO cards (id, account_id, board_id, column_id, position, title, creator_id, created_at, updated_at) VALUES (?, ?, ?, ?, 0, 'T', ?, 1, 1)`, id(7), id(2), id(6), id(5), id(3));
    const check = s.dialect === 'sqlite' ? /CHECK/ : /check constraint|invalid input syntax for type json/;
    await expect(sqlRows(s, `INSERT INTO card_moved VALUES (?, ?, ?, 1, ?, ?, ?, 0, 0)`, id(1), id(2), id(3), id(7), id(5), id(5))).rejects.toThrow(check);
    await expect(sqlRows(s, `INSERT INTO project_archived VALUES (?, ?, ?, 1, ?, '   ')`, id(1), id(2), id(3), id(4))).rejects.toThrow(check);
    await expect(sqlRows(s, `INSERT INTO project_archived VALUES (?, ?, ?, 1, ?, ?)`, id(1), id(2), id(3), id(4), 'x'.repeat(501))).rejects.toThrow(check);
    await expect(sqlRows(s, `INSERT INTO card_updated VALUES (?, ?, ?, 1, ?, 'not json')`, id(1), id(2), id(3), id(7))).rejects.toThrow(check);
    // A text timestamp is refused, not stored (STRICT on SQLite, BIGINT on PostgreSQL).
    await expect(sqlRows(s, `INSERT INTO accounts VALUES (?, 'A', 'yesterday')`, id(9))).rejects.toThrow(
      s.dialect === 'sqlite' ? /cannot store TEXT value in INTEGER column/ : /invalid input syntax for type bigint/,
    );
  });

  it('is applied on open; reopening applies nothing again', async () => {
    const location = await tempLocation();
    const s = await openStore(location);
    expect(await schemaVersion(s)).toBe(latestVersion);
    if (s instanceof SqliteStore) {
      expect(s.pragma('journal_mode')).toBe('wal');
      expect(s.pragma('synchronous')).toBe(2); // FULL
      expect(s.pragma('foreign_keys')).toBe(1);
    }
    await s.close();
    const before = onSqlite ? sha(location) : await pgState(location);
    const again = track(await openStore(location));
    expect(await schemaVersion(again)).toBe(latestVersion);
    await again.close();
    expect(onSqlite ? sha(location) : await pgState(location)).toEqual(before);
  });

  it('a failing migration rolls everything back and leaves the store untouched', async () => {
    const location = await storeAtVersion1();
    const before = onSqlite ? fileState(location) : await pgState(location);
    const failing: Migration = {
      version: 2,
      name: 'fails_halfway',
      async up(tx) {
        await tx.script(`CREATE TABLE half_done (id TEXT PRIMARY KEY); INSERT INTO half_done VALUES ('x');`);
        await tx.script(`UPDATE accounts SET name = 'Changed'`);
        throw new Error('disk on fire');
      },
    };
    const s = track(await openStore(location, { migrate: false }));
    const list = [...migrationsByDialect[s.dialect].filter((m) => m.version === 1), failing];
    const error = await migrate(s, { list }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).code).toBe('db_migration_failed');
    expect((error as DatabaseError).message).toBe(`Migration failed on ${s.location}: disk on fire`);
    expect(await schemaVersion(s)).toBe(1);
    expect(await tableNames(s)).not.toContain('half_done');
    expect((await sqlRow<{ name: string }>(s, 'SELECT name FROM accounts'))!.name).toBe('Acme');
    await s.close();
    expect(onSqlite ? fileState(location) : await pgState(location)).toEqual(before);
  });

  it('refuses a schema written by a newer version, with a clear message, leaving the store untouched', async () => {
    const location = await storeAtVersion1();
    if (onSqlite) {
      const raw = new Database(location);
      raw.pragma(`user_version = ${latestVersion + 5}`);
      raw.close();
    } else await pgExec(location, `UPDATE chronicle_schema SET version = ${latestVersion + 5}`);
    const before = onSqlite ? fileState(location) : await pgState(location);
    const error = await openStore(location).then(track, (e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).code).toBe('db_newer_version');
    const shown = onSqlite ? location : location.replace(/:[^:@/]+@/, ':***@');
    expect((error as DatabaseError).message).toBe(
      `${shown} was written by a newer version of Chronicle (schema ${latestVersion + 5}; this build knows up to ${latestVersion}). Update Chronicle to open it.`,
    );
    expect(onSqlite ? fileState(location) : await pgState(location)).toEqual(before);
  });
});

describe.runIf(onSqlite)('opening SQLite files that are not what they seem', () => {
  it('refuses a newer file even when it uses a rollback journal (opening must not switch it to WAL)', async () => {
    const file = tempDbFile();
    const raw = new Database(file);
    raw.pragma('journal_mode = DELETE');
    raw.exec('CREATE TABLE future_thing (id TEXT PRIMARY KEY) STRICT');
    raw.pragma(`user_version = ${latestVersion + 1}`);
    raw.close();
    const before = fileState(file);
    await expect(openStore(file).then(track)).rejects.toThrow(/written by a newer version of Chronicle/);
    expect(fileState(file)).toEqual(before);
  });

  it('gives a clear error for a file that is not a SQLite database, leaving it untouched', async () => {
    const file = tempDbFile();
    fs.writeFileSync(file, 'These are my shopping notes, not a database.\n'.repeat(200));
    const before = fileState(file);
    const error = await openStore(file).then(track, (e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).code).toBe('db_unreadable');
    expect((error as DatabaseError).message).toBe(`Cannot open ${file}: file is not a database`);
    expect(fileState(file)).toEqual(before);
  });

  it.skipIf(!fs.existsSync('/proc/self/fd'))('a refused file is closed again (no handle left open)', async () => {
    const notDb = tempDbFile();
    fs.writeFileSync(notDb, 'not a database\n'.repeat(100));
    const newer = await storeAtVersion1();
    const raw = new Database(newer);
    raw.pragma(`user_version = ${latestVersion + 1}`);
    raw.close();
    for (const file of [notDb, newer]) {
      await expect(openStore(file)).rejects.toThrow(DatabaseError);
      expect(openHandles(file), file).toBe(0);
    }
  });
});

describe.runIf(onPostgres)('opening PostgreSQL databases that are not what they seem', () => {
  it('refuses a database that holds other tables but no Chronicle schema, writing nothing', async () => {
    const url = await tempLocation();
    await pgExec(url, `CREATE TABLE invoices (id int PRIMARY KEY, total numeric); INSERT INTO invoices VALUES (1, 9.5)`);
    const before = await pgState(url);
    const error = await openStore(url).then(track, (e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).code).toBe('db_foreign');
    expect((error as DatabaseError).message).toMatch(/holds other tables \(invoices\) but no Chronicle schema/);
    expect(await pgState(url)).toEqual(before);
  });

  it('processes starting at the same moment migrate once (the others wait, then find nothing to do)', async () => {
    const url = await tempLocation();
    const run = () =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, [bin, 'migrate', '--db', url], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.on('exit', (code) => resolve({ code, out, err }));
      });
    const results = await Promise.all([run(), run(), run(), run()]);
    for (const r of results) expect(r.code, r.err).toBe(0);
    const applied = results.filter((r) => /migrations? applied/.test(r.out));
    expect(applied).toHaveLength(1);
    // Versions may have gaps while branches are apart (one listed per version that exists).
    const count = migrationsByDialect[testStore].length;
    expect(applied[0].out).toMatch(new RegExp(`schema 0 → ${latestVersion} \\(${count} migrations applied\\)`));
    expect(results.filter((r) => /up to date/.test(r.out))).toHaveLength(3);
    const s = track(await openStore(url));
    expect(await schemaVersion(s)).toBe(latestVersion);
  });

  it('gives int8 back as numbers and booleans as booleans (the types the contract promises)', async () => {
    const s = track(await openStore(await tempLocation()));
    const row = (await sqlRow<Record<string, unknown>>(s, `SELECT 1700000000000::bigint AS ms, count(*) AS n, sum(2::bigint) AS total, true AS flag, '{"a":1}'::jsonb AS doc FROM accounts`))!;
    expect(row).toEqual({ ms: 1700000000000, n: 0, total: null, flag: true, doc: '{"a": 1}' });
  });
});

describe(`migration 0005 (processes) on ${testStore}`, () => {
  it('adds the process registry and throttles, keeping queued jobs, and claims in write order', async () => {
    const location = await storeAtVersion1();
    const s = track(await openStore(location, { migrate: false }));
    await migrate(s, { upTo: 4 });
    await sqlRows(
      s,
      `INSERT INTO jobs (id, account_id, queue, kind, args, run_at, created_at) VALUES ('019a0000-0000-7000-8000-0000000000b2', ?, 'webhooks', 'webhooks.fanout', '{}', 5, 5), ('019a0000-0000-7000-8000-0000000000a1', ?, 'webhooks', 'webhooks.fanout', '{}', 5, 5)`,
      ACME, ACME,
    );
    await migrate(s, { upTo: 5 });
    expect(await schemaVersion(s)).toBe(5);
    expect(await tableNames(s)).toEqual(expect.arrayContaining(['processes', 'job_throttles', ...(onSqlite ? ['push_outbox'] : [])]));
    expect(await indexNames(s)).toEqual(expect.arrayContaining(['jobs_claimed_by', 'processes_heartbeat', 'jobs_ready_priority']));
    const order = onSqlite ? 'rowid' : 'seq';
    expect((await sqlRows<{ id: string }>(s, `SELECT id FROM jobs ORDER BY ${order}`)).map((r) => r.id)).toEqual([
      '019a0000-0000-7000-8000-0000000000b2', '019a0000-0000-7000-8000-0000000000a1',
    ]);
  });
});

describe(`migration 0006 (people) on ${testStore}`, () => {
  it('lowercases e-mails and renames (never merges) duplicates, then makes users.email unique; adds invitations, tokens, the access event tables', async () => {
    const location = await storeAtVersion1();
    const s = track(await openStore(location, { migrate: false }));
    await migrate(s, { upTo: 5 });
    const u = (n: number) => `019a0000-0000-7000-8000-0000000001${String(n).padStart(2, '0')}`;
    // Two rows for one person's e-mail (different case, spaces), as older versions could write, and a third person.
    await sqlRows(
      s,
      `INSERT INTO users (id, account_id, name, email, created_at) VALUES (?, ?, 'Ana', 'ana@acme.test', 1), (?, ?, 'Ana again', ' ANA@acme.test ', 2), (?, ?, 'Bo', 'Bo@Acme.test', 3)`,
      u(1), ACME, u(2), ACME, u(3), ACME,
    );
    await migrate(s, { upTo: 6 });
    expect(await schemaVersion(s)).toBe(6);
    expect(await sqlRows(s, 'SELECT id, email FROM users ORDER BY id')).toEqual([
      { id: u(1), email: 'ana@acme.test' },
      { id: u(2), email: `ana+duplicate-${u(2)}@acme.test` },
      { id: u(3), email: 'bo@acme.test' },
    ]);
    // One person per e-mail from now on.
    await expect(sqlRows(s, `INSERT INTO users (id, account_id, name, email, created_at) VALUES (?, ?, 'X', 'bo@acme.test', 4)`, u(4), ACME)).rejects.toThrow(/unique|UNIQUE/);
    expect(await indexNames(s)).toEqual(expect.arrayContaining(['users_email', 'invitations_pending', 'access_tokens_account']));
    expect(await tableNames(s)).toEqual(expect.arrayContaining([
      'invitations', 'access_tokens', 'member_role_changed', 'invitation_sent', 'invitation_accepted', 'invitation_declined', 'invitation_revoked',
      'token_created', 'token_revoked', 'webhook_endpoint_created', 'webhook_endpoint_changed', 'webhook_endpoint_disabled',
      'webhook_endpoint_deleted', 'webhook_secret_revealed', 'webhook_secret_rotated', 'session_switched',
    ]));
    // Existing accounts are not demos; a token is kept only as a 64-digit hash.
    expect((await sqlRows<{ demo: unknown }>(s, 'SELECT demo FROM accounts')).map((r) => Boolean(r.demo))).toEqual([false]);
    await expect(
      sqlRows(s, `INSERT INTO access_tokens (id, account_id, user_id, name, token_hash, prefix, created_by, created_at) VALUES (?, ?, ?, 'x', 'chr_plaintext', 'chr_', ?, 5)`, u(5), ACME, u(1), u(1)),
    ).rejects.toThrow(/check|CHECK/);
    // One pending invitation per person and account.
    const inv = `INSERT INTO invitations (id, account_id, invitee_id, role, invited_by, created_at, expires_at) VALUES (?, ?, ?, 'member', ?, 6, 9)`;
    await sqlRows(s, inv, u(6), ACME, u(3), u(1));
    await expect(sqlRows(s, inv, u(7), ACME, u(3), u(1))).rejects.toThrow(/unique|UNIQUE/);
  });
});

describe(`migration 0008 (job lanes) on ${testStore}`, () => {
  it('splits the ready index into a lane without keys and one ordered by key, keeping queued jobs claimable', async () => {
    const location = await storeAtVersion1();
    const s = track(await openStore(location, { migrate: false }));
    await migrate(s, { upTo: 7 });
    await sqlRows(
      s,
      `INSERT INTO jobs (id, account_id, queue, kind, args, run_at, concurrency_key, created_at) VALUES ('019a0000-0000-7000-8000-0000000000c1', ?, 'webhooks', 'webhooks.deliver', '{}', 5, 'endpoint:b', 5), ('019a0000-0000-7000-8000-0000000000c2', ?, 'webhooks', 'webhooks.deliver', '{}', 5, 'endpoint:a', 5), ('019a0000-0000-7000-8000-0000000000c3', ?, 'webhooks', 'webhooks.fanout', '{}', 5, NULL, 5)`,
      ACME, ACME, ACME,
    );
    await migrate(s, { upTo: 8 });
    expect(await schemaVersion(s)).toBe(8);
    const names = await indexNames(s);
    expect(names).toEqual(expect.arrayContaining(['jobs_ready_keyed', 'jobs_ready_unkeyed', 'jobs_claimed_by']));
    expect(names).not.toContain('jobs_ready_priority');
    expect(names).not.toContain('jobs_claimed');
    // The claim's queries read the new indexes: keys in order, each key's due jobs, the unkeyed lane.
    await s.transaction(async (tx) => {
      expect(await keysWithReadyJobs(tx, null, 10)).toEqual(['endpoint:a', 'endpoint:b']);
      expect(await keysWithReadyJobs(tx, 'endpoint:a', 10)).toEqual(['endpoint:b']);
      expect((await dueJobsOfKey(tx, 'endpoint:b', null, 10, 5)).map((r) => r.id)).toEqual(['019a0000-0000-7000-8000-0000000000c1']);
      expect((await dueUnkeyedJobs(tx, null, 10, 5)).map((r) => r.id)).toEqual(['019a0000-0000-7000-8000-0000000000c3']);
    });
  });
});
