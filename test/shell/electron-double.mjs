// A stand-in for the parts of the `electron` module that the built main bundle (out/main/index.js) uses, so
// the shell can start under plain Node. It records what the shell asks of Electron and behaves like Electron
// where the shell depends on it (ready, window lifecycle, quit and its preventable will-quit). Only Electron
// is stood in for: the workspace, the contract and the handlers the bundle runs are the real ones.
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';

export const recorded = {
  privilegedSchemes: [],
  schemeRegisteredAfterReady: false,
  protocolHandlers: new Map(),
  permissionRequestHandler: null,
  permissionCheckHandler: null,
  ipcHandlers: new Map(),
  windows: [],
  menu: null,
  errors: [],
  quitCalls: 0,
  events: [],
};

let ready = false;
let readyResolve;
const readyPromise = new Promise((r) => (readyResolve = r));

class App extends EventEmitter {
  isPackaged = process.env.DOUBLE_IS_PACKAGED === '1';
  whenReady() {
    return readyPromise;
  }
  isReady() {
    return ready;
  }
  getPath(name) {
    if (name === 'userData') return process.env.DOUBLE_USER_DATA;
    throw new Error(`electron double: getPath(${name}) is not stood in for`);
  }
  getAppPath() {
    return process.env.DOUBLE_APP_PATH;
  }
  quit() {
    recorded.quitCalls++;
    recorded.events.push('quit()');
    const before = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    this.emit('before-quit', before);
    if (before.defaultPrevented) return;
    const will = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    this.emit('will-quit', will);
    if (will.defaultPrevented) return recorded.events.push('will-quit prevented');
    this.emit('quit', {}, 0);
    recorded.events.push('exit');
    // Like Electron: the process ends here, whatever is still pending.
    process.exit(0);
  }
  exit(code = 0) {
    recorded.events.push(`exit(${code})`);
    process.exit(code);
  }
}
export const app = new App();

/**
 * Electron emits `ready` only once the main entry (an ES module here) has been evaluated; the harness calls
 * this after importing the bundle, so what the shell must do before `ready` is checked for real.
 */
export function emitReady() {
  setImmediate(() => {
    ready = true;
    app.emit('ready');
    readyResolve();
  });
}

let nextId = 1;
class WebContents extends EventEmitter {
  id = nextId++;
  sent = [];
  windowOpenHandler = null;
  setWindowOpenHandler(fn) {
    this.windowOpenHandler = fn;
  }
  send(channel, ...args) {
    this.sent.push([channel, ...args]);
  }
  isDestroyed() {
    return false;
  }
}

export class BrowserWindow extends EventEmitter {
  static getAllWindows() {
    return recorded.windows.filter((w) => !w.destroyed);
  }
  constructor(options) {
    super();
    if (!ready) throw new Error('electron double: a BrowserWindow was created before the app was ready');
    this.options = options;
    this.webContents = new WebContents();
    this.loaded = [];
    this.shown = false;
    this.destroyed = false;
    recorded.windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
    app.emit('browser-window-created', {}, this);
  }
  loadURL(url) {
    this.loaded.push(url);
    setImmediate(() => this.emit('ready-to-show'));
    return Promise.resolve();
  }
  loadFile(file) {
    return this.loadURL(`file://${file}`);
  }
  show() {
    this.shown = true;
  }
  isDestroyed() {
    return this.destroyed;
  }
  close() {
    this.destroyed = true;
    this.emit('closed');
    if (BrowserWindow.getAllWindows().length === 0) app.emit('window-all-closed');
  }
}

export const ipcMain = {
  handle(channel, fn) {
    recorded.ipcHandlers.set(channel, fn);
  },
};

export const protocol = {
  registerSchemesAsPrivileged(schemes) {
    if (ready) recorded.schemeRegisteredAfterReady = true;
    recorded.privilegedSchemes.push(...schemes);
  },
  handle(scheme, fn) {
    if (!ready) throw new Error('electron double: protocol.handle before ready');
    recorded.protocolHandlers.set(scheme, fn);
  },
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler(fn) {
      recorded.permissionRequestHandler = fn;
    },
    setPermissionCheckHandler(fn) {
      recorded.permissionCheckHandler = fn;
    },
  },
};

export const Menu = {
  buildFromTemplate(template) {
    return { template };
  },
  setApplicationMenu(menu) {
    recorded.menu = menu;
  },
};

export class Notification {
  static isSupported() {
    return false;
  }
  show() {}
}

// DOUBLE_SAFE_STORAGE=1: a keychain stand-in (AES-GCM under a key of this process, as safeStorage's is the
// OS's), recording what it was asked to wrap; otherwise no keychain, as on a Linux desktop without one.
const keychainKey = crypto.randomBytes(32);
export const safeStorage = {
  isEncryptionAvailable: () => process.env.DOUBLE_SAFE_STORAGE === '1',
  encryptString: (plain) => {
    if (process.env.DOUBLE_SAFE_STORAGE !== '1') throw new Error('electron double: no keychain');
    recorded.keychainWraps = (recorded.keychainWraps ?? 0) + 1;
    const iv = crypto.randomBytes(12);
    const c = crypto.createCipheriv('aes-256-gcm', keychainKey, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), body]);
  },
  decryptString: (cipher) => {
    if (process.env.DOUBLE_SAFE_STORAGE !== '1') throw new Error('electron double: no keychain');
    const d = crypto.createDecipheriv('aes-256-gcm', keychainKey, cipher.subarray(0, 12));
    d.setAuthTag(cipher.subarray(12, 28));
    return Buffer.concat([d.update(cipher.subarray(28)), d.final()]).toString('utf8');
  },
};

export const dialog = {
  showErrorBox(title, content) {
    recorded.errors.push(`${title}: ${content}`);
  },
  async showOpenDialog() {
    return { canceled: true, filePaths: [] };
  },
};

export default { app, BrowserWindow, ipcMain, protocol, session, Menu, Notification, safeStorage, dialog };
