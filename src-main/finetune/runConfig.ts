/**
 * run.json, what one training job trains (read by the bundle's runconfig.py, which holds every
 * key's default and check), and where the job's files lie in its folder on the cluster. Paths in
 * run.json are relative to its own folder, so the uploaded folder works wherever it is put.
 */
import type { Recipe } from "../../src-shared/api/finetune.ts";

export const REMOTE = {
  runConfig: "run.json",
  script: "train.sbatch",
  datasetDir: "dataset",
  /** Slurm's --output, appended to by a requeued job. */
  log: "train.log",
  metrics: "out/metrics.jsonl",
  stage: "out/stage",
  result: "out/result.json",
  preflight: "out/preflight.json",
  adapter: "out/adapter.gguf",
  /** Only with a merge in the recipe: the base with the adapter merged in, as one GGUF of that type. */
  merged: (type: string) => `out/merged-${type.toUpperCase()}.gguf`,
} as const;

export function runConfig(recipe: Recipe, where: { baseDir: string; files: Record<string, { sha256: string }> }): Record<string, unknown> {
  return {
    base_dir: where.baseDir,
    train_file: `${REMOTE.datasetDir}/train.jsonl`,
    out_dir: "out",
    dataset_sha256: Object.fromEntries(Object.entries(where.files).map(([file, { sha256 }]) => [file, sha256])),
    lora_rank: recipe.rank,
    lora_alpha: recipe.alpha,
    lora_dropout: recipe.dropout,
    learning_rate: recipe.learningRate,
    gradient_accumulation_steps: recipe.gradientAccumulation,
    max_length: recipe.maxLength,
    epochs: recipe.epochs,
    max_steps: recipe.maxSteps,
    seed: recipe.seed,
    save_steps: recipe.saveSteps,
    merge: recipe.merge === null ? null : { quantize: recipe.merge },
  };
}
