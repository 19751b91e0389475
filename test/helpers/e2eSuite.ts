import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { startAppHost } from "../../src-main/host/appHost.ts";
import { launchBrowser, type Host } from "./browser.ts";
import { builtRenderer } from "./renderer.ts";

/**
 * What every end-to-end file needs, for the describe block it is called in: Chromium launched once
 * and the built renderer (test/globalSetup.ts builds it once per run), and temporary folders kept
 * until the block ends (a host may still write to them while a test finishes).
 */
export type E2eSuite = {
  browser: () => Browser;
  staticDir: () => string;
  tempDir: () => string;
  /** The app's loopback host on `dataDir`, its engine as the tiny random model runs: CPU, one thread, a seeded sampler (DESIGN.md, "The model"). */
  startHost: (dataDir: string) => Promise<Host>;
};

export function useE2eSuite(): E2eSuite {
  let browser: Browser | undefined;
  let staticDir = "";
  const temp: string[] = [];
  beforeAll(async () => {
    staticDir = builtRenderer();
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    for (const dir of temp.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return {
    browser: () => {
      if (!browser) throw new Error("Chromium is not running: useE2eSuite's beforeAll did not run");
      return browser;
    },
    staticDir: () => staticDir,
    startHost: (dataDir) => startAppHost({ dataDir, staticDir, engine: { gpu: false, threads: 1, temperature: 0.8, seed: 7 }, log: () => {} }),
    tempDir: () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), "oncotimeline-e2e-"));
      temp.push(dir);
      return dir;
    },
  };
}
