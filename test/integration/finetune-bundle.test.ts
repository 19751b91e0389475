/**
 * The fine-tuning job bundle as the cluster runs it (bash run.sh run.json), on the CPU with a tiny
 * random Llama 3.1 (real tokenizer and chat template): preflight refuses a damaged dataset or a
 * base folder that is not a checkpoint before anything trains; a run killed outright resumes from
 * its last periodic checkpoint, a run asked to stop (Slurm's time-limit warning) saves one and
 * exits 75, and the run that finishes has trained on the replies only, lowered the loss, and
 * written a LoRA GGUF that llama.cpp's reader takes for an adapter.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { BUNDLE_SOURCE_DIR, bundleSourceFiles, trainingBundleVersion, writeTrainingBundle, type TrainingBundle } from "../../src-main/finetune/bundleFiles.ts";
import { getGgufKv, readGgufFile } from "../../src-main/models/gguf/gguf.ts";
import { waitUntil } from "../helpers/slurm.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { ensureTinyHfLlama, haveTrainingVenv, TRAINING_VENV, type TinyHfLlama } from "../helpers/tinyHfLlama.ts";

const tempDir = useTempDirs();
const SYSTEM = "Extract the cancer timeline as JSON.";
const ROWS = [
  {
    user: "Dear Dr Smith, Mrs Jones was diagnosed with breast cancer in March 2021 and started tamoxifen.",
    assistant: '{"events":[{"date":"2021-03","type":"diagnosis","text":"breast cancer"}]}',
  },
  {
    user: "Mr Brown had a right hemicolectomy on 4 May 2019 for colon cancer.",
    assistant: '{"events":[{"date":"2019-05-04","type":"surgery","text":"right hemicolectomy"}]}',
  },
];
const EOT = "<|eot_id|>";
/**
 * A rate far above the recipe's 2e-4, so 30 steps of a tiny model show the loss falling. One
 * thread: on 2 cores shared with other test files, two threads took twice the wall time.
 */
const FAST = { learning_rate: 0.01, max_steps: 30, save_steps: 5, threads: 1, seed: 1 };
/** Each run starts Python and imports torch and TRL (about 10 s on 2 cores) before a step. */
const RUN_TIMEOUT_MS = 240_000;

type Run = { code: number | null; log: string };
type Metric = { step: number; loss: number; learning_rate: number; epoch: number; time: number };

function sha256(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A job folder as the app uploads it: the bundle (llama.cpp/ included), run.json, the dataset in dataset/. */
function jobFolder(bundleDir: string, config: Record<string, unknown>): { dir: string; out: string } {
  const dir = tempDir();
  cpSync(bundleDir, dir, { recursive: true });
  const lines = ROWS.map((row, i) =>
    JSON.stringify({
      messages: [
        { role: "system", content: SYSTEM },
        { role: "user", content: row.user },
        { role: "assistant", content: row.assistant },
      ],
      // Dropped before training; here so that the test shows it does no harm.
      metadata: { letter: `letter-${i}`, source: "hand-written" },
    }),
  );
  mkdirSync(path.join(dir, "dataset"));
  const train = `${lines.join("\n")}\n`;
  writeFileSync(path.join(dir, "dataset", "train.jsonl"), train);
  writeFileSync(
    path.join(dir, "run.json"),
    JSON.stringify({ train_file: "dataset/train.jsonl", out_dir: "out", dataset_sha256: { "train.jsonl": sha256(train) }, ...config }, null, 2),
  );
  return { dir, out: path.join(dir, "out") };
}

/** bash run.sh run.json in the job folder, in its own process group so that a test can kill it whole. */
function startRun(dir: string): { done: Promise<Run>; pid: number; log: () => string } {
  let log = "";
  const child = spawn("bash", ["run.sh", "run.json"], {
    cwd: dir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ONCO_ENV_SETUP: `source ${path.join(TRAINING_VENV, "bin", "activate")}`, TOKENIZERS_PARALLELISM: "false" },
  });
  child.stdout.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")));
  const done = new Promise<Run>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, log }));
  });
  return { done, pid: child.pid as number, log: () => log };
}

function metrics(out: string): Metric[] {
  const file = path.join(out, "metrics.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as Metric);
}

function lastStep(out: string): number {
  try {
    return metrics(out).at(-1)?.step ?? 0;
  } catch {
    return 0; // a line being written
  }
}

const ready = haveTrainingVenv();

describe.skipIf(!ready)("the fine-tuning bundle on a tiny Llama (CPU)", () => {
  let tiny: TinyHfLlama;
  let bundle: TrainingBundle;
  let bundleDir: string;

  beforeAll(async () => {
    tiny = await ensureTinyHfLlama();
    // Not a tempDir(): those go after each test, and every test copies this one.
    bundleDir = mkdtempSync(path.join(os.tmpdir(), "oncotimeline-bundle-"));
    bundle = await writeTrainingBundle(bundleDir);
  });
  afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));

  function job(config: Record<string, unknown>): { dir: string; out: string } {
    return jobFolder(bundleDir, { base_dir: tiny.hfDir, ...config });
  }

  it("writes the bundle with llama.cpp's converters and a version that hashes its files", async () => {
    expect(bundle.files).toEqual(expect.arrayContaining(["run.sh", "train.sbatch", "train.py", "preflight.py", "convert.py", "requirements.txt", "bundle.json", "llama.cpp/"]));
    expect(bundle.version).toMatch(/^[0-9a-f]{16}$/);
    expect(bundle.llamaCppCommit).toMatch(/^[0-9a-f]{40}$/);
    for (const file of ["convert_lora_to_gguf.py", "convert_hf_to_gguf.py", "conversion/llama.py", "gguf-py/gguf/__init__.py"]) {
      expect(existsSync(path.join(bundleDir, "llama.cpp", file)), file).toBe(true);
    }
    expect(JSON.parse(readFileSync(path.join(bundleDir, "bundle.json"), "utf8"))).toMatchObject({ version: bundle.version, llamaCppCommit: bundle.llamaCppCommit });

    const copy = tempDir();
    for (const name of await bundleSourceFiles()) copyFileSync(path.join(BUNDLE_SOURCE_DIR, name), path.join(copy, name));
    expect(await trainingBundleVersion(copy)).toBe(bundle.version);
    writeFileSync(path.join(copy, "train.py"), `${readFileSync(path.join(copy, "train.py"), "utf8")}\n`);
    expect(await trainingBundleVersion(copy)).not.toBe(bundle.version);
  });

  it("preflight refuses a dataset whose sha256 is not the card's, and a base folder without config.json: exit 2, nothing trained", { timeout: RUN_TIMEOUT_MS }, async () => {
    const damaged = job({ dataset_sha256: { "train.jsonl": "0".repeat(64) } });
    const first = await startRun(damaged.dir).done;
    expect(first.code, first.log).toBe(2);
    expect(first.log).toMatch(/^preflight: train\.jsonl sha256 is [0-9a-f]{64}, the dataset card says 0{64} \(the upload is damaged or the file was changed\)$/m);
    expect(first.log).toContain("stage: preflight failed");
    expect(first.log).not.toContain("stage: train");
    expect(readFileSync(path.join(damaged.out, "stage"), "utf8").trim()).toBe("failed:preflight");
    expect(JSON.parse(readFileSync(path.join(damaged.out, "preflight.json"), "utf8"))).toMatchObject({ ok: false, rows: 2 });
    expect(existsSync(path.join(damaged.out, "metrics.jsonl"))).toBe(false);

    const notCheckpoint = tempDir();
    copyFileSync(path.join(tiny.hfDir, "tokenizer.json"), path.join(notCheckpoint, "tokenizer.json"));
    copyFileSync(path.join(tiny.hfDir, "model.safetensors"), path.join(notCheckpoint, "model.safetensors"));
    const noConfig = job({ base_dir: notCheckpoint });
    const second = await startRun(noConfig.dir).done;
    expect(second.code, second.log).toBe(2);
    expect(second.log).toContain(`preflight: base_dir ${notCheckpoint} has no config.json: it must be a Hugging Face checkpoint folder`);
    // The only failure (the others are the torch line and "1 problem(s)"): the rest of the job is fine.
    expect(second.log.match(/^preflight: (?!torch|warning|\d)/gm)).toHaveLength(1);
    expect(second.log).toContain("preflight: 1 problem(s); nothing was trained");
    expect(existsSync(path.join(noConfig.out, "checkpoints"))).toBe(false);
  });

  it(
    "trains on the replies only, resumes after a kill and after a stop request, and converts the adapter to a GGUF LoRA",
    { timeout: 3 * RUN_TIMEOUT_MS },
    async () => {
      const { dir, out } = job(FAST);

      // 1. Killed outright (a node failure) after checkpoint-5 and before checkpoint-10.
      const killed = startRun(dir);
      await waitUntil(() => lastStep(out) >= 7, RUN_TIMEOUT_MS, "step 7 of the first run");
      process.kill(-killed.pid, "SIGKILL");
      await killed.done;
      expect(readdirSync(path.join(out, "checkpoints"))).toContain("checkpoint-5");
      expect(readFileSync(path.join(out, "label_check.json"), "utf8")).toBeTruthy();

      // 2. Resumed from checkpoint-5, then asked to stop as Slurm's --signal would (USR1 to run.sh).
      const stopped = startRun(dir);
      await waitUntil(() => lastStep(out) >= 12, RUN_TIMEOUT_MS, "step 12 of the second run");
      process.kill(stopped.pid, "SIGUSR1");
      const second = await stopped.done;
      expect(second.code, second.log).toBe(75);
      expect(second.log).toContain("train: resuming from checkpoint-5 (step 5)");
      const stopStep = Number(/stopped on request \(stop-requested\) at step (\d+);/.exec(second.log)?.[1]);
      expect(stopStep).toBeGreaterThanOrEqual(12);
      expect(stopStep).toBeLessThan(30);
      expect(readdirSync(path.join(out, "checkpoints"))).toContain(`checkpoint-${stopStep}`);
      expect(readFileSync(path.join(out, "stage"), "utf8").trim()).toBe("stopped:train");
      expect(existsSync(path.join(out, "adapter"))).toBe(false);

      // 3. The same command again finishes the job.
      const last = await startRun(dir).done;
      expect(last.code, last.log).toBe(0);
      expect(last.log).toContain(`train: resuming from checkpoint-${stopStep} (step ${stopStep})`);
      for (const name of ["preflight", "train", "convert"]) expect(last.log).toMatch(new RegExp(`^stage: ${name} finished in \\d+s$`, "m"));
      expect(readFileSync(path.join(out, "stage"), "utf8").trim()).toBe("done");

      // One line per optimizer step, each step once although steps 6-7 ran twice; the loss falls.
      const lines = metrics(out);
      expect(lines.map((line) => line.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      for (const line of lines) {
        expect(line).toEqual({ step: expect.any(Number), loss: expect.any(Number), learning_rate: 0.01, epoch: expect.any(Number), time: expect.any(Number) });
      }
      const first = lines[0]?.loss as number;
      const final = lines.at(-1)?.loss as number;
      expect(final).toBeLessThan(first / 3);

      // The loss mask, as the collator handed row 1 to the model: the prompt (system, user, the
      // assistant header) is label -100, the reply and its end-of-turn token are trained.
      const check = JSON.parse(readFileSync(path.join(out, "label_check.json"), "utf8")) as Record<string, unknown>;
      expect(check.trained_text).toBe(`${ROWS[0]?.assistant}${EOT}`);
      expect(check.masked_text_end).toMatch(/\.<\|eot_id\|><\|start_header_id\|>assistant<\|end_header_id\|>\n\n$/);
      expect(check.masked_text_end).toContain(ROWS[0]?.user);
      expect(check.prompt_tokens as number).toBeGreaterThan(check.trained_tokens as number);

      const result = JSON.parse(readFileSync(path.join(out, "result.json"), "utf8")) as Record<string, unknown>;
      const weights = sha256(readFileSync(path.join(tiny.hfDir, "model.safetensors")));
      expect(result).toMatchObject({
        steps: 30,
        resumed_from_step: stopStep,
        first_loss: first,
        last_loss: final,
        mode: "lora",
        dtype: "float32",
        device: expect.stringMatching(/^cpu/),
        rows: 2,
        base_checkpoint_sha256: sha256(`model.safetensors  ${weights}\n`),
        base: { dir: tiny.hfDir, safetensors: { "model.safetensors": weights } },
        dataset_sha256: { "train.jsonl": sha256(readFileSync(path.join(dir, "dataset", "train.jsonl"))) },
        bundle: { version: bundle.version, llamaCppCommit: bundle.llamaCppCommit },
        versions: { torch: expect.stringMatching(/^2\.13\.0/), transformers: "5.18.0", peft: "0.21.0", trl: "1.13.0" },
        recipe: { lora_rank: 8, lora_alpha: 16, target_modules: "all-linear", lr_scheduler_type: "constant", gradient_accumulation_steps: 2, max_length: 12000 },
      });
      expect(result.train_seconds).toEqual(expect.any(Number));

      // The PEFT adapter, and the same adapter as llama.cpp loads it.
      const adapterConfig = JSON.parse(readFileSync(path.join(out, "adapter", "adapter_config.json"), "utf8")) as Record<string, unknown>;
      expect(adapterConfig).toMatchObject({ r: 8, lora_alpha: 16, lora_dropout: 0.05, bias: "none" });
      // "all-linear": every projection of every block, not lm_head (PEFT writes the modules it chose).
      const targets = new Set((adapterConfig.target_modules as string[]).map((name) => name.split(".").at(-1)));
      expect([...targets].sort()).toEqual(["down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"]);
      const gguf = await readGgufFile(path.join(out, "adapter.gguf"));
      expect(getGgufKv(gguf, "general.type")?.value).toBe("adapter");
      expect(getGgufKv(gguf, "adapter.type")?.value).toBe("lora");
      expect(getGgufKv(gguf, "adapter.lora.alpha")?.value).toBe(16);
      expect(getGgufKv(gguf, "general.architecture")?.value).toBe("llama");
      // 7 projections x 2 blocks, an A and a B matrix each.
      expect(gguf.tensors).toHaveLength(28);
      expect(gguf.tensors.map((t) => t.name)).toContain("blk.0.attn_q.weight.lora_a");
      const converted = JSON.parse(readFileSync(path.join(out, "convert.json"), "utf8")) as { adapter_gguf: { sha256: string; outtype: string } };
      expect(converted.adapter_gguf).toMatchObject({ outtype: "f16", sha256: sha256(readFileSync(path.join(out, "adapter.gguf"))) });
    },
  );
});
