import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runCli } from "../helpers/cli.ts";
import { goldFor, startFakeOpenAiServer, type FakeOpenAiServer } from "../helpers/fakeOpenAiServer.ts";
import { haveSlurm, sbatch, taskState, waitForJob, waitUntil } from "../helpers/slurm.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const DEMO_LETTERS = path.join(REPO_ROOT, "resources", "demo", "letters");
const SCRIPT = path.join(REPO_ROOT, "scripts", "slurm", "extract-array.sbatch");

// The engine is a loopback OpenAI-compatible server answering each letter with its gold document:
// deterministic, so the cluster's merged result must equal one run on the workstation to the byte.
let server: FakeOpenAiServer;
beforeAll(async () => {
  server = await startFakeOpenAiServer({ respond: goldFor });
});
afterAll(async () => server?.close());

async function exportLong(data: string): Promise<string> {
  const out = path.join(data, "values.csv");
  expect((await runCli(["--data", data, "export", "--format", "csv", "--out", out])).code).toBe(0);
  return readFileSync(out, "utf8");
}

describe.skipIf(!haveSlurm())("the Slurm job array script on a real Slurm", () => {
  it("runs 3 shards as array tasks whose result files merge into exactly one unsharded run", async () => {
    const results = tempDir();
    const jobId = sbatch(
      // This test node has no GPU and 2 cores: the command line overrides the script's #SBATCH defaults.
      ["--array=1-3", "--gres=none", "--cpus-per-task=1", "--mem=1G", `--output=${results}/task-%a.out`, SCRIPT],
      { LETTERS: DEMO_LETTERS, RESULTS: results, STORE_ROOT: tempDir(), ENGINE_ARGS: `--server ${server.baseUrl}`, PARALLEL: "2" },
    );
    const states = await waitForJob(jobId, 150_000);
    const logs = readdirSync(results).filter((name) => name.startsWith("task-")).map((name) => readFileSync(path.join(results, name), "utf8"));
    expect(states, logs.join("\n")).toEqual(["COMPLETED", "COMPLETED", "COMPLETED"]);
    const shards = readdirSync(results).filter((name) => /^shard-\d-of-3\.jsonl$/.test(name)).sort();
    expect(shards).toEqual(["shard-1-of-3.jsonl", "shard-2-of-3.jsonl", "shard-3-of-3.jsonl"]);
    // Each node stored only its own share of the letters: together, each letter once.
    const stored = [1, 2, 3].map((i) => {
      const log = readFileSync(path.join(results, `import-${i}-of-3.log`), "utf8");
      return Number(new RegExp(`Imported (\\d+) letter\\(s\\) of shard ${i}/3`).exec(log)?.[1]);
    });
    expect(stored.reduce((a, b) => a + b, 0)).toBe(16);

    const workstation = tempDir();
    expect((await runCli(["--data", workstation, "import", DEMO_LETTERS])).code).toBe(0);
    const status = await runCli(["--data", workstation, "batch-status", results]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^shard 1\/3: (\d+) of \1 letter\(s\) \(100\.0%\), 0 failed, last result \d+ s ago$/m);
    expect(status.stdout).toContain("All 3 shard(s): 16 of 16 letter(s) (100.0%), 0 failed.");
    const merged = await runCli(["--data", workstation, "--json", "import-results", ...shards.map((name) => path.join(results, name))]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.events.at(-1)).toMatchObject({ type: "summary", imported: 16, unchanged: 0, problems: 0 });

    const whole = tempDir();
    expect((await runCli(["--data", whole, "import", DEMO_LETTERS])).code).toBe(0);
    expect((await runCli(["--data", whole, "extract", "--server", server.baseUrl])).code).toBe(0);
    expect(await exportLong(workstation)).toBe(await exportLong(whole));
  }, 240_000);

  it("near its time limit a task stops, requeues itself and goes on from its result file: each letter once", async () => {
    // Slow answers, one letter at a time, so the signal lands part-way through the shard.
    const slow = await startFakeOpenAiServer({ respond: goldFor, replyFor: () => ({ kind: "completion", delayMs: 400 }) });
    try {
      const results = tempDir();
      const resultFile = path.join(results, "shard-1-of-1.jsonl");
      const jobId = sbatch(["--array=1-1", "--gres=none", "--cpus-per-task=1", "--mem=1G", `--output=${results}/task-%a.out`, SCRIPT], {
        LETTERS: DEMO_LETTERS,
        RESULTS: results,
        STORE_ROOT: tempDir(),
        ENGINE_ARGS: `--server ${slow.baseUrl}`,
        PARALLEL: "1",
      });
      const task = `${jobId}_1`;
      await waitUntil(() => existsSync(resultFile) && readFileSync(resultFile, "utf8").split("\n").length > 3, 90_000, "three letters in the result file");
      // What Slurm sends 15 minutes before the time limit (#SBATCH --signal=B:USR1@900).
      execFileSync("scancel", ["--signal=USR1", "--batch", task]);
      await waitUntil(() => taskState(task) === "PENDING", 60_000, "the task requeued");
      // A requeued task waits two minutes before it may start again; a cluster would let it. Not
      // sooner than a few seconds: slurmd refuses a run whose credential dates from the second in
      // which the last run's was revoked ("Job credential revoked"), and the task fails.
      execFileSync("scontrol", ["update", `JobId=${task}`, "StartTime=now+3"]);
      const log = () => readFileSync(path.join(results, "task-1.out"), "utf8");
      expect(await waitForJob(jobId, 120_000), log()).toEqual(["COMPLETED"]);

      expect(log()).toMatch(/shard 1\/1: run 1 on [\s\S]*time limit near: shard 1\/1 stopped at .* and requeues[\s\S]*shard 1\/1: run 2 on /);
      expect(execFileSync("scontrol", ["show", "job", task], { encoding: "utf8" })).toContain("Restarts=1");
      const lines = readFileSync(resultFile, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { checksum: string; status: string });
      expect(lines).toHaveLength(16);
      expect(new Set(lines.map((line) => line.checksum)).size).toBe(16);
      expect(lines.every((line) => line.status === "ok")).toBe(true);
      // Letters finished before the stop were not asked for again: 16 letters, 16 requests.
      expect(slow.chatRequests()).toHaveLength(16);
    } finally {
      await slow.close();
    }
  }, 300_000);

  it("refuses to start without a model or an engine, saying which variable to set", async () => {
    const results = tempDir();
    const jobId = sbatch(["--array=1-1", "--gres=none", "--cpus-per-task=1", "--mem=1G", `--output=${results}/task-%a.out`, SCRIPT], { LETTERS: DEMO_LETTERS, RESULTS: results, MODEL: "", ENGINE_ARGS: "" });
    expect(await waitForJob(jobId, 60_000)).toEqual(["FAILED"]);
    expect(readFileSync(path.join(results, "task-1.out"), "utf8")).toContain("set MODEL to the GGUF file (or ENGINE_ARGS to --server ...)");
  }, 90_000);
});
