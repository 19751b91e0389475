import type { BrowserWindowConstructorOptions, Session, WebContents } from "electron";
import { APP_ORIGIN, isAppUrl } from "./appOrigin.ts";

/**
 * The renderer's security policy. No 'unsafe-eval' and no inline script anywhere; styles are
 * 'self' only because Vite extracts CSS to files and React's style props go through the CSSOM,
 * which CSP does not govern.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "frame-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join("; ");

/** Big enough for the review screen (letter beside its timeline) at 1280×800. */
export function mainWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1440,
    height: 900,
    minWidth: 1024,
    minHeight: 680,
    title: "OncoTimeline",
    // Shown on ready-to-show, so the user never sees an empty white frame.
    show: false,
    backgroundColor: "#ffffff",
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      webviewTag: false,
      safeDialogs: true,
    },
  };
}

/**
 * Session-wide rules: the CSP header on every response (the app protocol sets it as well, so
 * a response that bypasses webRequest still carries it), and no permission is ever granted:
 * the app needs no camera, microphone, geolocation, notifications or clipboard-read.
 */
export function hardenSession(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders };
    for (const key of Object.keys(headers)) if (key.toLowerCase() === "content-security-policy") delete headers[key];
    callback({ responseHeaders: { ...headers, "Content-Security-Policy": [CONTENT_SECURITY_POLICY] } });
  });
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

export type HardenOptions = {
  /** Opens a link in the user's browser (shell.openExternal); called only for https URLs. */
  openExternal?: (url: string) => void;
};

/**
 * Keeps a window on the app's own pages: navigation and redirects elsewhere are cancelled,
 * window.open never creates a window (an https link goes to the system browser instead), and
 * <webview> cannot be attached.
 */
export function hardenWebContents(contents: WebContents, options: HardenOptions = {}): void {
  const stayHome = (event: { url: string; preventDefault(): void }) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  };
  contents.on("will-navigate", stayHome);
  contents.on("will-frame-navigate", stayHome);
  contents.on("will-redirect", stayHome);
  contents.on("will-attach-webview", (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (options.openExternal && isExternalLink(url)) options.openExternal(url);
    return { action: "deny" };
  });
}

/** Only https, never file:, javascript:, custom schemes or an embedded username. */
export function isExternalLink(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" && parsed.username === "" && parsed.password === "" && parsed.origin !== APP_ORIGIN;
  } catch {
    return false;
  }
}
