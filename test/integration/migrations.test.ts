// One describe per migration version (Signal Desktop style): what the version creates, and how opening a file
// fails safely (a failing migration, a file from a newer Chronicle, a file that is not a database).
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations, latestVersion } from '../../db/migrations/index.ts';
import type { Migration } from '../../db/migrations/types.ts';
import { DatabaseError, migrate, openDatabase, schemaVersion } from '../../db/open.ts';
import type { Sqlite } from '../../db/sql.ts';
import { tempDbFile } from '../support/workspace.ts';

const opened: Sqlite[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) if (s.open) s.close();
});
const track = (s: Sqlite) => (opened.push(s), s);

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

function objects(s: Sqlite, type: 'table' | 'index') {
  return (s.prepare(`SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name`).all(type) as { name: string }[]).map((r) => r.name);
}

function tableSql(s: Sqlite, name: string): string {
  return (s.prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) as { sql: string }).sql;
}

/** A fresh file at version 1 with one account in it, closed (WAL checkpointed into the main file). */
function fileAtVersion1(): string {
  const file = tempDbFile();
  const s = openDatabase(file, { migrate: false });
  migrate(s, file, 1);
  s.prepare(`INSERT INTO accounts (id, name, created_at) VALUES ('019a0000-0000-7000-8000-000000000001', 'Acme', 1)`).run();
  s.close();
  return file;
}

describe('migration 0001 (foundation)', () => {
  const foundationTables = [
    'accounts', 'activities', 'boards', 'card_created', 'card_moved', 'card_subscriptions', 'card_updated', 'cards', 'columns',
    'comment_added', 'comments', 'jobs', 'member_invited', 'memberships', 'project_archived', 'projects', 'users',
  ];

  it('is the first of an ordered list of distinct versions', () => {
    expect(migrations[0].version).toBe(1);
    expect(migrations[0].name).toBe('foundation');
    const versions = migrations.map((m) => m.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
    expect(latestVersion).toBe(versions[versions.length - 1]);
  });

  it('creates every foundation table, STRICT, with account_id on each', () => {
    const file = tempDbFile();
    const s = track(openDatabase(file, { migrate: false }));
    expect(schemaVersion(s)).toBe(0);
    migrate(s, file, 1);
    expect(schemaVersion(s)).toBe(1);
    expect(objects(s, 'table')).toEqual(foundationTables);
    for (const t of foundationTables) {
      expect(tableSql(s, t), t).toMatch(/\)\s*STRICT\s*$/);
      const cols = (s.prepare(`SELECT name, type, pk FROM pragma_table_info(?)`).all(t) as { name: string; type: string; pk: number }[]);
      expect(cols.find((c) => c.pk === 1), `${t} has a TEXT primary key`).toMatchObject({ name: 'id', type: 'TEXT' });
      if (t !== 'accounts') expect(cols.map((c) => c.name), t).toContain('account_id');
      for (const c of cols.filter((c) => c.name.endsWith('_at') && c.name !== 'archived_at' || c.name === 'archived_at')) {
        expect(c.type, `${t}.${c.name} is epoch milliseconds`).toBe('INTEGER');
      }
    }
  });

  it('creates the feed, lookup and job indexes', () => {
    const file = tempDbFile();
    const s = track(openDatabase(file, { migrate: false }));
    migrate(s, file, 1);
    const indexes = objects(s, 'index');
    for (const name of [
      'activities_account_created', 'activities_board_created', 'activities_project_created', 'activities_creator_created',
      'activities_account_type_created', 'activities_subject', 'cards_column', 'cards_board', 'columns_board', 'comments_card',
      'jobs_due', 'jobs_claimed', 'users_account', 'memberships_user', 'card_moved_card', 'card_updated_card',
    ]) {
      expect(indexes, name).toContain(name);
    }
    const cols = (idx: string) => (s.prepare(`SELECT name, desc FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno`).all(idx) as { name: string; desc: number }[]);
    // The feed's keyset order (created_at DESC, id DESC) is the tail of every activities index it reads.
    expect(cols('activities_account_created')).toEqual([{ name: 'account_id', desc: 0 }, { name: 'created_at', desc: 1 }, { name: 'id', desc: 1 }]);
    expect(cols('activities_board_created').map((c) => c.name)).toEqual(['board_id', 'created_at', 'id']);
    const subjectUnique = s.prepare(`SELECT "unique" AS u FROM pragma_index_list('activities') WHERE name = 'activities_subject'`).get() as { u: number };
    expect(subjectUnique.u).toBe(1);
  });

  it('enforces its CHECK constraints (a move between the same column, an empty reason, non-JSON changes)', () => {
    const file = tempDbFile();
    const s = track(openDatabase(file, { migrate: false }));
    migrate(s, file, 1);
    s.pragma('foreign_keys = OFF');
    const id = (n: number) => `019a0000-0000-7000-8000-${String(n).padStart(12, '0')}`;
    expect(() =>
      s.prepare(`INSERT INTO card_moved VALUES (?, ?, ?, 1, ?, ?, ?, 0, 0)`).run(id(1), id(2), id(3), id(4), id(5), id(5)),
    ).toThrow(/CHECK/);
    expect(() => s.prepare(`INSERT INTO project_archived VALUES (?, ?, ?, 1, ?, '   ')`).run(id(1), id(2), id(3), id(4))).toThrow(/CHECK/);
    expect(() => s.prepare(`INSERT INTO project_archived VALUES (?, ?, ?, 1, ?, ?)`).run(id(1), id(2), id(3), id(4), 'x'.repeat(501))).toThrow(/CHECK/);
    expect(() => s.prepare(`INSERT INTO card_updated VALUES (?, ?, ?, 1, ?, 'not json')`).run(id(1), id(2), id(3), id(4))).toThrow(/CHECK/);
    // STRICT: a text timestamp is refused, not stored.
    expect(() => s.prepare(`INSERT INTO accounts VALUES (?, 'A', 'yesterday')`).run(id(9))).toThrow(/cannot store TEXT value in INTEGER column/);
  });

  it('is applied on open and sets user_version; reopening applies nothing again', () => {
    const file = tempDbFile();
    const s = openDatabase(file);
    expect(schemaVersion(s)).toBe(latestVersion);
    expect(s.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(s.pragma('foreign_keys', { simple: true })).toBe(1);
    s.close();
    const before = sha(file);
    const again = track(openDatabase(file));
    expect(schemaVersion(again)).toBe(latestVersion);
    again.close();
    expect(sha(file)).toBe(before);
  });

  it('a failing migration rolls everything back and leaves the file untouched', () => {
    const file = fileAtVersion1();
    const before = fileState(file);
    const failing: Migration = {
      version: 2,
      name: 'fails_halfway',
      up(s) {
        s.exec(`CREATE TABLE half_done (id TEXT PRIMARY KEY) STRICT; INSERT INTO half_done VALUES ('x');`);
        s.exec(`UPDATE accounts SET name = 'Changed'`);
        throw new Error('disk on fire');
      },
    };
    const s = track(openDatabase(file, { migrate: false }));
    let error: unknown;
    try {
      migrate(s, file, undefined, [...migrations.filter((m) => m.version === 1), failing]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).code).toBe('db_migration_failed');
    expect((error as DatabaseError).message).toBe(`Migration failed on ${file}: disk on fire`);
    expect(schemaVersion(s)).toBe(1);
    expect(objects(s, 'table')).not.toContain('half_done');
    expect((s.prepare('SELECT name FROM accounts').get() as { name: string }).name).toBe('Acme');
    s.close();
    expect(fileState(file)).toEqual(before);
  });

  it('refuses a file written by a newer version, with a clear message, leaving it untouched', () => {
    const file = fileAtVersion1();
    const raw = new Database(file);
    raw.pragma(`user_version = ${latestVersion + 5}`);
    raw.close();
    const before = fileState(file);
    let error: unknown;
    try {
      track(openDatabase(file));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).code).toBe('db_newer_version');
    expect((error as DatabaseError).message).toBe(
      `${file} was written by a newer version of Chronicle (schema ${latestVersion + 5}; this build knows up to ${latestVersion}). Update Chronicle to open it.`,
    );
    expect(fileState(file)).toEqual(before);
  });

  it('refuses a newer file even when it uses a rollback journal (opening must not switch it to WAL)', () => {
    const file = tempDbFile();
    const raw = new Database(file);
    raw.pragma('journal_mode = DELETE');
    raw.exec('CREATE TABLE future_thing (id TEXT PRIMARY KEY) STRICT');
    raw.pragma(`user_version = ${latestVersion + 1}`);
    raw.close();
    const before = fileState(file);
    expect(() => track(openDatabase(file))).toThrow(/written by a newer version of Chronicle/);
    expect(fileState(file)).toEqual(before);
  });

  it('gives a clear error for a file that is not a SQLite database, leaving it untouched', () => {
    const file = tempDbFile();
    fs.writeFileSync(file, 'These are my shopping notes, not a database.\n'.repeat(200));
    const before = fileState(file);
    let error: unknown;
    try {
      track(openDatabase(file));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).code).toBe('db_unreadable');
    expect((error as DatabaseError).message).toBe(`Cannot open ${file}: file is not a database`);
    expect(fileState(file)).toEqual(before);
  });

  it.skipIf(!fs.existsSync('/proc/self/fd'))('a refused file is closed again (no handle left open)', () => {
    const notDb = tempDbFile();
    fs.writeFileSync(notDb, 'not a database\n'.repeat(100));
    const newer = fileAtVersion1();
    const raw = new Database(newer);
    raw.pragma(`user_version = ${latestVersion + 1}`);
    raw.close();
    for (const file of [notDb, newer]) {
      expect(() => openDatabase(file)).toThrow(DatabaseError);
      expect(openHandles(file), file).toBe(0);
    }
  });
});
