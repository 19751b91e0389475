import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const ROOT = path.dirname(fileURLToPath(import.meta.url));
const ALL_FILES = ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts", "test/e2e/**/*.test.ts"];

/**
 * What marks a test file as heavy: it uses the tiny test model (a real GGUF, loaded in a worker
 * process of ~540 MB with one CPU thread) or starts Chromium. Read from the files themselves, so a
 * new model or browser test lands in the right project without anyone keeping a list.
 */
const HEAVY_MARKERS = /\b(?:useTestModel|ensureTestModel|ensureTinyHfLlama|launchBrowser|useE2eSuite)\(|\bENGINE_FLAGS\b/;

function heavyFiles(): string[] {
  const testDir = path.join(ROOT, "test");
  return (readdirSync(testDir, { recursive: true }) as string[])
    .filter((file) => file.endsWith(".test.ts") && HEAVY_MARKERS.test(readFileSync(path.join(testDir, file), "utf8")))
    .map((file) => path.posix.join("test", file.split(path.sep).join("/")))
    .sort();
}

const HEAVY_FILES = heavyFiles();

/**
 * Two projects, run one after the other (sequence.groupOrder) by the one `vitest run`:
 * - "fast": every file that neither loads the model nor starts Chromium. Three at a time: they
 *   spend most of their time waiting on child processes (the CLI), loopback servers or SQLite.
 * - "heavy": the model and browser files, in their own processes (forks) and two at a time on a
 *   2-core machine, where more would only slow each one and risk its time limits. Its globalSetup
 *   makes the test model and builds the user interface once for the whole run.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 180_000,
    projects: [
      {
        extends: true,
        test: { name: "fast", include: ALL_FILES, exclude: HEAVY_FILES, pool: "forks", maxWorkers: 3, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: "heavy",
          include: HEAVY_FILES,
          pool: "forks",
          maxWorkers: 2,
          globalSetup: ["test/globalSetup.ts"],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
