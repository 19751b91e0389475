/**
 * A fine-tune runs in the Slurm extraction array like any model: each task loads the base GGUF
 * with the LoRA adapter (MODEL + ADAPTER), and the merged results are the fine-tune's, apart from
 * the base's.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src-main/store/db.ts";
import { REPO_ROOT, runCli } from "../helpers/cli.ts";
import { haveSlurm, sbatch, waitForJob } from "../helpers/slurm.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { writeTestAdapter } from "../helpers/testAdapter.ts";
import { useTestModel } from "../helpers/testModel.ts";

const tempDir = useTempDirs();
const modelPath = useTestModel();
const SCRIPT = path.join(REPO_ROOT, "scripts", "slurm", "extract-array.sbatch");

describe.skipIf(!haveSlurm())("the Slurm job array with a fine-tune", () => {
  it("runs base + adapter on each task; the merged results belong to the fine-tune", async () => {
    const letters = tempDir();
    const demo = path.join(REPO_ROOT, "resources", "demo", "letters");
    for (const name of readdirSync(demo).sort().slice(0, 2)) copyFileSync(path.join(demo, name), path.join(letters, name));
    const results = tempDir();
    mkdirSync(results, { recursive: true });
    const adapter = await writeTestAdapter(path.join(tempDir(), "fine-tune.gguf"));
    const jobId = sbatch(["--array=1-2", "--gres=none", "--cpus-per-task=1", "--mem=2G", `--output=${results}/task-%a.out`, SCRIPT], {
      LETTERS: letters,
      RESULTS: results,
      STORE_ROOT: tempDir(),
      MODEL: modelPath(),
      ADAPTER: adapter,
      ENGINE_ARGS: "--gpu off --threads 1 --temperature 0.8 --seed 7 --max-tokens 256",
      PARALLEL: "1",
    });
    const states = await waitForJob(jobId, 240_000);
    const logs = readdirSync(results).filter((name) => name.startsWith("task-")).map((name) => readFileSync(path.join(results, name), "utf8"));
    // Random weights run to the output cap, so a letter fails and its task exits 1 ("some failed"):
    // what matters is that each task loaded the fine-tune and wrote its letter's result.
    expect(states).toHaveLength(2);
    for (const log of logs) expect(log).toMatch(/Loading model "fine-tune"[\s\S]*Wrote 1 result line\(s\) for shard \d\/2/);

    const workstation = tempDir();
    expect((await runCli(["--data", workstation, "import", letters])).code).toBe(0);
    const shards = readdirSync(results).filter((name) => /^shard-\d-of-2\.jsonl$/.test(name)).map((name) => path.join(results, name));
    const merged = await runCli(["--data", workstation, "--json", "import-results", ...shards]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.events.at(-1)).toMatchObject({ type: "summary", imported: 2, problems: 0 });
    const db = openStore(workstation);
    try {
      const models = db.prepare("SELECT m.name, m.adapter_path, COUNT(e.id) AS results FROM models m JOIN extractions e ON e.model_id = m.id GROUP BY m.id").all();
      expect(models).toEqual([{ name: "fine-tune", adapter_path: adapter, results: 2 }]);
    } finally {
      db.close();
    }
  }, 300_000);
});
