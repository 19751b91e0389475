/**
 * A merged Llama checkpoint in safetensors (a cloud fine-tune's export: sharded, BF16 or F16) →
 * a GGUF model, F16 or Q8_0, as convert_hf_to_gguf.py writes it: the same tensor names, order,
 * shapes and types, q/k rows permuted for llama.cpp's RoPE, Llama 3.1's RoPE factors, the model's
 * hyperparameters and its tokenizer and chat template. Streamed: one tensor at a time, read in
 * chunks of rows (q and k whole, for their permutation), so memory stays flat whatever the size.
 */
import path from "node:path";
import { GgmlType, ggufKv, writeGgufFile, type GgufKv, type GgufTensorSource } from "../gguf/gguf.ts";
import { encodeWeights, type WeightType } from "../gguf/encode.ts";
import { HfCheckpointError, llama3RopeFactors, readCheckpointTensors, readLlamaConfig, type LlamaConfig } from "./hfCheckpoint.ts";
import { llama3TokenizerMetadata } from "./hfTokenizer.ts";
import { llamaGgufName, llamaPermuteHeads, permuteRows } from "./llamaTensors.ts";
import { isFloatDtype, readTensorF32, streamTensorF32 } from "./safetensors.ts";

export type CheckpointOutType = "f16" | "q8_0";

/** llama_ftype numbers gguf-py writes as general.file_type. */
const FILE_TYPE: Record<CheckpointOutType, number> = { f16: 1, q8_0: 7 };
const WEIGHT_TYPE: Record<CheckpointOutType, WeightType> = { f16: GgmlType.F16, q8_0: GgmlType.Q8_0 };
/** Buffers not kept by the checkpoint converter (convert_hf_to_gguf.py drops them too). */
const DROPPED = /\.(?:rotary_emb\.inv_freq|attention\.masked_bias|attention\.bias)$/;
/** About 16 MB of float32 per read: large enough to stream fast, small enough to keep memory flat. */
const CHUNK_ELEMENTS = 4 << 20;

export type CheckpointConversion = { out: string; tensors: number; bytes: number; config: LlamaConfig };

export async function convertHfLlama(options: { dir: string; out: string; type?: CheckpointOutType; name?: string }): Promise<CheckpointConversion> {
  const { dir, out } = options;
  const type = options.type ?? "f16";
  const config = await readLlamaConfig(dir);
  const checkpoint = await readCheckpointTensors(dir);
  const tokenizer = await llama3TokenizerMetadata(dir, config.vocabSize);
  const heads = { count: config.heads, countKv: config.kvHeads };

  const tensors: GgufTensorSource[] = [];
  const rope = llama3RopeFactors(config);
  if (rope !== null) tensors.push({ name: "rope_freqs.weight", dims: [rope.length], type: GgmlType.F32, data: new Uint8Array(rope.buffer) });
  // convert_hf_to_gguf.py's order: shard by shard (file names sorted), names sorted within each.
  const order = [...checkpoint.entries()].sort(([a, x], [b, y]) => (x.file.path === y.file.path ? (a < b ? -1 : 1) : x.file.path < y.file.path ? -1 : 1));
  for (const [hfName] of order) {
    if (DROPPED.test(hfName)) continue;
    const { file, tensor } = checkpoint.get(hfName) as NonNullable<ReturnType<typeof checkpoint.get>>;
    const name = llamaGgufName(hfName);
    if (name === null) throw new HfCheckpointError(`${file.path}: tensor ${hfName} is not part of a Llama model (not converted: is this a merged checkpoint?)`);
    if (!isFloatDtype(tensor.dtype)) throw new HfCheckpointError(`${file.path}: tensor ${hfName} is ${tensor.dtype}; weights must be F32, F16 or BF16 (a quantised checkpoint cannot be converted)`);
    const dims = [...tensor.shape].reverse();
    const rowLength = dims[0] ?? 1;
    // As convert_hf_to_gguf.py: vectors and norms stay F32; a row Q8_0 cannot split into blocks of 32 falls back to F16.
    let weightType: WeightType = dims.length <= 1 || name.endsWith("_norm.weight") ? GgmlType.F32 : WEIGHT_TYPE[type];
    if (weightType === GgmlType.Q8_0 && rowLength % 32 !== 0) weightType = GgmlType.F16;
    const permuteHeads = llamaPermuteHeads(hfName, heads);
    tensors.push({
      name,
      dims,
      type: weightType,
      data:
        permuteHeads === null
          ? async function* () {
              for await (const chunk of streamTensorF32(file, tensor, CHUNK_ELEMENTS)) yield encodeWeights(chunk, weightType);
            }
          : async function* () {
              const rows = tensor.shape[0] as number;
              yield encodeWeights(permuteRows(await readTensorF32(file, tensor), rows, rowLength, permuteHeads), weightType);
            },
    });
  }
  const names = new Set(tensors.map((t) => t.name));
  for (const wanted of ["token_embd.weight", "output_norm.weight", `blk.${config.layers - 1}.attn_q.weight`]) {
    if (!names.has(wanted)) throw new HfCheckpointError(`${dir}: the checkpoint has no ${wanted} (its config says ${config.layers} layers): incomplete?`);
  }

  const metadata: GgufKv[] = [
    ggufKv.string("general.architecture", "llama"),
    ggufKv.string("general.type", "model"),
    ggufKv.string("general.name", options.name ?? path.basename(path.resolve(dir))),
    ggufKv.u32("llama.block_count", config.layers),
    ggufKv.u32("llama.context_length", config.contextLength),
    ggufKv.u32("llama.embedding_length", config.hiddenSize),
    ggufKv.u32("llama.feed_forward_length", config.intermediateSize),
    ggufKv.u32("llama.attention.head_count", config.heads),
    ggufKv.u32("llama.attention.head_count_kv", config.kvHeads),
    ...(config.ropeTheta === null ? [] : [ggufKv.f32("llama.rope.freq_base", config.ropeTheta)]),
    ggufKv.f32("llama.attention.layer_norm_rms_epsilon", config.rmsNormEps),
    ...(config.headDim === null ? [] : [ggufKv.u32("llama.attention.key_length", config.headDim), ggufKv.u32("llama.attention.value_length", config.headDim)]),
    ggufKv.u32("general.file_type", FILE_TYPE[type]),
    ggufKv.u32("llama.vocab_size", config.vocabSize),
    ggufKv.u32("llama.rope.dimension_count", config.headDim ?? config.hiddenSize / config.heads),
    ggufKv.u32("general.quantization_version", 2),
    ...tokenizer,
  ];
  const { bytes } = await writeGgufFile(out, { metadata, tensors });
  return { out, tensors: tensors.length, bytes, config };
}
