import { MENU_COMMANDS, type DesktopBridge, type DialogRequest, type DialogResult, type MenuCommand } from "../../src-shared/desktop.ts";

/**
 * The channels between page and main side. Kept here, with no runtime imports but constants, so
 * the preload bundle carries constants only (no zod, no dispatcher). The bridge's shape is in
 * src-shared/desktop.ts, where the renderer reads it too.
 */
export const API_CHANNEL = "oncotimeline:call";
export const DIALOG_CHANNEL = "oncotimeline:dialog";
export const MENU_CHANNEL = "oncotimeline:menu";

export { MENU_COMMANDS, type DesktopBridge, type DialogRequest, type DialogResult, type MenuCommand };
