/**
 * A Hugging Face Llama checkpoint folder: config.json and its safetensors weights, whole
 * (model.safetensors) or sharded (model.safetensors.index.json naming a file per tensor).
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { readSafetensors, type SafetensorsFile, type SafetensorsTensor } from "./safetensors.ts";

export class HfCheckpointError extends Error {
  override name = "HfCheckpointError";
}

export type LlamaConfig = {
  hiddenSize: number;
  layers: number;
  heads: number;
  kvHeads: number;
  intermediateSize: number;
  vocabSize: number;
  contextLength: number;
  rmsNormEps: number;
  /** Given in the config (written as key/value lengths); else hidden / heads. */
  headDim: number | null;
  ropeTheta: number | null;
  /** rope_scaling (older configs) or rope_parameters (newer). */
  rope: Record<string, unknown>;
  tieWordEmbeddings: boolean;
};

export type CheckpointTensor = { file: SafetensorsFile; tensor: SafetensorsTensor };

export async function readLlamaConfig(dir: string): Promise<LlamaConfig> {
  const file = path.join(dir, "config.json");
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    throw new HfCheckpointError(missing ? `${dir} has no config.json: it is not a Hugging Face checkpoint folder` : `${file}: ${(error as Error).message}`);
  }
  const architectures = Array.isArray(raw.architectures) ? raw.architectures.map(String) : [];
  if (raw.model_type !== "llama" && !architectures.includes("LlamaForCausalLM")) {
    throw new HfCheckpointError(`${file}: a "${String(raw.model_type)}" model (${architectures.join(", ") || "no architectures"}); only Llama checkpoints (LlamaForCausalLM) are converted here`);
  }
  const int = (key: string, fallback?: number): number => {
    const value = raw[key] ?? fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) throw new HfCheckpointError(`${file}: ${key} is ${JSON.stringify(raw[key])}, not a positive whole number`);
    return value;
  };
  const heads = int("num_attention_heads");
  const rope = (raw.rope_parameters ?? raw.rope_scaling ?? {}) as Record<string, unknown>;
  const ropeTheta = typeof rope.rope_theta === "number" ? rope.rope_theta : typeof raw.rope_theta === "number" ? raw.rope_theta : null;
  const ropeType = rope.rope_type ?? rope.type;
  if (ropeType !== undefined && ropeType !== "default" && String(ropeType).toLowerCase() !== "llama3") {
    throw new HfCheckpointError(`${file}: RoPE scaling "${String(ropeType)}" is not converted here (Llama's own "llama3" or none)`);
  }
  return {
    hiddenSize: int("hidden_size"),
    layers: int("num_hidden_layers"),
    heads,
    kvHeads: int("num_key_value_heads", heads),
    intermediateSize: int("intermediate_size"),
    vocabSize: int("vocab_size"),
    contextLength: int("max_position_embeddings"),
    rmsNormEps: typeof raw.rms_norm_eps === "number" ? raw.rms_norm_eps : 1e-5,
    headDim: typeof raw.head_dim === "number" ? raw.head_dim : null,
    ropeTheta,
    rope,
    tieWordEmbeddings: raw.tie_word_embeddings === true,
  };
}

/** Every tensor of the checkpoint, by name, with the file it is in; shards named by the index must all be there. */
export async function readCheckpointTensors(dir: string): Promise<Map<string, CheckpointTensor>> {
  const index = path.join(dir, "model.safetensors.index.json");
  let files: string[];
  if (await isFile(index)) {
    let weightMap: unknown;
    try {
      weightMap = (JSON.parse(await readFile(index, "utf8")) as { weight_map?: unknown }).weight_map;
    } catch (error) {
      throw new HfCheckpointError(`${index} is not JSON: ${(error as Error).message}`);
    }
    if (typeof weightMap !== "object" || weightMap === null) throw new HfCheckpointError(`${index} has no weight_map`);
    files = [...new Set(Object.values(weightMap as Record<string, string>))].sort();
    for (const shard of files) if (!(await isFile(path.join(dir, shard)))) throw new HfCheckpointError(`${index} names ${shard}, which is not in ${dir} (a shard not downloaded?)`);
  } else if (await isFile(path.join(dir, "model.safetensors"))) {
    files = ["model.safetensors"];
  } else {
    throw new HfCheckpointError(`${dir} has neither model.safetensors nor model.safetensors.index.json (only safetensors weights are read: a .bin pickle can run code when loaded)`);
  }
  const tensors = new Map<string, CheckpointTensor>();
  for (const name of files) {
    const file = await readSafetensors(path.join(dir, name));
    for (const tensor of file.tensors) {
      const seen = tensors.get(tensor.name);
      if (seen) throw new HfCheckpointError(`tensor ${tensor.name} is in both ${seen.file.path} and ${file.path}`);
      tensors.set(tensor.name, { file, tensor });
    }
  }
  return tensors;
}

/**
 * Llama 3.1's RoPE frequency factors, as LlamaModel.generate_extra_tensors computes them (in
 * float32, as torch does there), or null when the config has no "llama3" scaling.
 */
export function llama3RopeFactors(config: LlamaConfig): Float32Array | null {
  const rope = config.rope;
  if (String(rope.rope_type ?? rope.type ?? "").toLowerCase() !== "llama3") return null;
  const f = Math.fround;
  const base = config.ropeTheta ?? 10000;
  const dim = config.headDim ?? config.hiddenSize / config.heads;
  const factor = Number(rope.factor ?? 8);
  const low = Number(rope.low_freq_factor ?? 1);
  const high = Number(rope.high_freq_factor ?? 4);
  const oldContext = Number(rope.original_max_position_embeddings ?? 8192);
  const lowWavelen = oldContext / low;
  const highWavelen = oldContext / high;
  const factors = new Float32Array(dim / 2);
  // torch computes `number / tensor` as reciprocal(tensor) · number, each step rounded to float32.
  const over = (n: number, x: number) => f(f(1 / x) * f(n));
  for (let i = 0; i < dim / 2; i++) {
    const freq = over(1, f(base ** f(f(2 * i) / dim)));
    const wavelen = over(2 * Math.PI, freq);
    if (wavelen < highWavelen) factors[i] = 1;
    else if (wavelen > lowWavelen) factors[i] = factor;
    else {
      const smooth = f(f(over(oldContext, wavelen) - low) / f(high - low));
      factors[i] = over(1, f(f(f(1 - smooth) / factor) + smooth));
    }
  }
  return factors;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
