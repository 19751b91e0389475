/**
 * What the desktop app's preload puts on `window.oncotimeline`: shared so the preload implements
 * and the renderer uses one shape. Type-only imports: the preload bundle stays free of zod.
 */
import type { ApiInput, ApiName, ApiResult, ExportFormat } from "./api.ts";

/** File dialogs are a fixed set of kinds the main side opens itself (src-main/electron/dialogs.ts). */
export type DialogRequest =
  | { kind: "letters" }
  | { kind: "letters-folder" }
  | { kind: "model" }
  | { kind: "export-folder" }
  | { kind: "export-file"; format: ExportFormat };

/** The paths the user chose; empty when they cancelled. */
export type DialogResult = { paths: string[] };

/** Commands the application menu sends to the page (it owns the screens they open). */
export const MENU_COMMANDS = ["import-letters", "import-folder", "export", "about"] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

export type DesktopBridge = {
  call<N extends ApiName>(name: N, input: ApiInput<N>): Promise<ApiResult<unknown>>;
  dialog(request: DialogRequest): Promise<ApiResult<DialogResult>>;
  /** The path of a file dropped on the page (files from the OS only; empty for others). */
  pathForFile(file: File): string;
  /** Subscribes to menu commands; returns the unsubscribe. */
  onMenu(listener: (command: MenuCommand) => void): () => void;
};
