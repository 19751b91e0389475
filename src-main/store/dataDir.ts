import os from "node:os";
import path from "node:path";

export const APP_NAME = "OncoTimeline";

/**
 * Where the store lives unless --data or ONCOTIMELINE_DATA says otherwise: the same folder as
 * Electron's app.getPath("userData"), so the CLI and the desktop app share one store.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.ONCOTIMELINE_DATA) return env.ONCOTIMELINE_DATA;
  const home = os.homedir();
  if (platform === "win32") return path.join(env.APPDATA ?? path.join(home, "AppData", "Roaming"), APP_NAME);
  if (platform === "darwin") return path.join(home, "Library", "Application Support", APP_NAME);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, ".config"), APP_NAME);
}
