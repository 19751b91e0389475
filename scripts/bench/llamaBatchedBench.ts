/**
 * llama.cpp's own yardstick for batched decoding: `llama-batched-bench` (built from the sources
 * node-llama-cpp bundles, as gpu-device.sh does with BUILD_LLAMA_SERVER=1) on the same model.
 * It reads B prompts of PP tokens, then generates TG tokens for each, B at a time, with no sampling,
 * no grammar and no scheduling of ours in the way: what this llama.cpp build can do on this GPU.
 * Held against the engine's generation steps (bench:gpu's "generation steps ... ms each"), it says
 * whether a shortfall is ours or llama.cpp's.
 */
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { flashAttentionName } from "../../src-main/extract/llama/llamaEngine.ts";

/** One row of its JSONL output (seconds, tokens per second). */
export type BatchedBenchRow = { pp: number; tg: number; pl: number; flash_attn: number; t_pp: number; speed_pp: number; t_tg: number; speed_tg: number };

export type BatchedBenchOptions = {
  bin: string;
  model: string;
  /** Prompt tokens per sequence (a letter's) and tokens generated per sequence. */
  pp: number;
  tg: number;
  /** Sequences decoded together, one row each. */
  parallel: number[];
  flashAttention: "auto" | boolean;
  gpuLayers: number;
  timeoutMs: number;
  /** llama.cpp's log (stderr) is appended here. */
  logFile?: string;
};

export async function runBatchedBench(options: BatchedBenchOptions): Promise<BatchedBenchRow[]> {
  const most = Math.max(...options.parallel);
  const args = [
    ...["-m", options.model, "-ngl", String(options.gpuLayers), "--output-format", "jsonl"],
    // Every sequence its own prompt, as letters are: room for all of them at once.
    ...["-c", String(most * (options.pp + options.tg) + 256), "-b", "2048", "-ub", "512"],
    ...["-npp", String(options.pp), "-ntg", String(options.tg), "-npl", options.parallel.join(",")],
    ...["-fa", flashAttentionName(options.flashAttention)],
  ];
  const child = spawn(options.bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  if (options.logFile) child.stderr.pipe(createWriteStream(options.logFile, { flags: "a" }));
  else child.stderr.resume();
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  }).finally(() => clearTimeout(timer));
  const rows = stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as BatchedBenchRow);
  if (code !== 0 && rows.length === 0) throw new Error(`llama-batched-bench ${args.join(" ")} exited with ${code} and no results`);
  return rows;
}

/** Milliseconds per generation step: one token for each of the row's sequences. */
export function stepMs(row: BatchedBenchRow): number {
  return (1000 * row.t_tg) / row.tg;
}

/**
 * Letters per minute this build could reach with B sequences if nothing but llama.cpp's decoding
 * took time: each round reads B letters, then generates `outputTokens` for each, B at a time.
 */
export function ceilingLettersPerMinute(row: BatchedBenchRow, outputTokens: number): number {
  return (60 * row.pl) / (row.t_pp + (outputTokens * stepMs(row)) / 1000);
}

export function describeRow(row: BatchedBenchRow, outputTokens: number): string {
  return (
    `B=${row.pl}: prompts ${Math.round(row.speed_pp)} tok/s, generation ${Math.round(row.speed_tg)} tok/s = ${stepMs(row).toFixed(1)} ms per step; ` +
    `ceiling ${ceilingLettersPerMinute(row, outputTokens).toFixed(1)} letters/min at ${row.pp}-token letters and ${outputTokens} output tokens`
  );
}
