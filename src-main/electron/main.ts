/**
 * The desktop app's composition root: the only module that touches Electron's live objects.
 * Every rule it applies lives in a plain module beside it (tested under Node without the
 * Electron binary); this file only wires them together. Bundled to dist/electron/main.mjs by
 * scripts/package/build-main.mjs, so paths below are relative to that bundle.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, safeStorage, session, shell, utilityProcess } from "electron";
import { APP_NAME, defaultDataDir } from "../store/dataDir.ts";
import { createServices } from "../api/services.ts";
import { APP_ENTRY_URL, APP_SCHEME } from "./appOrigin.ts";
import { APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from "./appProtocol.ts";
import { MENU_CHANNEL, type MenuCommand } from "./bridge.ts";
import { registerDialogs } from "./dialogs.ts";
import { registerApi } from "./ipc.ts";
import { menuTemplate } from "./menu.ts";
import { createSecretStore } from "./secrets.ts";
import { createUtilitySpawner } from "./utilityWorker.ts";
import { hardenSession, hardenWebContents, mainWindowOptions } from "./windowOptions.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const PRELOAD = path.join(here, "preload.cjs");
const WORKER = path.join(here, "worker.mjs");
const RENDERER = path.join(here, "..", "renderer");

// The CLI's default store (store/dataDir.ts, ONCOTIMELINE_DATA honoured), so both share one
// store; Chromium's own files (caches, the single-instance lock) go in a subfolder of it.
const dataDir = defaultDataDir();
app.setName(APP_NAME);
app.setPath("userData", path.join(dataDir, "chromium"));
app.enableSandbox();
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

if (!app.requestSingleInstanceLock()) {
  // A second copy would open the same SQLite store and model; the first one takes focus instead.
  app.quit();
} else {
  start();
}

function start(): void {
  let window: BrowserWindow | null = null;
  let close: (() => Promise<void>) | null = null;
  let closed = false;

  const createWindow = () => {
    window = new BrowserWindow(mainWindowOptions(PRELOAD));
    window.once("ready-to-show", () => window?.show());
    window.on("closed", () => {
      window = null;
    });
    void window.loadURL(APP_ENTRY_URL);
  };

  const sendMenuCommand = (command: MenuCommand) => {
    const target = BrowserWindow.getFocusedWindow() ?? window;
    target?.webContents.send(MENU_CHANNEL, command);
  };

  app.on("second-instance", () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });

  // Every web contents, including any created later, gets the navigation and window.open rules.
  app.on("web-contents-created", (_event, contents) => {
    hardenWebContents(contents, { openExternal: (url) => void shell.openExternal(url) });
  });

  app
    .whenReady()
    .then(async () => {
      hardenSession(session.defaultSession);
      protocol.handle(APP_SCHEME, createAppProtocolHandler(RENDERER));
      const secrets = createSecretStore(safeStorage, path.join(dataDir, "secrets.json"));
      const services = await createServices({ dataDir, spawnWorker: createUtilitySpawner(utilityProcess.fork, WORKER), secrets, reveal: (file) => shell.showItemInFolder(file) });
      close = () => services.close();
      registerApi(ipcMain, services.handlers, { log: (error) => console.error(error) });
      registerDialogs(ipcMain, dialog, { windowFor: (event) => BrowserWindow.fromWebContents(event.sender) });
      Menu.setApplicationMenu(
        Menu.buildFromTemplate(
          menuTemplate(
            { command: sendMenuCommand, openDataFolder: () => void shell.openPath(dataDir), quit: () => app.quit() },
            { platform: process.platform, development: !app.isPackaged },
          ),
        ),
      );
      createWindow();
      app.on("activate", () => {
        if (BrowserWindow.getAllWindows().length === 0) createWindow();
      });
    })
    .catch((error: unknown) => {
      dialog.showErrorBox("OncoTimeline could not start", error instanceof Error ? error.message : String(error));
      app.exit(1);
    });

  app.on("window-all-closed", () => {
    if (process.platform !== "darwin") app.quit();
  });

  // The store and the inference process close cleanly before exit (WAL checkpoint, child killed).
  app.on("will-quit", (event) => {
    if (closed || !close) return;
    event.preventDefault();
    closed = true;
    close()
      .catch((error: unknown) => console.error(error))
      .finally(() => app.quit());
  });
}
