/**
 * The renderer is served from a privileged custom scheme rather than file://, so it has a real
 * origin: CSP 'self', the IPC sender check and the navigation guard all compare against it, and
 * no other page on the machine shares it (every file:// URL is one origin to Chromium).
 */
export const APP_SCHEME = "app";
export const APP_HOST = "oncotimeline";
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** True for a URL on the app's own origin; anything unparsable is foreign. */
export function isAppUrl(url: string | null | undefined): boolean {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    // Node's URL gives non-special schemes an opaque origin ("null"), so compare the parts.
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === "" && parsed.password === "";
  } catch {
    return false;
  }
}
