// PEFT adapter folders written without Python (adapter_config.json + adapter_model.safetensors),
// for the converter's tests that need exact control of names, shapes and values; the cross-check
// against llama.cpp's converter uses real PEFT output (scripts/finetune/random_peft_adapter.py).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { seededRandom } from "../../src-main/base/seededRandom.ts";
import { f32ToF16Bits } from "../../src-main/models/gguf/gguf.ts";

export type SafetensorsEntry = { name: string; dtype: "F32" | "F16" | "BF16"; shape: number[]; values: Float32Array };

/** A safetensors file as the format specifies it (header padded to 8 bytes, as the Rust writer does). */
export function writeSafetensors(file: string, entries: readonly SafetensorsEntry[], metadata: Record<string, string> = { format: "pt" }): void {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const blobs: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const blob = encode(entry);
    header[entry.name] = { dtype: entry.dtype, shape: entry.shape, data_offsets: [offset, offset + blob.length] };
    blobs.push(blob);
    offset += blob.length;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  writeFileSync(file, Buffer.concat([length, Buffer.from(json), ...blobs]));
}

function encode(entry: SafetensorsEntry): Buffer {
  const { values, dtype } = entry;
  if (dtype === "F32") return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const out = Buffer.alloc(values.length * 2);
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  // BF16 by truncation: the tests give values that are exact in bfloat16.
  for (let i = 0; i < values.length; i++) out.writeUInt16LE(dtype === "F16" ? f32ToF16Bits(values[i] as number) : (bits[i] as number) >>> 16, i * 2);
  return out;
}

export function randomValues(count: number, seed: number, scale = 0.5): Float32Array {
  const next = seededRandom(seed);
  return Float32Array.from({ length: count }, () => (next() * 2 - 1) * scale);
}

export type PeftAdapterOptions = {
  config?: Record<string, unknown>;
  /** Replaces the default tensors (rank 4 on q_proj and v_proj of both blocks of the tiny model). */
  tensors?: SafetensorsEntry[];
};

/** The tiny test model's q_proj and v_proj pairs (64 wide, 2 key-value heads of 16), rank 4. */
export function tinyPeftTensors(rank = 4): SafetensorsEntry[] {
  const entries: SafetensorsEntry[] = [];
  let seed = 11;
  for (const block of [0, 1]) {
    for (const [module, outputs] of [["q_proj", 64], ["v_proj", 32]] as const) {
      const stem = `base_model.model.model.layers.${block}.self_attn.${module}`;
      entries.push({ name: `${stem}.lora_A.weight`, dtype: "F32", shape: [rank, 64], values: randomValues(rank * 64, seed++) });
      entries.push({ name: `${stem}.lora_B.weight`, dtype: "F32", shape: [outputs, rank], values: randomValues(outputs * rank, seed++) });
    }
  }
  return entries;
}

export function writePeftAdapter(dir: string, options: PeftAdapterOptions = {}): string {
  mkdirSync(dir, { recursive: true });
  const config = { peft_type: "LORA", r: 4, lora_alpha: 8, target_modules: ["q_proj", "v_proj"], use_dora: false, use_rslora: false, fan_in_fan_out: false, alpha_pattern: {}, rank_pattern: {}, modules_to_save: null, ...options.config };
  writeFileSync(path.join(dir, "adapter_config.json"), JSON.stringify(config, null, 2));
  writeSafetensors(path.join(dir, "adapter_model.safetensors"), options.tensors ?? tinyPeftTensors());
  return dir;
}
