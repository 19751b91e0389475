// Real Chromium (Debian's package) driven by playwright-core: see DESIGN.md, "Running without the Electron binary".
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.ONCOTIMELINE_CHROMIUM ?? "/usr/bin/chromium";

/** The size the issue asks the app to be usable at; screenshots are taken at it too. */
export const VIEWPORT = { width: 1280, height: 800 } as const;

export function haveChromium(): boolean {
  return existsSync(CHROMIUM_PATH);
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
