import type { MenuItemConstructorOptions } from "electron";
import type { MenuCommand } from "./bridge.ts";

export type MenuActions = {
  /** Forwarded to the page, which opens the matching dialog and screen. */
  command(command: MenuCommand): void;
  openDataFolder(): void;
  quit(): void;
};

export type MenuOptions = {
  platform: NodeJS.Platform;
  /** Reload and developer tools only in development: a reload mid-review would drop unsaved UI state. */
  development: boolean;
};

/** The application menu as data (Menu.buildFromTemplate turns it into a menu in main.ts). */
export function menuTemplate(actions: MenuActions, options: MenuOptions): MenuItemConstructorOptions[] {
  const mac = options.platform === "darwin";
  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: "OncoTimeline",
      submenu: [{ role: "about" }, { type: "separator" }, { role: "hide" }, { role: "hideOthers" }, { role: "unhide" }, { type: "separator" }, { role: "quit" }],
    });
  }
  template.push(
    {
      label: "&File",
      submenu: [
        { id: "import-letters", label: "Import letters…", accelerator: "CmdOrCtrl+O", click: () => actions.command("import-letters") },
        { id: "import-folder", label: "Import folder…", accelerator: "CmdOrCtrl+Shift+O", click: () => actions.command("import-folder") },
        { id: "export", label: "Export…", accelerator: "CmdOrCtrl+E", click: () => actions.command("export") },
        ...(mac ? [] : ([{ type: "separator" }, { id: "quit", label: "Quit", accelerator: "CmdOrCtrl+Q", click: () => actions.quit() }] satisfies MenuItemConstructorOptions[])),
      ],
    },
    {
      label: "&Edit",
      submenu: [
        { role: "undo" },
        { role: "redo" },
        { type: "separator" },
        { role: "cut" },
        { role: "copy" },
        { role: "paste" },
        { role: "selectAll" },
      ],
    },
    {
      label: "&View",
      submenu: [
        ...(options.development ? ([{ role: "reload" }, { role: "toggleDevTools" }, { type: "separator" }] satisfies MenuItemConstructorOptions[]) : []),
        { role: "resetZoom" },
        { role: "zoomIn" },
        { role: "zoomOut" },
        { type: "separator" },
        { role: "togglefullscreen" },
      ],
    },
    { label: "&Window", role: "windowMenu" },
    {
      label: "&Help",
      role: "help",
      submenu: [
        { id: "about", label: "About OncoTimeline", click: () => actions.command("about") },
        { id: "open-data-folder", label: "Open data folder", click: () => actions.openDataFolder() },
      ],
    },
  );
  return template;
}
