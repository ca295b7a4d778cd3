// The Electron shell. Thin on purpose: it opens the workspace (main/app.ts), serves the contract over IPC
// (main/rpc.ts) and locks the window down. Everything testable lives elsewhere and runs under plain Node.
import { app as electronApp, BrowserWindow, dialog, ipcMain, Menu, Notification, protocol, safeStorage, session as electronSession, type WebFrameMain } from 'electron';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PUSH_CHANNEL, RPC_CHANNEL } from '../preload/channels.ts';
import { createApp, type App } from './app.ts';
import type { Encrypter } from './crypto/at-rest.ts';
import { DesktopHub, HubCredentials } from './hub-client/desktop.ts';
import { invoke, type SessionSlot } from './rpc.ts';
import { osNotificationFor } from './notifications/os.ts';
import { buildMenu } from './shell/menu.ts';
import { electronNativeBinding } from './shell/native.ts';
import { appResponse, appSchemePrivileges } from './shell/app-protocol.ts';
import { APP_PAGE_URL, APP_SCHEME, devRendererUrl, isTrustedFrameUrl, permissionAllowed, secureWebPreferences } from './shell/policy.ts';
import { setSecretEncrypter } from './webhooks/service.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererDir = path.join(here, '../renderer');
// The dev server only in an unpackaged app: a packaged build never takes its page (and IPC trust) from the env.
const devUrl = devRendererUrl({ isPackaged: electronApp.isPackaged, envUrl: process.env.ELECTRON_RENDERER_URL });
// Before `ready`: app:// is a standard, secure origin for the renderer (served in whenReady below).
protocol.registerSchemesAsPrivileged([appSchemePrivileges]);
const slots = new Map<number, SessionSlot>();
let workspace: App | null = null;
/** Connect to a team hub: this app's windows forwarded to a hub (main/hub-client/desktop.ts). */
let desktopHub: DesktopHub | null = null;
/** Data keys (webhook secrets, the hub token) are wrapped by the OS keychain where safeStorage offers one. */
const keychain: Encrypter = {
  name: 'electron-safeStorage',
  isAvailable: () => safeStorage.isEncryptionAvailable(),
  encrypt: (plain) => safeStorage.encryptString(plain.toString('base64')),
  decrypt: (cipher) => Buffer.from(safeStorage.decryptString(cipher), 'base64'),
};

/** Only our own page may call the contract: not an iframe, not a page navigated elsewhere. */
function isTrustedFrame(frame: WebFrameMain | null): boolean {
  if (!frame) return false;
  return isTrustedFrameUrl(frame.url, { isTopFrame: !frame.parent, devUrl });
}

async function openWorkspace(): Promise<App> {
  // A file path (the embedded default) or a hub's postgres:// URL.
  const location = process.env.CHRONICLE_DB ?? path.join(electronApp.getPath('userData'), 'chronicle.db');
  setSecretEncrypter(keychain);
  return createApp({ location, nativeBinding: electronNativeBinding(electronApp.getAppPath()) });
}

/** Windows showing a review bundle (File → Open review bundle): each has its own read-only workspace. */
const bundleApps = new Map<number, App>();

function createWindow(ws: App, bundle?: App): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    title: bundle ? `Chronicle — review bundle (read-only): ${path.basename(bundle.location)}` : 'Chronicle',
    show: false,
    webPreferences: secureWebPreferences(path.join(here, '../preload/index.cjs')),
  });
  const id = win.webContents.id;
  const slot: SessionSlot = { session: null };
  slots.set(id, slot);
  void (bundle ?? ws).defaultSession().then((s) => (slot.session ??= s), () => {});
  if (bundle) bundleApps.set(id, bundle);
  // While connected to a hub, the hub's pushes for this window's session (and connection.changed) reach it.
  const detach = bundle ? null : desktopHub?.attachWindow(String(id), (topic, payload) => {
    if (!win.isDestroyed()) win.webContents.send(PUSH_CHANNEL, topic, payload);
  });
  win.on('closed', () => {
    detach?.();
    slots.delete(id);
    const b = bundleApps.get(id);
    bundleApps.delete(id);
    void b?.close();
  });
  win.once('ready-to-show', () => win.show());
  // No navigation away from the app, no new windows.
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.on('will-redirect', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  void win.loadURL(devUrl ?? APP_PAGE_URL);
  return win;
}

/** File → Open review bundle: the bundle opens read-only in a window of its own (its pushes go to that window only). */
async function openBundle(ws: App): Promise<void> {
  const choice = await dialog.showOpenDialog({
    title: 'Open review bundle',
    properties: ['openFile'],
    filters: [{ name: 'Chronicle review bundle', extensions: ['chronicle-bundle'] }, { name: 'All files', extensions: ['*'] }],
  });
  if (choice.canceled || !choice.filePaths[0]) return;
  await openBundleFile(ws, choice.filePaths[0]);
}

/** A review bundle (chosen, or a hub's offline copy) read-only in a window of its own. */
async function openBundleFile(ws: App, file: string): Promise<void> {
  let bundle: App;
  try {
    bundle = await createApp({ location: file, readonly: true, migrate: false, background: false, nativeBinding: electronNativeBinding(electronApp.getAppPath()) });
  } catch (err) {
    dialog.showErrorBox('This file cannot be opened', `${file} is not a readable review bundle: ${(err as Error).message}`);
    return;
  }
  const win = createWindow(ws, bundle);
  bundle.push.subscribe((_accountId, topic, payload) => {
    if (!win.isDestroyed()) win.webContents.send(PUSH_CHANNEL, topic, payload);
  });
}

electronApp.on('web-contents-created', (_event, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

electronApp.whenReady().then(start).catch((err: unknown) => {
  // A workspace that cannot be opened (newer schema, unreadable file) is said in a sentence, not a silent hang.
  dialog.showErrorBox('Chronicle could not start', (err as Error)?.message ?? String(err));
  electronApp.exit(1);
});

async function start(): Promise<void> {
  // Deny every permission (camera, notification prompts, geolocation…): the console needs none. The check
  // handler answers the synchronous "is it granted?" queries (navigator.permissions, media devices) too.
  electronSession.defaultSession.setPermissionRequestHandler((_wc, permission, callback) => callback(permissionAllowed(permission)));
  electronSession.defaultSession.setPermissionCheckHandler((_wc, permission) => permissionAllowed(permission));
  protocol.handle(APP_SCHEME, (request) => appResponse(request, rendererDir));
  workspace = await openWorkspace();
  const ws = workspace;
  const hubCa = process.env.CHRONICLE_HUB_CA;
  desktopHub = new DesktopHub({
    credentials: new HubCredentials(path.join(electronApp.getPath('userData'), 'hub'), keychain),
    offlineDir: path.join(electronApp.getPath('userData'), 'hub', 'offline'),
    openBundle: (file) => openBundleFile(ws, file),
    ca: hubCa ? fs.readFileSync(hubCa) : undefined,
    log: (line) => console.error(line),
  });
  desktopHub.restore();
  const hub = desktopHub;

  ipcMain.handle(RPC_CHANNEL, async (event, method: unknown, input: unknown) => {
    if (!isTrustedFrame(event.senderFrame)) {
      return { ok: false, error: { code: 'forbidden', message: 'Calls are only accepted from Chronicle’s own window.' } };
    }
    const name = typeof method === 'string' ? method : '';
    const local = async () => {
      const target = bundleApps.get(event.sender.id) ?? ws;
      const slot = slots.get(event.sender.id) ?? { session: null };
      slots.set(event.sender.id, slot);
      if (!slot.session) slot.session = await target.defaultSession();
      return invoke(target, slot, name, input);
    };
    // A bundle window always reads its bundle; the others go to the hub while connected.
    if (bundleApps.has(event.sender.id)) return local();
    return hub.invoke(String(event.sender.id), name, input, local);
  });

  ws.push.subscribe((accountId, topic, payload) => {
    // Windows forwarded to a hub show the hub: the local workspace's pushes are not theirs.
    if (hub.connected) return;
    for (const win of BrowserWindow.getAllWindows()) {
      if (bundleApps.has(win.webContents.id)) continue;
      const slot = slots.get(win.webContents.id);
      if (slot?.session?.accountId === accountId) win.webContents.send(PUSH_CHANNEL, topic, payload);
    }
    osNotificationFor(ws.store, accountId, topic, payload, slots.values()).then(
      (os) => {
        if (os && Notification.isSupported()) new Notification(os).show();
      },
      (err: Error) => console.error(`[notifications] no OS notification: ${err.message}`),
    );
  });

  Menu.setApplicationMenu(buildMenu({ newWindow: () => createWindow(ws), openBundle: () => void openBundle(ws) }));
  createWindow(ws);
  electronApp.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow(ws);
  });
}

electronApp.on('window-all-closed', () => {
  if (process.platform !== 'darwin') electronApp.quit();
});

// Electron exits as soon as the will-quit handlers return: hold the exit until the dispatcher has stopped and
// every workspace is closed (the WAL checkpointed), then quit again.
let closed = false;
electronApp.on('will-quit', (event) => {
  if (closed) return;
  event.preventDefault();
  closed = true;
  const open = [workspace, ...bundleApps.values()].filter((a): a is App => a !== null);
  void Promise.allSettled([...open.map((a) => a.close()), desktopHub?.close()]).then(() => electronApp.quit());
});
