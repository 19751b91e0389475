// The built user interface the e2e files serve (see test/globalSetup.ts, which builds it once a run).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";
import { inject } from "vitest";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Builds the user interface into `outDir` (a temp folder: the repo's dist/ is left to the
 * developer). vitest sets NODE_ENV=test, which would give React's development build: time what ships.
 */
export async function buildRenderer(outDir: string): Promise<void> {
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await build({ configFile: path.join(REPO, "vite.config.ts"), logLevel: "warn", build: { outDir, emptyOutDir: true } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}

/** The folder globalSetup built the user interface into, for this run. */
export function builtRenderer(): string {
  const dir = inject("rendererDir");
  if (!dir) throw new Error("no built renderer: the e2e files need test/globalSetup.ts (vitest.config.ts runs it)");
  return dir;
}
