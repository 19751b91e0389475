import type { ApiInput, ApiName, ApiResult } from "../../src-shared/api.ts";
import type { DialogRequest, DialogResult } from "./dialogs.ts";

/**
 * The channels between page and main side. Kept here, with no runtime imports, so the preload
 * bundle carries constants only (no zod, no dispatcher).
 */
export const API_CHANNEL = "oncotimeline:call";
export const DIALOG_CHANNEL = "oncotimeline:dialog";

/** Commands the application menu sends to the page (it owns the screens they open). */
export const MENU_COMMANDS = ["import-letters", "import-folder", "export", "about"] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];
export const MENU_CHANNEL = "oncotimeline:menu";

/**
 * What the preload puts on `window.oncotimeline`, and all the page can reach. The renderer
 * cannot import this file (it is main-side); src-renderer/api.ts declares the same shape.
 */
export type DesktopBridge = {
  call<N extends ApiName>(name: N, input: ApiInput<N>): Promise<ApiResult<unknown>>;
  dialog(request: DialogRequest): Promise<ApiResult<DialogResult>>;
  /** The path of a file dropped on the page (files from the OS only; empty for others). */
  pathForFile(file: File): string;
  /** Subscribes to menu commands; returns the unsubscribe. */
  onMenu(listener: (command: MenuCommand) => void): () => void;
};
