// The tiny random-weight GGUF that model tests load (see DESIGN.md, "The model").
import { dirname, join } from "node:path";
import { beforeAll } from "vitest";
import { fileURLToPath } from "node:url";

import { readGgufFile } from "../../src-main/models/gguf/gguf.ts";
import { TEST_MODEL_VERSION, makeTestModel, testModelVersion } from "../../src-main/testmodel/testModel.ts";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** `<repo>/.cache/test-model/tiny.gguf` (git-ignored). */
export const TEST_MODEL_PATH = join(repoRoot, ".cache", "test-model", "tiny.gguf");

let pending: Promise<string> | undefined;

/**
 * Path of the tiny test model, built on first use (~0.3 s; ~1.5 s when the tokenizer must first be
 * extracted) and rebuilt when TEST_MODEL_VERSION changes. Safe across vitest worker processes:
 * makeTestModel writes a temp file and renames it into place, and the bytes are deterministic, so
 * racing builders each leave the same complete file and a reader never sees a partial one.
 */
export function ensureTestModel(): Promise<string> {
  pending ??= build().catch((err: unknown) => {
    pending = undefined; // let a later call retry
    throw err;
  });
  return pending;
}

async function build(): Promise<string> {
  if (!(await isCurrent(TEST_MODEL_PATH))) await makeTestModel({ out: TEST_MODEL_PATH, size: "tiny" });
  return TEST_MODEL_PATH;
}

async function isCurrent(path: string): Promise<boolean> {
  try {
    return testModelVersion(await readGgufFile(path)) === TEST_MODEL_VERSION;
  } catch {
    return false; // missing or unreadable: build it
  }
}

/** Makes sure the test model exists before a file's tests run; call the getter inside a test. */
export function useTestModel(): () => string {
  let path = "";
  beforeAll(async () => {
    path = await ensureTestModel();
  });
  return () => path;
}
