/**
 * Run once per vitest run (per project that has files to run), in the main process, before any
 * test file: the work every e2e or model file would otherwise repeat.
 *
 * - The tiny test model is made (or found current) here, so no two workers race to write it.
 * - The user interface is built once, into a temp folder handed to the e2e files through
 *   `inject("rendererDir")`: each e2e file used to run its own vite build (≈ 20–40 s each on this
 *   2-core machine).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { buildRenderer } from "./helpers/renderer.ts";
import { ensureTestModel } from "./helpers/testModel.ts";

declare module "vitest" {
  // An interface, not a type: vitest's ProvidedContext is extended by declaration merging.
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions
  export interface ProvidedContext {
    /** The built user interface (vite's output) that every e2e file serves. */
    rendererDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "oncotimeline-renderer-"));
  const started = Date.now();
  await Promise.all([buildRenderer(dir), ensureTestModel()]);
  console.log(`globalSetup (${project.name}): renderer built and test model ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  project.provide("rendererDir", dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
