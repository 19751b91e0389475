/**
 * The whole loop, for real: a training set built from a synthetic letter, the training job sent
 * over SSH to the real Slurm, trained on CPU (a tiny random Llama with the real Llama 3
 * tokenizer), its adapter converted by llama.cpp's own converter, fetched, verified and registered
 * with its lineage, and a letter extracted with base + adapter. The row is short enough for the
 * tiny model to memorise: greedy extraction with the adapter gives the row's gold document, and
 * the base alone does not.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { addItems, createJob, itemsOfJob } from "../../src-main/jobs/jobStore.ts";
import { openStore } from "../../src-main/store/db.ts";
import { insertSynthLetter } from "../../src-main/store/synth.ts";
import { TimelineDocumentSchema, type TimelineDocument } from "../../src-shared/timeline.ts";
import { runCli } from "../helpers/cli.ts";
import { haveSlurm } from "../helpers/slurm.ts";
import { haveSshd } from "../helpers/ssh.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { ensureTinyHfLlama, haveTrainingVenv, TRAINING_VENV } from "../helpers/tinyHfLlama.ts";

const tempDir = useTempDirs();
const sshd = haveSshd();
const ready = sshd !== false && haveSlurm() && haveTrainingVenv();

const LETTER = "Clinic letter, 3 March 2024. Mrs Jones has breast cancer. Biopsy: invasive ductal carcinoma.";
const GOLD: TimelineDocument = TimelineDocumentSchema.parse({
  primary_cancer: {
    site: "breast",
    year: 2024,
    month: 3,
    histopathology_status: "invasive ductal carcinoma",
    cancer_timeline: [{ type: "anatomical_finding", value: "Biopsy: invasive ductal carcinoma", year: 2024, month: 3 }],
  },
  other_cancers: [],
  patient_facts: [],
  status_updates: [],
});

/** A store whose studio holds one accepted synthetic letter with its gold, as the studio stores them. */
function studioStore(): string {
  const data = tempDir();
  const db = openStore(data);
  const job = createJob(db, { kind: "synth:generate", key: "memorise", params: { model: "teacher", promptVersion: "v" } });
  addItems(db, job, [{ key: "row-0", payload: { row: { letter_type: "initial_assessment" }, occurrence: 0 } }]);
  const item = itemsOfJob(db, job)[0] as { id: number };
  insertSynthLetter(db, { itemId: item.id, content: LETTER, gold: GOLD, rawOutput: "{}", model: "teacher", messageId: null, promptVersion: "v", status: "accepted", reasons: [], minhash: null });
  db.close();
  return data;
}

function storedDocument(data: string, model: string): { status: string; document: unknown } {
  const db = openStore(data);
  try {
    const row = db.prepare("SELECT e.status, e.document FROM extractions e JOIN models m ON m.id = e.model_id WHERE m.name = ?").get(model) as { status: string; document: string | null };
    return { status: row.status, document: row.document === null ? null : JSON.parse(row.document) };
  } finally {
    db.close();
  }
}

describe.skipIf(!ready)("fine-tuning on the real Slurm over real SSH", () => {
  it("builds a set, trains, fetches and registers the adapter with its lineage, and extracts the memorised row with it", async () => {
    const timings: Record<string, number> = {};
    const time = async <T>(stage: string, work: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      try {
        return await work();
      } finally {
        timings[stage] = Math.round(performance.now() - started) / 1000;
      }
    };
    const tiny = await time("tiny model", () => ensureTinyHfLlama());
    const data = studioStore();
    const ssh = sshd as Exclude<typeof sshd, false>;

    const built = await time("dataset", () => runCli(["--data", data, "--json", "dataset", "build", "--name", "memorise", "--base", tiny.gguf, "--test-fraction", "0"]));
    expect(built.code, built.stderr).toBe(0);

    // Submitted by one process, followed to the end by another: what an app restarted mid-training does.
    const submitted = await time("submit (bundle + set uploaded, sbatch)", () =>
      runCli([
        "--data", data, "--json", "finetune", "submit",
        "--dataset", "memorise", "--base", path.basename(tiny.gguf, ".gguf"), "--name", "tiny-memorised",
        "--host", ssh.host, "--port", String(ssh.port), "--user", ssh.username, "--key", ssh.privateKeyPath, "--known-hosts", ssh.knownHostsPath,
        "--work-dir", path.join(tempDir(), "cluster"), "--checkpoint", tiny.hfDir,
        "--gpus", "0", "--cpus", "1", "--mem", "4G", "--time", "15",
        "--env-setup", `source ${path.join(TRAINING_VENV, "bin", "activate")}`,
        // The recipe's rank and alpha; a learning rate and no dropout that let the tiny model learn one row by heart in a few dozen steps.
        "--max-steps", "60", "--learning-rate", "0.01", "--dropout", "0", "--gradient-accumulation", "1", "--save-steps", "30",
        // Also the base with the adapter merged in, as one Q8_0 GGUF (llama.cpp's converter quantises to Q8_0 itself).
        "--merge", "Q8_0",
      ]),
    );
    expect(submitted.code, submitted.stderr).toBe(0);
    const jobId = String((submitted.events.find((event) => event.type === "submitted") as { jobId: number }).jobId);
    const followed = await time("train + convert + fetch + register", () => runCli(["--data", data, "--json", "finetune", "status", jobId, "--wait", "--poll-seconds", "1"]));
    const finished = followed.events.filter((event) => event.type === "finetune").at(-1) as Record<string, unknown> | undefined;
    expect(followed.code, `${followed.stderr}\n${JSON.stringify(finished)}`).toBe(0);
    expect(finished).toMatchObject({ state: "done", slurmState: "COMPLETED", stage: "done", modelId: expect.any(Number), mergedModelId: expect.any(Number) });
    const firstLoss = finished?.firstLoss as number;
    const lastLoss = finished?.lastLoss as number;
    expect(finished?.steps).toBe(60);
    expect(lastLoss).toBeLessThan(firstLoss / 100);

    const listed = await runCli(["--data", data, "--json", "models", "list"]);
    const model = listed.events.find((event) => event.name === "tiny-memorised") as { adapter_path: string; lineage: Record<string, unknown> } | undefined;
    expect(model?.adapter_path).toMatch(/adapter\.gguf$/);
    expect(model?.lineage).toMatchObject({
      base: { name: path.basename(tiny.gguf, ".gguf"), checkpointSha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
      dataset: { name: "memorise", origin: "synthetic", files: { "train.jsonl": { rows: 1 } } },
      recipe: { rank: 8, alpha: 16, dropout: 0, learningRate: 0.01, maxSteps: 60, gradientAccumulation: 1 },
      job: { kind: "slurm", where: `${ssh.username}@${ssh.host}:${ssh.port}`, jobId: expect.stringMatching(/^\d+$/) },
      training: { steps: 60, mode: "lora", device: expect.stringMatching(/^cpu/) },
      bundleVersion: expect.any(String),
      llamaCppCommit: expect.any(String),
    });

    const letterFile = path.join(tempDir(), "memorised-letter.txt");
    writeFileSync(letterFile, LETTER);
    expect((await runCli(["--data", data, "import", letterFile])).code).toBe(0);
    const greedy = ["--gpu", "off", "--threads", "1", "--temperature", "0", "--max-tokens", "512"];
    const tuned = await time("extract with adapter", () => runCli(["--data", data, "extract", "--model", "tiny-memorised", ...greedy]));
    expect(tuned.code, tuned.stderr).toBe(0);
    expect(storedDocument(data, "tiny-memorised")).toEqual({ status: "ok", document: GOLD });
    // The merged whole model extracts the same document without an adapter file.
    const merged = await time("extract with the merged Q8_0 model", () => runCli(["--data", data, "extract", "--model", "tiny-memorised-merged-Q8_0", ...greedy]));
    expect(merged.code, merged.stderr).toBe(0);
    expect(storedDocument(data, "tiny-memorised-merged-Q8_0")).toEqual({ status: "ok", document: GOLD });
    await time("extract with base alone", () => runCli(["--data", data, "extract", "--model", path.basename(tiny.gguf, ".gguf"), ...greedy]));
    expect(storedDocument(data, path.basename(tiny.gguf, ".gguf")).document).not.toEqual(GOLD);

    const adapterBytes = readFileSync(model?.adapter_path as string).length;
    console.log(`fine-tune e2e: ${JSON.stringify({ timings, steps: finished?.steps, firstLoss, lastLoss, adapterBytes })}`);
  }, 600_000);
});
