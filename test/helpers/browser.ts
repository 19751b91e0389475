// Real Chromium (Debian's package) driven by playwright-core: see DESIGN.md, "Running without the Electron binary".
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import type { startAppHost } from "../../src-main/host/appHost.ts";
import type { ApiInput, ApiName, ApiOutput, ApiResult } from "../../src-shared/api.ts";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const SCREENSHOTS = path.join(REPO, "docs", "screenshots");

export const CHROMIUM_PATH = process.env.ONCOTIMELINE_CHROMIUM ?? "/usr/bin/chromium";

/** The size the issue asks the app to be usable at; screenshots are taken at it too. */
export const VIEWPORT = { width: 1280, height: 800 } as const;

/**
 * False only on a developer machine without Chromium, where the e2e files are skipped; in CI
 * (which installs it) a missing browser fails the run instead of silently skipping the tests.
 */
export function haveChromium(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: .ci/run installs Debian's chromium package`);
  return false;
}

/**
 * Headless, no sandbox (tests may run as root in a container), no GPU, and nothing that reaches
 * the network on its own (component updates, background requests): the machine has none.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
}

/** A fresh page at 1280×800 whose console errors and uncaught exceptions are collected. */
export async function openPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  return { page, errors };
}

/** Lets the page load files only: every other request is aborted and its address kept, for a report that must fetch nothing. */
export async function fileRequestsOnly(page: Page): Promise<string[]> {
  const outside: string[] = [];
  await page.route("**/*", (route) => {
    if (route.request().url().startsWith("file:")) return route.continue();
    outside.push(route.request().url());
    return route.abort();
  });
  return outside;
}

export type Host = Awaited<ReturnType<typeof startAppHost>>;

/** The server's state, read over the same HTTP API the page uses (not through the page). */
export function apiOf(host: Host) {
  return async <N extends ApiName>(name: N, input: ApiInput<N>): Promise<ApiOutput<N>> => {
    const response = await fetch(`${host.origin}/api/${name}`, {
      method: "POST",
      headers: { authorization: `Bearer ${host.token}`, "content-type": "application/json" },
      body: JSON.stringify(input),
    });
    const result = (await response.json()) as ApiResult<ApiOutput<N>>;
    if (!result.ok) throw new Error(result.error.message);
    return result.value;
  };
}

/**
 * True under `npm run screenshots` (scripts/screenshots.mjs), which sets ONCOTIMELINE_SCREENSHOTS:
 * an ordinary test run leaves the README's pictures alone, so they change only when someone means
 * to retake them.
 */
export const TAKING_SCREENSHOTS = process.env.ONCOTIMELINE_SCREENSHOTS === "1";

/** Saves the page as docs/screenshots/<name>.png when taking screenshots; otherwise does nothing. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!TAKING_SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

export async function goTo(page: Page, screen: string): Promise<void> {
  await page.getByRole("navigation", { name: "Screens" }).getByRole("button", { name: screen, exact: true }).click();
  await page.getByRole("heading", { level: 1, name: screen }).waitFor();
}

export async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
