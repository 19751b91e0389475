import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { APP_ENTRY_URL, isAppUrl } from "../../src-main/electron/appOrigin.ts";
import { createAppProtocolHandler, resolveAppFile } from "../../src-main/electron/appProtocol.ts";
import { CONTENT_SECURITY_POLICY, hardenSession, hardenWebContents, isExternalLink, mainWindowOptions } from "../../src-main/electron/windowOptions.ts";

type Listener = (...args: unknown[]) => void;

/** Records what hardenWebContents registers, so the test can fire the events Chromium would. */
function fakeWebContents() {
  const listeners = new Map<string, Listener[]>();
  let openHandler: ((details: { url: string }) => { action: string }) | undefined;
  const contents = {
    on(name: string, listener: Listener) {
      listeners.set(name, [...(listeners.get(name) ?? []), listener]);
      return contents;
    },
    setWindowOpenHandler(handler: typeof openHandler) {
      openHandler = handler;
    },
  };
  /** Fires an event the way Electron does (details object first); true when it was prevented. */
  const fire = (name: string, url: string) => {
    let prevented = false;
    const event = { url, preventDefault: () => (prevented = true) };
    for (const listener of listeners.get(name) ?? []) listener(event, url);
    return prevented;
  };
  return { contents: contents as unknown as Parameters<typeof hardenWebContents>[0], fire, open: (url: string) => openHandler?.({ url }), listeners };
}

describe("main window", () => {
  it("has exactly the hardened webPreferences", () => {
    const options = mainWindowOptions("/app/dist/electron/preload.cjs");
    expect(options.webPreferences).toEqual({
      preload: "/app/dist/electron/preload.cjs",
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
    });
    // The review screen (letter beside its timeline) needs 1280×800 usable.
    expect(options.width).toBeGreaterThanOrEqual(1280);
    expect(options.height).toBeGreaterThanOrEqual(800);
    expect(options.minWidth).toBeGreaterThan(0);
    expect(options.show).toBe(false);
  });

  it("has a strict content security policy", () => {
    const directives = new Map(CONTENT_SECURITY_POLICY.split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    expect(directives.get("default-src")).toEqual(["'self'"]);
    expect(directives.get("script-src")).toEqual(["'self'"]);
    expect(directives.get("object-src")).toEqual(["'none'"]);
    expect(directives.get("base-uri")).toEqual(["'none'"]);
    expect(directives.get("frame-ancestors")).toEqual(["'none'"]);
    expect(directives.get("form-action")).toEqual(["'none'"]);
    expect(directives.get("connect-src")).toEqual(["'self'"]);
    expect(CONTENT_SECURITY_POLICY).not.toContain("unsafe-eval");
    expect(CONTENT_SECURITY_POLICY).not.toContain("unsafe-inline");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/https?:|\*/);
  });

  it("sets the CSP on every response and grants no permission", () => {
    let headersListener: ((details: { responseHeaders?: Record<string, string[]> }, callback: (response: { responseHeaders: Record<string, string[]> }) => void) => void) | undefined;
    let requestHandler: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | undefined;
    let checkHandler: (() => boolean) | undefined;
    const session = {
      webRequest: { onHeadersReceived: (listener: typeof headersListener) => (headersListener = listener) },
      setPermissionRequestHandler: (handler: typeof requestHandler) => (requestHandler = handler),
      setPermissionCheckHandler: (handler: typeof checkHandler) => (checkHandler = handler),
    };
    hardenSession(session as unknown as Parameters<typeof hardenSession>[0]);

    let headers: Record<string, string[]> = {};
    headersListener?.({ responseHeaders: { "content-security-policy": ["default-src *"], "Content-Type": ["text/html"] } }, (response) => (headers = response.responseHeaders));
    expect(headers).toEqual({ "Content-Type": ["text/html"], "Content-Security-Policy": [CONTENT_SECURITY_POLICY] });

    const granted: boolean[] = [];
    for (const permission of ["media", "geolocation", "notifications", "clipboard-read", "openExternal"]) requestHandler?.({}, permission, (g) => granted.push(g));
    expect(granted).toEqual([false, false, false, false, false]);
    expect(checkHandler?.()).toBe(false);
  });

  it("keeps navigation on the app's origin and denies window.open", () => {
    const opened: string[] = [];
    const { contents, fire, open } = fakeWebContents();
    hardenWebContents(contents, { openExternal: (url) => opened.push(url) });

    for (const event of ["will-navigate", "will-frame-navigate", "will-redirect"]) {
      expect(fire(event, "https://evil.example/phish")).toBe(true);
      expect(fire(event, "file:///etc/passwd")).toBe(true);
      expect(fire(event, "app://other-host/index.html")).toBe(true);
      expect(fire(event, `${APP_ENTRY_URL}#/review/3`)).toBe(false);
    }
    expect(fire("will-attach-webview", "https://evil.example")).toBe(true);

    expect(open("https://www.cancer.gov/")).toEqual({ action: "deny" });
    expect(open("file:///etc/passwd")).toEqual({ action: "deny" });
    expect(open("javascript:alert(1)")).toEqual({ action: "deny" });
    expect(open(APP_ENTRY_URL)).toEqual({ action: "deny" });
    // Only the https link went to the system browser; nothing opened a window.
    expect(opened).toEqual(["https://www.cancer.gov/"]);
  });

  it("tells app URLs and external links apart", () => {
    expect(isAppUrl("app://oncotimeline/index.html")).toBe(true);
    expect(isAppUrl("app://user@oncotimeline/index.html")).toBe(false);
    expect(isAppUrl("app://oncotimeline.evil/index.html")).toBe(false);
    expect(isAppUrl("http://oncotimeline/")).toBe(false);
    expect(isAppUrl(null)).toBe(false);
    expect(isExternalLink("https://user:pw@example.org/")).toBe(false);
    expect(isExternalLink("http://example.org/")).toBe(false);
  });
});

describe("app protocol", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "oncotimeline-renderer-"));
  fs.mkdirSync(path.join(root, "assets"));
  fs.writeFileSync(path.join(root, "index.html"), "<!doctype html><title>OncoTimeline</title>");
  fs.writeFileSync(path.join(root, "assets", "app.js"), "console.log(1)");
  fs.writeFileSync(path.join(path.dirname(root), "oncotimeline-secret.txt"), "secret");

  it("resolves files inside the renderer folder only", () => {
    expect(resolveAppFile(root, "app://oncotimeline/")).toBe(path.join(root, "index.html"));
    expect(resolveAppFile(root, "app://oncotimeline/assets/app.js")).toBe(path.join(root, "assets", "app.js"));
    // The URL parser already folds plain and %2e dot segments, so these stay inside the root.
    expect(resolveAppFile(root, "app://oncotimeline/../oncotimeline-secret.txt")).toBe(path.join(root, "oncotimeline-secret.txt"));
    expect(resolveAppFile(root, "app://oncotimeline/%2e%2e/oncotimeline-secret.txt")).toBe(path.join(root, "oncotimeline-secret.txt"));
    // An encoded slash survives parsing and becomes ".." only when decoded: refused.
    expect(resolveAppFile(root, "app://oncotimeline/..%2foncotimeline-secret.txt")).toBeNull();
    expect(resolveAppFile(root, "app://oncotimeline/..%5concotimeline-secret.txt")).toBeNull();
    expect(resolveAppFile(root, "app://other/index.html")).toBeNull();
  });

  it("serves files with the CSP and refuses traversal", async () => {
    const handle = createAppProtocolHandler(root);
    const page = await handle(new Request("app://oncotimeline/index.html"));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
    expect(await page.text()).toContain("OncoTimeline");
    expect((await handle(new Request("app://oncotimeline/assets/app.js"))).headers.get("content-type")).toContain("javascript");
    const escaped = await handle(new Request("app://oncotimeline/..%2foncotimeline-secret.txt"));
    expect(escaped.status).toBe(403);
    expect(await escaped.text()).toBe("forbidden");
    expect((await handle(new Request("app://oncotimeline/missing.js"))).status).toBe(404);
    expect((await handle(new Request("app://oncotimeline/index.html", { method: "POST", body: "x" }))).status).toBe(405);
  });
});
