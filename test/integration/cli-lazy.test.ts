import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, runCli } from "../helpers/cli.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const HOOK = path.join(REPO_ROOT, "test", "helpers", "module-log.mjs");
/** The two heavy packages (seconds of start-up between them) that only extraction and synth need. */
const HEAVY = ["node-llama-cpp", "@anthropic-ai/sdk"];

/** The packages (under node_modules) a CLI run resolved, and its result. */
async function packagesLoaded(args: string[]): Promise<{ code: number | null; packages: Set<string> }> {
  const log = path.join(tempDir(), "modules.log");
  writeFileSync(log, "");
  const result = await runCli(args, { env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import=${HOOK}`, MODULE_LOG: log } });
  const packages = new Set<string>();
  for (const url of readFileSync(log, "utf8").split("\n")) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (match?.[1]) packages.add(match[1]);
  }
  return { code: result.code, packages };
}

describe("the CLI loads a command's dependencies only when that command runs", () => {
  it("--help and import load neither node-llama-cpp nor the Anthropic SDK", async () => {
    const help = await packagesLoaded(["--help"]);
    expect(help.code).toBe(0);
    expect(help.packages).toContain("commander");

    const letters = tempDir();
    writeFileSync(path.join(letters, "P1_2024-01-05_clinic.txt"), "Diagnosis: carcinoma of the left breast, grade 2.");
    const imported = await packagesLoaded(["--data", tempDir(), "import", letters]);
    expect(imported.code).toBe(0);
    expect(imported.packages).toContain("better-sqlite3");

    for (const run of [help, imported]) for (const name of HEAVY) expect(run.packages).not.toContain(name);
  });

  it("sees a heavy package when a command does load it (the check above can fail)", async () => {
    const status = await packagesLoaded(["--data", tempDir(), "synth", "status"]);
    expect(status.code).toBe(0);
    expect(status.packages).toContain("@anthropic-ai/sdk");
  });
});
