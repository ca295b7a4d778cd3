// Signed review bundles, exported from a workspace file and from a hub alike (the bundle is the same SQLite file
// either way): export through the contract and the CLI, verification elsewhere (the workspace deleted), failure
// after one changed byte, a date-range cut, partial files that never hold more than the bundle, and a bundle
// served read-only through the real host refusing every write.
// The bundle is always a SQLite file, so its bytes and rows are inspected with better-sqlite3 on both stores.
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../main/app.ts';
import { exportBundle, verifyBundleFile, type Manifest } from '../../main/audit/bundle.ts';
import { SIGNING_KEY_FILE } from '../../main/audit/keys.ts';
import { prng } from '../../main/demo.ts';
import { methods } from '../../preload/contract.ts';
import { caller, openTestApp, openTestHost, sqlRow, sqlRows, tempDir } from '../support/workspace.ts';

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['main/bin/chronicle.mjs', 'audit', ...args], { cwd: path.resolve(__dirname, '../..'), encoding: 'utf8' });

let app: App;
let api: Awaited<ReturnType<typeof caller>>;
let bundle: string;
let manifest: Manifest;

beforeAll(async () => {
  app = await openTestApp({ events: 800 });
  api = await caller(app);
  // The webhooks area may add endpoints with encrypted secrets: a bundle must never carry them.
  const r = await api.call('audit.export', {});
  bundle = r.file;
  manifest = r.manifest as Manifest;
});
afterAll(() => app.close());

/** A copy of the bundle in a folder of its own (nothing of the workspace next to it). */
function elsewhere(file = bundle): string {
  const dir = tempDir('chronicle-review-');
  const copy = path.join(dir, 'review.chronicle-bundle');
  fs.copyFileSync(file, copy);
  return copy;
}

describe('export', () => {
  it('writes one file holding only the session’s account, signed with the workspace key', async () => {
    expect(fs.existsSync(bundle)).toBe(true);
    expect(fs.readdirSync(path.dirname(bundle)).filter((f) => f.includes('partial'))).toEqual([]);
    const info = await api.call('audit.bundleInfo', {});
    expect(info.bundle).toBeNull();
    expect(info.workspaceKey!.fingerprint).toBe(manifest.fingerprint);
    expect(manifest.fingerprint).toMatch(/^([0-9A-F]{4} ){15}[0-9A-F]{4}$/);
    const accountId = api.slot.session!.accountId;
    expect(manifest.account.id).toBe(accountId);
    const head = (await api.call('audit.verify', {})).head!;
    expect(manifest.chain).toMatchObject({ firstSeq: 1, headSeq: head.seq, headHash: head.hash, links: head.seq });
    // The key file is 0600 and the private key is stored encrypted.
    const keyFile = path.join(app.dataDir, SIGNING_KEY_FILE);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const keyRow = (await sqlRow<{ private_key_enc: string; public_key: string }>(app, 'SELECT private_key_enc, public_key FROM audit_keys'))!;
    expect(keyRow.private_key_enc).toMatch(/^v1:/);
    expect(keyRow.public_key).toBe(manifest.publicKey);

    const b = new Database(bundle, { readonly: true });
    try {
      expect(b.pragma('journal_mode', { simple: true })).toBe('delete');
      expect((b.prepare('SELECT id FROM accounts').all() as { id: string }[]).map((r) => r.id)).toEqual([accountId]);
      const tables = (b.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as { name: string }[]).map((r) => r.name);
      for (const t of tables) {
        const cols = (b.prepare('SELECT name FROM pragma_table_info(?)').all(t) as { name: string }[]).map((c) => c.name);
        if (cols.includes('account_id')) {
          expect(b.prepare(`SELECT count(*) AS n FROM "${t}" WHERE account_id <> ?`).get(accountId), t).toEqual({ n: 0 });
        }
        if (cols.some((c) => /_enc$|secret/.test(c)) || ['jobs', 'audit_keys'].includes(t)) {
          expect(b.prepare(`SELECT count(*) AS n FROM "${t}"`).get(), t).toEqual({ n: 0 });
        }
      }
      expect((b.prepare('SELECT count(*) AS n FROM audit_chain').get() as { n: number }).n).toBe(head.seq);
      // Every row of the account's trail made it, whichever store it came from.
      for (const t of ['audit_chain', 'activities', 'card_created', 'card_updated', 'card_moved', 'comment_added', 'member_invited', 'project_archived', 'cards', 'comments', 'report_daily', 'report_user_daily']) {
        const live = (await sqlRow<{ n: number }>(app, `SELECT count(*) AS n FROM ${t} WHERE account_id = ?`, accountId))!.n;
        expect(manifest.counts[t], t).toBe(live);
        expect((b.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n, t).toBe(live);
      }
      // The same SQLite schema as a workspace file's, whatever the store: the offline format does not depend on it.
      const fresh = await openTestApp({ demo: false, location: path.join(tempDir(), 'fresh.db') });
      try {
        const schema = (rows: { type: string; name: string; sql: string | null }[]) => rows.map((r) => `${r.type} ${r.name} ${r.sql}`).sort();
        const expected = schema(await sqlRows(fresh, `SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_autoindex%'`));
        const got = schema(b.prepare(`SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_autoindex%' AND name <> 'audit_bundle'`).all() as never[]);
        expect(got).toEqual(expected);
        expect(b.pragma('user_version', { simple: true })).toBe(manifest.schemaVersion);
      } finally {
        await fresh.close();
      }
    } finally {
      b.close();
    }
  });

  it('verifies elsewhere, without the workspace (API and CLI)', async () => {
    const copy = elsewhere();
    const r = await verifyBundleFile(copy);
    expect(r.checks.map((c) => [c.name, c.ok])).toEqual([['file', true], ['signature', true], ['bytes', true], ['content', true], ['counts', true], ['chain', true]]);
    expect(r.ok).toBe(true);
    expect(r.chain).toMatchObject({ ok: true, checked: manifest.chain.links });
    const out = cli('verify-bundle', copy);
    expect(out.status).toBe(0);
    expect(out.stdout).toContain(manifest.fingerprint);
    expect(out.stdout).toContain('The bundle is valid.');
  });

  it('fails after one byte is changed, wherever it is (a row, unused space in a page, the header)', async () => {
    const original = fs.readFileSync(bundle);
    const title = (new Database(bundle, { readonly: true }).prepare('SELECT title FROM cards ORDER BY title LIMIT 1').get() as { title: string }).title;
    const rand = prng(3);
    const offsets = [
      original.indexOf(Buffer.from(title)),
      original.lastIndexOf(Buffer.from(title)),
      30, // the file header (change counter)
      original.length - 1,
      ...Array.from({ length: 6 }, () => rand.int(original.length)),
    ];
    for (const at of offsets) {
      const copy = elsewhere();
      const bytes = Buffer.from(original);
      bytes[at] = bytes[at] ^ 0x20;
      fs.writeFileSync(copy, bytes);
      const r = await verifyBundleFile(copy);
      expect(r.ok, `byte ${at}`).toBe(false);
    }
    const copy = elsewhere();
    const bytes = Buffer.from(original);
    const at = original.indexOf(Buffer.from(title));
    bytes[at] = bytes[at] ^ 0x20;
    fs.writeFileSync(copy, bytes);
    const out = cli('verify-bundle', copy);
    expect(out.status).toBe(1);
    expect(out.stdout).toContain('The bundle is NOT valid.');
  });

  it('fails when the manifest or its signature is changed by one byte', async () => {
    for (const target of ['signature', 'manifest'] as const) {
      const copy = elsewhere();
      const bytes = fs.readFileSync(copy);
      const db = new Database(copy, { readonly: true });
      const row = db.prepare('SELECT manifest, signature FROM audit_bundle').get() as { manifest: string; signature: string };
      db.close();
      // Inside the stored manifest or signature (the head hash also sits in audit_chain, elsewhere in the file).
      const stored = bytes.indexOf(Buffer.from(target === 'signature' ? row.signature : row.manifest));
      expect(stored).toBeGreaterThan(0);
      const needle = target === 'signature' ? row.signature.slice(10, 30) : manifest.chain.headHash;
      const at = bytes.indexOf(Buffer.from(needle), stored);
      expect(at).toBeGreaterThan(0);
      bytes[at + 3] = bytes[at + 3] === 0x41 ? 0x42 : 0x41;
      fs.writeFileSync(copy, bytes);
      const r = await verifyBundleFile(copy);
      expect(r.ok, target).toBe(false);
      expect(r.checks.find((c) => c.name === 'signature')?.ok ?? false).toBe(false);
    }
    // Base64 decoders skip characters that are not base64: a signature whose text was changed that way (its
    // '=' padding, here) would still decode to the signed bytes. The stored text itself must be the signature.
    const copy = elsewhere();
    const bytes = fs.readFileSync(copy);
    const db = new Database(copy, { readonly: true });
    const { signature } = db.prepare('SELECT signature FROM audit_bundle').get() as { signature: string };
    db.close();
    expect(signature.endsWith('=')).toBe(true);
    const pad = bytes.indexOf(Buffer.from(signature)) + signature.length - 1;
    bytes[pad] = 0x20;
    fs.writeFileSync(copy, bytes);
    const r = await verifyBundleFile(copy);
    expect(r.ok).toBe(false);
    expect(r.checks.find((c) => c.name === 'signature')).toMatchObject({ ok: false });
  });

  it('a byte changed in the event trail breaks the chain check and names the link', async () => {
    const copy = elsewhere();
    const db = new Database(copy);
    // Rewrite one event and re-sign nothing: both the digest and the chain catch it.
    const victim = db.prepare('SELECT seq, event_id FROM audit_chain WHERE event_table = ? ORDER BY seq LIMIT 1 OFFSET 3').get('card_created') as { seq: number; event_id: string };
    db.prepare("UPDATE card_created SET title = title || 'x' WHERE id = ?").run(victim.event_id);
    db.close();
    const r = await verifyBundleFile(copy);
    expect(r.ok).toBe(false);
    expect(r.chain?.firstBroken).toMatchObject({ seq: victim.seq, kind: 'edited', id: victim.event_id });
  });

  it('cuts to a date range: the chain verifies from a signed anchor, and cards are as they were at the end', async () => {
    const all = await api.call('audit.list', { limit: 500 });
    const to = all.items[120].createdAt;
    const from = all.items[400].createdAt;
    const r = await api.call('audit.export', { from, to });
    expect(r.manifest.range).toEqual({ from, to });
    expect(r.manifest.chain.firstSeq).toBeGreaterThan(1);
    expect(r.manifest.chain.headSeq).toBeLessThan(manifest.chain.headSeq);
    const v = await verifyBundleFile(elsewhere(r.file));
    expect(v.ok).toBe(true);
    // Served read-only, cardAt at the cut equals the card in the bundle, and history stops at the cut.
    const review = await createApp({ location: elsewhere(r.file), readonly: true, migrate: false, background: false });
    try {
      const rc = await caller(review);
      // A card that existed at the cut and changed after it (so the bundle holds it rewound), else one of the range.
      const inRange = new Set(all.items.slice(121, 400).map((i) => i.card.id));
      const cardId = all.items.slice(0, 120).map((i) => i.card.id).find((id) => inRange.has(id)) ?? all.items[130].card.id;
      const hist = await rc.call('audit.cardHistory', { cardId, limit: 200 });
      for (const item of hist.items) expect(item.createdAt <= to && item.createdAt >= from).toBe(true);
      const inLive = await api.call('audit.cardAt', { cardId, at: to });
      const card = await sqlRow(review, 'SELECT title, description, column_id, assignee_id, due_date FROM cards WHERE id = ?', cardId);
      expect(inLive.existed).toBe(true);
      expect(card).toEqual({
        title: inLive.state!.title, description: inLive.state!.description, column_id: inLive.state!.columnId,
        assignee_id: inLive.state!.assigneeId, due_date: inLive.state!.dueDate,
      });
      expect(await rc.raw('audit.cardAt', { cardId, at: new Date(Date.parse(from) - 1).toISOString() })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
      const cutAt = Date.parse(to);
      expect(await sqlRow(review, 'SELECT count(*) AS n FROM cards WHERE created_at > ?', cutAt)).toEqual({ n: 0 });
      const accountId = api.slot.session!.accountId;
      expect(await sqlRow(review, 'SELECT count(*) AS n FROM cards')).toEqual(
        await sqlRow(app, 'SELECT count(*) AS n FROM cards WHERE account_id = ? AND created_at <= ?', accountId, cutAt),
      );
      expect(await sqlRow(review, 'SELECT count(*) AS n FROM comments WHERE created_at > ?', cutAt)).toEqual({ n: 0 });
      const ver = await rc.call('audit.verify', {});
      expect(ver.ok).toBe(true);
      expect(ver.bundleChecks?.every((c) => c.ok)).toBe(true);
    } finally {
      await review.close();
    }
  });

  it('reports progress of an export and of a verification started with a run id', async () => {
    const seen: { runId: string; task: string; phase: string; done: number; total: number }[] = [];
    const off = app.push.subscribe((accountId, topic, payload) => {
      if (topic === 'audit.progress' && accountId === api.slot.session!.accountId) seen.push(payload as (typeof seen)[number]);
    });
    let verified: { checked: number; total: number };
    try {
      await api.call('audit.export', { runId: 'export-1' });
      verified = await api.call('audit.verify', { runId: 'verify-1' });
    } finally {
      off();
    }
    const exp = seen.filter((p) => p.runId === 'export-1');
    expect(exp.every((p) => p.task === 'export')).toBe(true);
    expect(exp[0].phase).toBe('copy');
    expect(exp.at(-1)).toMatchObject({ phase: 'sign', done: 100, total: 100 });
    const dones = exp.map((p) => p.done);
    expect(dones).toEqual([...dones].sort((a, b) => a - b));
    const ver = seen.filter((p) => p.runId === 'verify-1');
    expect(verified!.checked).toBeGreaterThan(0);
    expect(ver.at(-1)).toMatchObject({ task: 'verify', done: verified!.checked, total: verified!.total });
  });

  it('the CLI exports one account of several only when told which', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'x.bundle');
    const db = ['--db', app.connectTo, '--data-dir', app.dataDir];
    const noAccount = cli('export', ...db, '--out', out);
    expect(noAccount.status).toBe(2);
    expect(noAccount.stderr).toContain('pick one with --account');
    const ok = cli('export', ...db, '--out', out, '--account', api.slot.session!.accountId, '--from', '2000-01-01', '--to', '2100-12-31');
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(manifest.fingerprint);
    expect(cli('verify-bundle', out).status).toBe(0);
    expect(cli('export', ...db, '--out', out, '--from', 'yesterday').status).toBe(2);
    expect(cli('verify-bundle', path.join(dir, 'missing.bundle')).status).toBe(1);
  });
});

describe('partial files', () => {
  it('never hold more than the bundle will: no other account, no job, no signing key, while copying or before signing', async () => {
    const accountId = api.slot.session!.accountId;
    const other = (await sqlRow<{ id: string; name: string }>(app, 'SELECT id, name FROM accounts WHERE id <> ? ORDER BY id LIMIT 1', accountId))!;
    const key = (await sqlRow<{ private_key_enc: string }>(app, 'SELECT private_key_enc FROM audit_keys'))!;
    const job = await sqlRow<{ id: string }>(app, 'SELECT id FROM jobs WHERE account_id = ? ORDER BY id LIMIT 1', accountId);
    const otherCard = (await sqlRow<{ id: string }>(app, 'SELECT id FROM cards WHERE account_id = ? ORDER BY id LIMIT 1', other.id))!;
    const secrets = [other.id, other.name, otherCard.id, key.private_key_enc.slice(0, 40), ...(job ? [job.id] : [])].map((x) => Buffer.from(x));
    const dir = tempDir('chronicle-partial-');
    const seen: string[] = [];
    const inspect = (phase: string) => {
      for (const f of fs.readdirSync(dir).filter((n) => n.includes('.partial-'))) {
        const bytes = fs.readFileSync(path.join(dir, f));
        seen.push(`${phase}:${bytes.length}`);
        for (const x of secrets) expect(bytes.indexOf(x), `${phase}: ${x.toString()} in ${f}`).toBe(-1);
      }
    };
    const r = await exportBundle(app.store, {
      accountId, out: path.join(dir, 'b.chronicle-bundle'), dataDir: app.dataDir,
      onProgress: (phase, f) => {
        if ((phase === 'copy' && f > 0.5) || (phase === 'sign' && f === 0)) inspect(phase);
      },
    });
    // The file was looked at while the copy ran and once it held the account's rows, before signing.
    expect(seen.some((x) => x.startsWith('copy:'))).toBe(true);
    expect(seen.some((x) => x.startsWith('sign:') && Number(x.split(':')[1]) > 100_000)).toBe(true);
    const final = fs.readFileSync(r.file);
    for (const x of secrets) expect(final.indexOf(x)).toBe(-1);
    expect(final.indexOf(Buffer.from(accountId))).toBeGreaterThan(0);
  });

  it('left by a process that is gone are removed by the next export; one being written is kept', async () => {
    const dir = tempDir('chronicle-partial-');
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      const stale = path.join(dir, `old.chronicle-bundle.partial-${gone}-0badf00d`);
      const live = path.join(dir, `other.chronicle-bundle.partial-${sleeper.pid}-0c0ffee0`);
      // What exports wrote before partials carried their PID: removed once an hour old, left alone before that.
      const legacy = path.join(dir, 'legacy.chronicle-bundle.partial-1a2b3c4d');
      const recent = path.join(dir, 'recent.chronicle-bundle.partial-5e6f7a8b');
      for (const f of [stale, `${stale}-journal`, live, legacy, recent]) fs.writeFileSync(f, 'half a workspace');
      const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
      fs.utimesSync(legacy, twoHoursAgo, twoHoursAgo);
      await exportBundle(app.store, { accountId: api.slot.session!.accountId, out: path.join(dir, 'new.chronicle-bundle'), dataDir: app.dataDir });
      expect(fs.readdirSync(dir).sort()).toEqual(['new.chronicle-bundle', path.basename(live), path.basename(recent)].sort());
    } finally {
      sleeper.kill();
    }
  });

  it('an export taken while commands commit is one consistent snapshot', async () => {
    // A workspace of its own: the tests below compare the first bundle with the live workspace.
    const busy = await openTestApp({ events: 800 });
    const api = await caller(busy);
    try {
      await exportWhileWriting(busy, api);
    } finally {
      await busy.close();
    }
  });
});

async function exportWhileWriting(app: App, api: Awaited<ReturnType<typeof caller>>) {
  {
    const board = (await api.call('boards.list', {})).items.find((b) => !b.archived)!;
    const columnId = (await api.call('boards.get', { boardId: board.id })).columns[0].id;
    let stop = false;
    let made = 0;
    const writer = (async () => {
      while (!stop) {
        await api.call('cards.create', { boardId: board.id, columnId, title: `During export ${made}` });
        made++;
        // Requests arrive as I/O events: on SQLite a command runs in microtasks only, so a loop of them would
        // never let the export (or anything else) have a turn.
        await new Promise<void>((r) => setImmediate(r));
      }
    })();
    let r: Awaited<ReturnType<typeof exportBundle>>;
    try {
      r = await exportBundle(app.store, {
        accountId: api.slot.session!.accountId, out: path.join(tempDir(), 'during.chronicle-bundle'), dataDir: app.dataDir,
      });
    } finally {
      stop = true;
      await writer;
    }
    expect(made).toBeGreaterThan(1);
    const v = await verifyBundleFile(r.file);
    expect(v.ok).toBe(true);
    // The bundle stops where the snapshot was taken: commands committed during the copy are not in it.
    const head = (await api.call('audit.verify', {})).head!;
    expect(v.manifest!.chain.headSeq).toBeLessThan(head.seq);
    const b = new Database(r.file, { readonly: true });
    try {
      const n = (sql: string) => (b.prepare(sql).get() as { n: number }).n;
      // Every card of the snapshot has its creation event and activity, and nothing later crept in.
      expect(n('SELECT count(*) AS n FROM cards')).toBe(n('SELECT count(*) AS n FROM card_created'));
      expect(n('SELECT count(*) AS n FROM activities')).toBe(n('SELECT count(*) AS n FROM audit_chain'));
      expect(n('SELECT count(*) AS n FROM card_subscriptions WHERE card_id NOT IN (SELECT id FROM cards)')).toBe(0);
    } finally {
      b.close();
    }
  }
}

describe('a bundle opened read-only through the host', () => {
  it('writes nothing next to the bundle: no key file, no journal, every file of its folder unchanged', async () => {
    const served = elsewhere();
    const dir = path.dirname(served);
    const snapshot = () => Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('base64')]));
    const before = snapshot();
    // The default data folder of a file is its own folder: what `chronicle serve --bundle B` opens.
    const review = await createApp({ location: served, readonly: true, migrate: false, background: true });
    const { host, client } = await openTestHost(review);
    try {
      const c = client();
      for (const m of ['session.get', 'activity.list', 'audit.list', 'audit.bundleInfo', 'audit.verify', 'webhooks.endpoints.list', 'webhooks.eventTypes', 'jobs.stats', 'notifications.list', 'settings.get']) {
        const r = await c.post(m, {});
        expect(r.status === 200 || r.body.error?.code === 'read_only', `${m}: ${JSON.stringify(r.body).slice(0, 200)}`).toBe(true);
      }
      const reveal = await c.post('webhooks.endpoints.revealSecret', { endpointId: '019a0000-0000-7000-8000-000000000001' });
      expect(reveal.status).toBeGreaterThanOrEqual(400);
    } finally {
      await host.close();
      await review.close();
    }
    expect(fs.existsSync(path.join(dir, 'webhook-secrets.key'))).toBe(false);
    expect(snapshot()).toEqual(before);
  });

  it('serves timelines, audit and verification, and refuses every write with a clear message', async () => {
    const served = elsewhere();
    const review = await createApp({ location: served, readonly: true, migrate: false, background: false });
    const { host, client } = await openTestHost(review);
    try {
      const c = client();
      const session = await c.post('session.get', {});
      expect(session.body.readOnly).toBe(true);
      const feed = await c.post('activity.list', { limit: 5 });
      expect(feed.status).toBe(200);
      expect(feed.body.items.length).toBe(5);
      const list = await c.post('audit.list', { limit: 10 });
      expect(list.body.items.length).toBe(10);
      const cardId = list.body.items[0].card.id;
      expect((await c.post('audit.cardHistory', { cardId })).status).toBe(200);
      // Reports read the bundle's rollups, scoped to its account like everything else.
      const day = new Date().toISOString().slice(0, 10);
      const summary = await c.post('reports.summary', { from: '2026-01-01', to: day });
      expect(summary.status, JSON.stringify(summary.body)).toBe(200);
      const liveSummary = await api.call('reports.summary', { from: '2026-01-01', to: day });
      expect(summary.body).toEqual(JSON.parse(JSON.stringify(liveSummary)));
      const info = await c.post('audit.bundleInfo', {});
      expect(info.body).toMatchObject({ readOnly: true, workspaceKey: null, bundle: { fingerprint: manifest.fingerprint, chain: manifest.chain } });
      const v = await c.post('audit.verify', {});
      expect(v.body).toMatchObject({ ok: true, checked: manifest.chain.links });
      // Every write method of the contract is refused, whatever its input.
      const writes = Object.entries(methods).filter(([, spec]) => 'write' in spec && spec.write).map(([name]) => name);
      expect(writes).toEqual(expect.arrayContaining(['cards.update', 'audit.revert', 'audit.export', 'comments.add']));
      for (const m of writes) {
        const r = await c.post(m, {});
        expect(r.status, m).toBe(403);
        expect(r.body.error.code, m).toBe('read_only');
        expect(r.body.error.message).toContain('read-only');
      }
      const realInput = await c.post('cards.update', { cardId, title: 'Changed in review' });
      expect(realInput.body.error.code).toBe('read_only');
      expect((await sqlRow<{ title: string }>(review, 'SELECT title FROM cards WHERE id = ?', cardId))!.title).not.toBe('Changed in review');
    } finally {
      await host.close();
      await review.close();
    }
    // The bundle is byte for byte unchanged by being served.
    expect((await verifyBundleFile(served)).ok).toBe(true);
    expect(fs.readFileSync(served).equals(fs.readFileSync(bundle))).toBe(true);
  });
});
