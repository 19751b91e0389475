/**
 * The sandboxed preload: bundled to CommonJS (scripts/package/build-main.mjs), it may use only
 * contextBridge, ipcRenderer and webUtils. It hands the page one narrow object, never
 * ipcRenderer itself, so the page can reach two fixed channels and nothing else.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from "electron";
import { API_CHANNEL, DIALOG_CHANNEL, MENU_CHANNEL, MENU_COMMANDS, type DesktopBridge, type MenuCommand } from "./bridge.ts";

const bridge: DesktopBridge = {
  call: (name, input) => ipcRenderer.invoke(API_CHANNEL, name, input),
  dialog: (request) => ipcRenderer.invoke(DIALOG_CHANNEL, request),
  pathForFile: (file) => webUtils.getPathForFile(file),
  onMenu(listener) {
    const forward = (_event: IpcRendererEvent, command: unknown) => {
      if ((MENU_COMMANDS as readonly unknown[]).includes(command)) listener(command as MenuCommand);
    };
    ipcRenderer.on(MENU_CHANNEL, forward);
    return () => {
      ipcRenderer.removeListener(MENU_CHANNEL, forward);
    };
  },
};

contextBridge.exposeInMainWorld("oncotimeline", bridge);
