// A tiny random Llama 3.1 as a Hugging Face checkpoint (what the fine-tuning bundle trains on a
// cluster) and the same model as a GGUF (what node-llama-cpp loads), made by
// scripts/finetune/tiny_hf_llama.py in the training venv that scripts/ci/python-env.sh installs.
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, rename, rm, stat } from "node:fs/promises";
import { execFile } from "node:child_process";
import path from "node:path";

import { llamaCppConverters } from "../../src-main/finetune/bundleFiles.ts";
import { llamaBpeVocabPath } from "../../src-main/testmodel/testModel.ts";
import { REPO_ROOT } from "./cli.ts";

/** The venv of the bundle's requirements (scripts/ci/python-env.sh; ONCO_TRAIN_VENV moves it). */
export const TRAINING_VENV = process.env.ONCO_TRAIN_VENV ?? path.join(REPO_ROOT, ".cache", "train-venv");
const SCRIPT = path.join(REPO_ROOT, "scripts", "finetune", "tiny_hf_llama.py");
const CACHE = path.join(REPO_ROOT, ".cache", "tiny-hf-llama");

/** The venv's interpreter, or ONCO_TRAIN_PYTHON. */
export function trainingPython(): string {
  return process.env.ONCO_TRAIN_PYTHON ?? path.join(TRAINING_VENV, "bin", "python");
}

/**
 * False only on a developer machine without the training venv, where the training tests are
 * skipped; in CI a missing venv fails the run instead.
 */
export function haveTrainingVenv(): boolean {
  if (existsSync(trainingPython())) return true;
  if (process.env.CI) throw new Error(`no training venv at ${trainingPython()}: run bash scripts/ci/python-env.sh (.ci/run does)`);
  return false;
}

export type TinyHfLlama = { hfDir: string; gguf: string };

let pending: Promise<TinyHfLlama> | undefined;

/**
 * The tiny model, made on first use (about 30-50 s on 2 cores, most of it transformers reading the
 * tokenizer out of the vocabulary GGUF) under `<repo>/.cache/tiny-hf-llama/<version>/`, where the
 * version hashes the script, the llama.cpp commit and the vocabulary, so a change to any remakes it.
 * Safe across processes: each makes it in its own temporary folder and renames it into place.
 */
export function ensureTinyHfLlama(): Promise<TinyHfLlama> {
  pending ??= build().catch((error: unknown) => {
    pending = undefined; // let a later call retry
    throw error;
  });
  return pending;
}

async function build(): Promise<TinyHfLlama> {
  const python = trainingPython();
  if (!existsSync(python)) throw new Error(`no training venv at ${python}: run bash scripts/ci/python-env.sh`);
  const [vocab, converters] = await Promise.all([llamaBpeVocabPath(), llamaCppConverters()]);
  const version = createHash("sha256")
    .update(await readFile(SCRIPT))
    .update(`\0${converters.commit}\0${path.basename(vocab)}`)
    .digest("hex")
    .slice(0, 12);
  const dir = path.join(CACHE, version);
  const made = { hfDir: path.join(dir, "hf"), gguf: path.join(dir, "base.gguf") };
  if (await isFile(made.gguf)) return made;

  const partial = path.join(CACHE, `${version}.partial-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    await run(python, [SCRIPT, "--vocab", vocab, "--llama-cpp", converters.dir, "--out", partial]);
    try {
      await rename(partial, dir);
    } catch (error) {
      // Another process finished first: its model is the same (seeded), so use it.
      if (!(await isFile(made.gguf))) throw error;
    }
    return made;
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
}

/** Runs the training venv's Python (one thread: the machine's cores are shared); the last 20 lines of stderr on failure. */
export function runTrainingPython(args: string[]): Promise<void> {
  return run(trainingPython(), args);
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", TOKENIZERS_PARALLELISM: "false", OMP_NUM_THREADS: "1" }, maxBuffer: 64 << 20 },
      (error, _stdout, stderr) => {
        if (error) reject(new Error(`${path.basename(args[0] ?? command)} failed: ${stderr.trim().split("\n").slice(-20).join("\n")}`, { cause: error }));
        else resolve();
      },
    );
  });
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
