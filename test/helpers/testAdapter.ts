// A LoRA adapter GGUF with seeded random weights for the tiny test model, written without Python:
// enough for node-llama-cpp to apply it (its output changes) and for the adapter checks to judge it.
import { seededRandom } from "../../src-main/base/seededRandom.ts";
import { GgmlType, ggufKv, writeGgufFile, type GgufTensorSource } from "../../src-main/models/gguf/gguf.ts";

export type TestAdapterOptions = {
  /** The tiny test model's dimensions unless said otherwise (a mismatched adapter for refusals). */
  embd?: number;
  kvDim?: number;
  blocks?: number;
  rank?: number;
  architecture?: string;
  /** Size of the random A and B entries: large enough to move the tiny model's output. */
  scale?: number;
  seed?: number;
};

export async function writeTestAdapter(out: string, options: TestAdapterOptions = {}): Promise<string> {
  const embd = options.embd ?? 64;
  const kvDim = options.kvDim ?? 32;
  const rank = options.rank ?? 8;
  const scale = options.scale ?? 0.5;
  const next = seededRandom(options.seed ?? 7);
  const random = (count: number) => {
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) values[i] = (next() * 2 - 1) * scale;
    return new Uint8Array(values.buffer);
  };
  const tensors: GgufTensorSource[] = [];
  for (let block = 0; block < (options.blocks ?? 2); block++) {
    for (const [name, outputs] of [["attn_q", embd], ["attn_v", kvDim]] as const) {
      const target = `blk.${block}.${name}.weight`;
      // GGUF order, innermost first: A is [inputs, rank], B is [rank, outputs].
      tensors.push({ name: `${target}.lora_a`, dims: [embd, rank], type: GgmlType.F32, data: random(embd * rank) });
      tensors.push({ name: `${target}.lora_b`, dims: [rank, outputs], type: GgmlType.F32, data: random(rank * outputs) });
    }
  }
  await writeGgufFile(out, {
    metadata: [
      ggufKv.string("general.architecture", options.architecture ?? "llama"),
      ggufKv.string("general.type", "adapter"),
      ggufKv.string("general.name", "OncoTimeline test adapter (random weights)"),
      ggufKv.u32("general.alignment", 32),
      ggufKv.string("adapter.type", "lora"),
      ggufKv.f32("adapter.lora.alpha", rank * 2),
    ],
    tensors,
  });
  return out;
}
