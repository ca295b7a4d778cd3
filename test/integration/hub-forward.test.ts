// A desktop-side host forwarding to a real hub on 127.0.0.1 within one test: the hub is `chronicle serve --db
// <store> --tls-cert …` (a throwaway certificate), the local console is `chronicle serve --hub https://… --token-file F
// --hub-ca cert`; both real processes. Then the hub goes away: a banner state, writes refused with
// hub_unreachable and nothing queued, reads retried (and answered once the hub is back within their retries).
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { eventStream, serveChronicle, stopChild } from '../support/cli.ts';
import { onPostgres, tempDir, tempLocation } from '../support/workspace.ts';
import { throwawayCertificate } from '../support/tls.ts';

const root = path.resolve(import.meta.dirname, '../..');
const built = fs.existsSync(path.join(root, 'out/renderer/index.html'));

const children: ChildProcess[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map(stopChild));
});

async function serve(args: string[]) {
  const served = await serveChronicle(args, children);
  return { ...served, token: served.token! };
}

type Answer = { status: number; body: any };

/** The local console's API, as its page calls it (its own token, a tab's session id). */
function localApi(base: URL, token: string, session = 'tab0000000001') {
  return async (method: string, input: unknown = {}): Promise<Answer> => {
    const res = await fetch(`${base.origin}/api/${method}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'x-chronicle-session': session, 'content-type': 'application/json' }, body: JSON.stringify(input) });
    return { status: res.status, body: await res.json() };
  };
}

/** The local console's event stream, frames as they arrive. */
function events(base: URL, token: string, session = 'tab0000000001') {
  return eventStream(`${base.origin}/api/events`, { authorization: `Bearer ${token}`, 'x-chronicle-session': session });
}

/**
 * The network between the desktop and the hub: a TCP relay the test can cut (connections dropped, new ones
 * refused) and restore on the same port, so "the hub cannot be reached" and "it is back" happen when the test says.
 */
async function cable(toPort: string) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(Number(toPort), '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    cut: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }),
    restore: () => listen(port),
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

describe.skipIf(!built)(`serve --hub forwards to a hub (${onPostgres ? 'PostgreSQL' : 'SQLite file'}) over TLS`, { timeout: 180_000 }, () => {
  it('forwards calls and pushes with the token from the file; hub down: banner state, writes refused, reads retried, nothing queued', async () => {
    const tls = throwawayCertificate();
    const keys = tempDir('chronicle-hub-keys-');
    const location = await tempLocation();
    const hubToken = 'personal-token-of-ana-0123456789';
    const hubArgs = (port: string) => ['--db', location, '--data-dir', keys, '--listen', `0.0.0.0:${port}`, '--tls-cert', tls.cert, '--tls-key', tls.key, '--token', hubToken];
    const hub = await serve([...hubArgs('0'), '--demo']);
    const hubPort = hub.url.port;
    expect(hub.url.protocol).toBe('https:');
    const agent = new Agent({ connect: { ca: tls.pem } });
    const direct = async (method: string, input: unknown = {}) => {
      const res = await undiciFetch(`https://127.0.0.1:${hubPort}/api/${method}`, { method: 'POST', dispatcher: agent, headers: { authorization: `Bearer ${hubToken}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
      return (await res.json()) as any;
    };

    const dir = tempDir('chronicle-desk-');
    const tokenFile = path.join(dir, 'hub-token');
    fs.writeFileSync(tokenFile, `${hubToken}\n`, { mode: 0o600 });
    const line = await cable(hubPort);
    const hubUrl = `https://127.0.0.1:${line.port}`;
    const local = await serve(['--hub', hubUrl, '--token-file', tokenFile, '--hub-ca', tls.cert]);
    expect(local.url.protocol).toBe('http:');
    expect(local.url.hostname).toBe('127.0.0.1');
    const api = localApi(local.url, local.token);

    // Which hub and which person: what the hub answers for this token.
    const hubSession = await direct('session.get');
    const conn = await api('connection.get');
    expect(conn.status).toBe(200);
    expect(conn.body.hub).toMatchObject({ url: hubUrl, reachable: true, user: { name: hubSession.user.name, email: hubSession.user.email }, account: { name: hubSession.account.name } });
    const session = await api('session.get');
    expect(session.body).toEqual(hubSession);

    // Pushes: a change made on the hub directly reaches the local stream.
    const stream = await events(local.url, local.token);
    const board = (await direct('boards.list')).items.find((b: { archived: boolean }) => !b.archived);
    const full = await direct('boards.get', { boardId: board.id });
    await new Promise((r) => setTimeout(r, 300)); // the local host's upstream stream is connected
    await direct('cards.create', { boardId: board.id, columnId: full.columns[0].id, title: 'Made on the hub' });
    await expect.poll(() => stream.seen.some((e) => e.topic === 'activity.created' && e.data.subjectType === 'card_created' && e.data.boardId === board.id), { timeout: 15_000 }).toBe(true);

    // A write through the local console lands on the hub.
    const viaLocal = await api('cards.create', { boardId: board.id, columnId: full.columns[0].id, title: 'Made through the desktop' });
    expect(viaLocal.status).toBe(200);
    expect((await direct('cards.get', { cardId: viaLocal.body.id })).title).toBe('Made through the desktop');
    // The hub's own refusals come back as they are.
    expect((await api('cards.get', { cardId: 'nope' })).body.error.code).toBe('invalid_input');

    // The hub goes away (the line to it is cut).
    await line.cut();
    await expect.poll(() => stream.seen.some((e) => e.topic === 'connection.changed' && e.data.hub.reachable === false), { timeout: 15_000 }).toBe(true);
    const refusedWrite = await api('cards.create', { boardId: board.id, columnId: full.columns[0].id, title: 'Written while the hub was away' });
    expect(refusedWrite.status).toBe(503);
    expect(refusedWrite.body.error.code).toBe('hub_unreachable');
    expect(refusedWrite.body.error.message).toContain('The change was not sent and nothing was kept to send later');
    const started = Date.now();
    const failedRead = await api('boards.list');
    expect(failedRead.status).toBe(503);
    expect(failedRead.body.error).toMatchObject({ code: 'hub_unreachable', message: expect.stringContaining('Tried 4 times') });
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000); // 250 ms + 1 s + 2 s between the four attempts
    const down = await api('connection.get');
    expect(down.body.hub).toMatchObject({ reachable: false, problem: expect.stringContaining(`The hub at ${hubUrl} cannot be reached`), user: { name: hubSession.user.name } });

    // A read asked while the hub is down is answered once it is back within the read's retries.
    const pendingRead = api('boards.get', { boardId: board.id });
    await new Promise((r) => setTimeout(r, 400)); // its first attempt has failed
    await line.restore();
    const read = await pendingRead;
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(board.id);
    await expect.poll(() => stream.seen.filter((e) => e.topic === 'connection.changed').at(-1)?.data.hub.reachable, { timeout: 15_000 }).toBe(true);
    // Nothing was queued: the refused write never reached the hub, even now that it is back.
    const titles = (await direct('boards.get', { boardId: board.id })).columns.flatMap((c: { cards: { title: string }[] }) => c.cards.map((x) => x.title));
    expect(titles).toContain('Made through the desktop');
    expect(titles).not.toContain('Written while the hub was away');
    stream.close();
    await agent.close();
    await line.close();
    expect(hub.child.exitCode).toBeNull();
  });

  it('a hub process that stops: the write is refused with hub_unreachable and the banner state says so', async () => {
    const tls = throwawayCertificate();
    const location = await tempLocation();
    const hub = await serve(['--db', location, '--data-dir', tempDir('chronicle-hub-keys-'), '--listen', '127.0.0.1:0', '--tls-cert', tls.cert, '--tls-key', tls.key, '--token', 'hub-token-0123456789']);
    const tokenFile = path.join(tempDir('chronicle-desk-'), 'hub-token');
    fs.writeFileSync(tokenFile, 'hub-token-0123456789\n');
    const local = await serve(['--hub', `https://127.0.0.1:${hub.url.port}`, '--token-file', tokenFile, '--hub-ca', tls.cert]);
    const api = localApi(local.url, local.token);
    expect((await api('workspace.status')).status).toBe(200);
    await stopChild(hub.child);
    const write = await api('workspace.create', { accountName: 'While away', userName: 'Ana', email: 'ana@acme.test' });
    expect(write.status).toBe(503);
    expect(write.body.error.code).toBe('hub_unreachable');
    expect((await api('connection.get')).body.hub.reachable).toBe(false);
  });

  it('a token the hub refuses says so; a hub whose certificate is not trusted is unreachable with a sentence', async () => {
    const tls = throwawayCertificate();
    const other = throwawayCertificate();
    const location = await tempLocation();
    const hub = await serve(['--db', location, '--data-dir', tempDir('chronicle-hub-keys-'), '--listen', '127.0.0.1:0', '--tls-cert', tls.cert, '--tls-key', tls.key, '--token', 'the-right-token-0123']);
    const dir = tempDir('chronicle-desk-');
    const tokenFile = path.join(dir, 'hub-token');
    fs.writeFileSync(tokenFile, 'a-wrong-token-98765\n');
    const wrong = await serve(['--hub', `https://127.0.0.1:${hub.url.port}`, '--token-file', tokenFile, '--hub-ca', tls.cert]);
    const refused = await localApi(wrong.url, wrong.token)('workspace.status');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toEqual({ code: 'hub_token_refused', message: `The hub at https://127.0.0.1:${hub.url.port} did not accept the personal token: it may have been revoked or mistyped.` });

    fs.writeFileSync(tokenFile, 'the-right-token-0123\n');
    const untrusted = await serve(['--hub', `https://127.0.0.1:${hub.url.port}`, '--token-file', tokenFile, '--hub-ca', other.cert]);
    const write = await localApi(untrusted.url, untrusted.token)('workspace.seedDemo');
    expect(write.status).toBe(503);
    expect(write.body.error.code).toBe('hub_unreachable');
    expect(write.body.error.message).toContain('presented a certificate this machine does not trust');
  });
});
