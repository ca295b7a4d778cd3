// Runs the BUILT main bundle under plain Node with the electron stand-in, drives it as Electron would, prints
// one JSON line of what it saw, then closes the window so the shell quits by itself.
//   node --import ./test/shell/register-electron-double.mjs test/shell/boot-shell.mjs
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { emitReady, recorded } from './electron-double.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const until = async (what, fn, ms = 20_000) => {
  const start = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}; errors: ${recorded.errors.join(' | ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

await import(pathToFileURL(path.join(root, 'out/main/index.js')).href);
emitReady();
const win = await until('the window', () => recorded.windows[0]);
await until('ready-to-show', () => win.shown);

const rpc = recorded.ipcHandlers.get('chronicle:rpc');
// The frame shows what the window loaded (its own page), on some route.
const trustedEvent = (id) => ({ senderFrame: { url: `${win.loaded[0]}#/boards`, parent: null }, sender: { id } });
const call = (event, method, input) => rpc(event, method, input);
const id = win.webContents.id;

const out = {
  loaded: win.loaded,
  windowOptions: win.options,
  privilegedSchemes: recorded.privilegedSchemes,
  schemeRegisteredAfterReady: recorded.schemeRegisteredAfterReady,
  protocolSchemes: [...recorded.protocolHandlers.keys()],
  ipcChannels: [...recorded.ipcHandlers.keys()],
  windowOpen: win.webContents.windowOpenHandler?.({ url: 'https://example.com/' }),
  menuLabels: recorded.menu?.template?.map((m) => m.label ?? m.role),
};

// Permissions: both handlers deny.
out.permissionRequest = await new Promise((r) => recorded.permissionRequestHandler(win.webContents, 'media', r, {}));
out.permissionCheck = recorded.permissionCheckHandler(win.webContents, 'geolocation', 'app://chronicle', {});

// The app:// scheme serves the built renderer with the CSP, and nothing outside it.
const serve = recorded.protocolHandlers.get('app');
const page = await serve(new Request('app://chronicle/index.html'));
out.page = { status: page.status, csp: page.headers.get('content-security-policy'), hasRoot: (await page.text()).includes('<div id="root"') };
out.traversal = (await serve(new Request('app://chronicle/..%2F..%2Fpackage.json'))).status;

// IPC through the real contract and handlers: the trusted frame.
out.statusBefore = await call(trustedEvent(id), 'workspace.status', {});
out.created = await call(trustedEvent(id), 'workspace.create', { accountName: 'Shell Test Co', userName: 'Shell Tester', email: 'shell@test.example' });
out.session = await call(trustedEvent(id), 'session.get', {});
out.invalid = await call(trustedEvent(id), 'cards.move', { cardId: 'nope' });
// Untrusted frames: another origin, an iframe of our page, a lookalike file URL.
out.untrusted = [
  await call({ senderFrame: { url: 'https://evil.example/', parent: null }, sender: { id } }, 'session.get', {}),
  await call({ senderFrame: { url: 'app://chronicle/index.html', parent: {} }, sender: { id } }, 'session.get', {}),
  await call({ senderFrame: { url: 'file:///tmp/index.html', parent: null }, sender: { id } }, 'session.get', {}),
  await call({ senderFrame: null, sender: { id } }, 'session.get', {}),
];
// Connect to a team hub (DOUBLE_HUB_URL / DOUBLE_HUB_TOKEN: a real `chronicle serve` the test started).
if (process.env.DOUBLE_HUB_URL) {
  const hubUrl = process.env.DOUBLE_HUB_URL;
  const ev = trustedEvent(id);
  out.hub = {};
  out.hub.before = await call(ev, 'connection.get', {});
  out.hub.refused = await call(ev, 'connection.connect', { url: hubUrl, token: 'not-the-hub-token' });
  out.hub.afterRefused = await call(ev, 'connection.get', {});
  out.hub.connected = await call(ev, 'connection.connect', { url: hubUrl, token: process.env.DOUBLE_HUB_TOKEN });
  out.hub.session = await call(ev, 'session.get', {});
  const boards = await call(ev, 'boards.list', {});
  const board = boards.result.items.find((b) => !b.archived);
  const full = await call(ev, 'boards.get', { boardId: board.id });
  await new Promise((r) => setTimeout(r, 300)); // the window's stream from the hub is open
  out.hub.created = await call(ev, 'cards.create', { boardId: board.id, columnId: full.result.columns[0].id, title: 'Made from the desktop' });
  await until('the hub’s push in the window', () => win.webContents.sent.some(([ch, topic, p]) => ch === 'chronicle:push' && topic === 'activity.created' && p.boardId === board.id));
  out.hub.pushTopics = [...new Set(win.webContents.sent.filter(([ch]) => ch === 'chronicle:push').map(([, t]) => t))];
  out.hub.connection = await call(ev, 'connection.get', {});
  // Download for offline review, then open it: a read-only window of its own, reading the verified copy.
  out.hub.offline = await call(ev, 'connection.downloadOffline', {});
  out.hub.openedOffline = await call(ev, 'connection.openOffline', {});
  const bundleWin = await until('the offline copy’s window', () => recorded.windows[1]);
  out.hub.bundleWindowTitle = bundleWin.options.title;
  out.hub.bundleSession = await call(trustedEvent(bundleWin.webContents.id), 'session.get', {});
  out.hub.bundleWrite = await call(trustedEvent(bundleWin.webContents.id), 'workspace.seedDemo', {});
  bundleWin.close();
  const dir = path.join(process.env.DOUBLE_USER_DATA, 'hub');
  out.hub.files = Object.fromEntries(fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile()).map((f) => [f, { text: fs.readFileSync(path.join(dir, f), 'utf8'), mode: fs.statSync(path.join(dir, f)).mode & 0o777 }]));
  out.hub.keychainWraps = recorded.keychainWraps ?? 0;
  out.hub.disconnected = await call(ev, 'connection.disconnect', {});
  out.hub.localAgain = await call(ev, 'session.get', {});
  out.hub.filesAfter = fs.readdirSync(dir).sort();
}
out.errors = recorded.errors;
process.stdout.write(JSON.stringify(out) + '\n');

// Close the only window: the shell quits (window-all-closed → quit), holds will-quit until the workspace is
// closed, then quits for real; the stand-in then ends the process as Electron would.
win.close();
setTimeout(() => {
  process.stderr.write(`the shell did not quit within 20 s: ${recorded.events.join(', ')}\n`);
  process.exit(3);
}, 20_000).unref();
