import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(REPO_ROOT, "bin", "oncotimeline.js");

/**
 * CPU, one thread (two are slower on a 2-core machine), and a seeded sampler: greedy decoding on
 * random weights repeats one token until every string and list hits its bound, which would test
 * the bounds, not the pipeline. The seed keeps runs repeatable.
 */
export const ENGINE_FLAGS = ["--gpu", "off", "--threads", "1", "--temperature", "0.8", "--seed", "7"];

/**
 * Extracting the 16 demo letters takes about 4 minutes on a quiet 2-core CPU and more than twice
 * that when other model tests share the cores; the limit is for a hung run, not a slow one.
 */
export const EXTRACTION_TEST_TIMEOUT_MS = 20 * 60_000;

export type CliResult = { code: number | null; stdout: string; stderr: string; events: Record<string, unknown>[] };

/** Runs the real CLI as a user would (`node bin/oncotimeline.js ...`). */
export function runCli(
  args: string[],
  options: { onEvent?: (event: Record<string, unknown>, child: ChildProcess) => void; env?: Record<string, string> } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...options.env } });
    let stdout = "";
    let stderr = "";
    let partial = "";
    const events: Record<string, unknown>[] = [];
    child.stdout.on("data", (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      stdout += text;
      if (!args.includes("--json")) return;
      partial += text;
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.trim()) continue;
        const event = JSON.parse(line) as Record<string, unknown>;
        events.push(event);
        options.onEvent?.(event, child);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr, events }));
  });
}
