/**
 * The checkpoint converter on a small hand-written Llama checkpoint (no Python): what it writes
 * for the tokenizer and the weights, and each refusal, named by file and tensor, with nothing
 * written. hf-cross-check.test.ts compares it with llama.cpp's converter on a real checkpoint.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { convertHfLlama } from "../../src-main/models/convert/hfToGguf.ts";
import { quantizeQ8_0 } from "../../src-main/models/gguf/encode.ts";
import { f16BitsToF32, getGgufKv, readGgufFile, readGgufTensorData, type GgufArray } from "../../src-main/models/gguf/gguf.ts";
import { runCli } from "../helpers/cli.ts";
import { randomValues, writeSafetensors, type SafetensorsEntry } from "../helpers/peftAdapter.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const LLAMA3_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const CONFIG = { architectures: ["LlamaForCausalLM"], model_type: "llama", hidden_size: 64, intermediate_size: 80, num_hidden_layers: 1, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 10, max_position_embeddings: 256, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: false };

function weights(config = CONFIG): SafetensorsEntry[] {
  const { hidden_size: h, intermediate_size: ff, vocab_size: v } = config;
  const kv = (h / config.num_attention_heads) * config.num_key_value_heads;
  const entries: [string, number[]][] = [["model.embed_tokens.weight", [v, h]], ["model.norm.weight", [h]], ["lm_head.weight", [v, h]]];
  for (let layer = 0; layer < config.num_hidden_layers; layer++) {
    const p = `model.layers.${layer}`;
    entries.push([`${p}.input_layernorm.weight`, [h]], [`${p}.post_attention_layernorm.weight`, [h]], [`${p}.self_attn.q_proj.weight`, [h, h]], [`${p}.self_attn.k_proj.weight`, [kv, h]], [`${p}.self_attn.v_proj.weight`, [kv, h]], [`${p}.self_attn.o_proj.weight`, [h, h]], [`${p}.mlp.gate_proj.weight`, [ff, h]], [`${p}.mlp.up_proj.weight`, [ff, h]], [`${p}.mlp.down_proj.weight`, [h, ff]]);
  }
  return entries.map(([name, shape], i) => ({ name, dtype: "BF16", shape, values: bf16(randomValues(shape.reduce((a, b) => a * b, 1), i + 1)) }));
}

/** Values exact in bfloat16, so the test knows what the converter read. */
function bf16(values: Float32Array): Float32Array {
  const bits = new Uint32Array(values.buffer);
  for (let i = 0; i < bits.length; i++) bits[i] = (bits[i] as number) & 0xffff0000;
  return values;
}

function tokenizer(split = LLAMA3_SPLIT) {
  return {
    model: { type: "BPE", vocab: { a: 0, b: 1, ab: 2, "Ġa": 3, c: 4, abc: 5 }, merges: [["a", "b"], ["ab", "c"]] },
    added_tokens: [{ id: 6, content: "<|begin_of_text|>", special: true }, { id: 7, content: "<|eot_id|>", special: true }, { id: 8, content: "<note>", special: false }],
    pre_tokenizer: { type: "Sequence", pretokenizers: [{ type: "Split", pattern: { Regex: split }, behavior: "Isolated", invert: false }, { type: "ByteLevel" }] },
    post_processor: { type: "TemplateProcessing", single: [{ SpecialToken: { id: "<|begin_of_text|>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }], pair: [{ SpecialToken: { id: "<|begin_of_text|>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "<|begin_of_text|>", type_id: 1 } }, { Sequence: { id: "B", type_id: 1 } }] },
  };
}

function writeCheckpoint(dir: string, options: { config?: Record<string, unknown>; tensors?: SafetensorsEntry[]; tokenizer?: unknown } = {}): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "config.json"), JSON.stringify({ ...CONFIG, ...options.config }));
  writeFileSync(path.join(dir, "tokenizer.json"), JSON.stringify(options.tokenizer ?? tokenizer()));
  writeFileSync(path.join(dir, "tokenizer_config.json"), JSON.stringify({ bos_token: "<|begin_of_text|>", eos_token: "<|eot_id|>", chat_template: "{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}" }));
  writeSafetensors(path.join(dir, "model.safetensors"), options.tensors ?? weights());
  return dir;
}

describe("convertHfLlama on a hand-written checkpoint", () => {
  it("writes the tokenizer as llama.cpp reads it and the weights in their GGUF names, types and values", async () => {
    const dir = writeCheckpoint(path.join(tempDir(), "ckpt"));
    const out = path.join(tempDir(), "m.gguf");
    await convertHfLlama({ dir, out, type: "q8_0" });
    const file = await readGgufFile(out);
    const value = (key: string) => getGgufKv(file, key)?.value;
    expect((value("tokenizer.ggml.tokens") as GgufArray).items).toEqual(["a", "b", "ab", "Ġa", "c", "abc", "<|begin_of_text|>", "<|eot_id|>", "<note>", "[PAD9]"]);
    expect((value("tokenizer.ggml.token_type") as GgufArray).items).toEqual([1, 1, 1, 1, 1, 1, 3, 3, 4, 5]);
    expect((value("tokenizer.ggml.merges") as GgufArray).items).toEqual(["a b", "ab c"]);
    expect([value("tokenizer.ggml.model"), value("tokenizer.ggml.pre"), value("tokenizer.ggml.bos_token_id"), value("tokenizer.ggml.eos_token_id"), value("tokenizer.ggml.add_bos_token"), value("tokenizer.ggml.add_sep_token")]).toEqual(["gpt2", "llama-bpe", 6, 7, true, false]);
    expect(value("tokenizer.chat_template")).toContain("{{ bos_token }}");
    expect([value("llama.block_count"), value("llama.embedding_length"), value("llama.attention.head_count_kv"), value("llama.rope.dimension_count"), value("general.file_type")]).toEqual([1, 64, 2, 16, 7]);
    // No llama3 RoPE scaling in the config: no rope_freqs tensor.
    expect(file.tensors.map((t) => [t.name, t.type])).toEqual([
      ["output.weight", 8], ["token_embd.weight", 8], ["blk.0.attn_norm.weight", 0], ["blk.0.ffn_down.weight", 1], ["blk.0.ffn_gate.weight", 8], ["blk.0.ffn_up.weight", 8],
      ["blk.0.ffn_norm.weight", 0], ["blk.0.attn_k.weight", 8], ["blk.0.attn_output.weight", 8], ["blk.0.attn_q.weight", 8], ["blk.0.attn_v.weight", 8], ["output_norm.weight", 0],
    ]);
    // ffn_down's rows are 80 long: Q8_0 takes rows of whole 32-blocks, so it is F16 like llama.cpp's fallback; exact from BF16.
    const down = await readGgufTensorData(out, file, "blk.0.ffn_down.weight");
    const source = weights().find((t) => t.name === "model.layers.0.mlp.down_proj.weight")?.values as Float32Array;
    expect(Array.from({ length: 80 }, (_, i) => f16BitsToF32(down.readUInt16LE(i * 2)))).toEqual(Array.from(source.slice(0, 80)));
  });

  it("Q8_0 blocks are max|x|/127 and round(x/d), halves away from zero, as ggml's reference", () => {
    const block = Float32Array.from({ length: 64 }, (_, i) => (i < 32 ? (i - 16) / 8 : 0));
    const q = quantizeQ8_0(block);
    expect(q.length).toBe(68);
    const view = new DataView(q.buffer);
    expect(f16BitsToF32(view.getUint16(0, true))).toBeCloseTo(2 / 127, 5);
    // x = -2 → -127; x = 1 → 63.5 → 64; x = 0.125 → 7.9375 → 8
    expect([view.getInt8(2 + 0), view.getInt8(2 + 24), view.getInt8(2 + 17), view.getInt8(2 + 16)]).toEqual([-127, 64, 8, 0]);
    expect(view.getUint16(34, true)).toBe(0);
    expect(Array.from(q.subarray(36))).toEqual(new Array(32).fill(0));
  });

  const refusals: { what: string; make: (dir: string) => string; message: string | RegExp }[] = [
    { what: "a folder without config.json", make: (dir) => (mkdirSync(dir), dir), message: /has no config\.json: it is not a Hugging Face checkpoint folder$/ },
    { what: "another architecture", make: (dir) => writeCheckpoint(dir, { config: { model_type: "qwen2", architectures: ["Qwen2ForCausalLM"] } }), message: 'config.json: a "qwen2" model (Qwen2ForCausalLM); only Llama checkpoints (LlamaForCausalLM) are converted here' },
    { what: "another RoPE scaling", make: (dir) => writeCheckpoint(dir, { config: { rope_scaling: { rope_type: "yarn", factor: 4 } } }), message: 'RoPE scaling "yarn" is not converted here' },
    {
      what: "a shard the index names but the folder lacks",
      make: (dir) => {
        writeCheckpoint(dir);
        writeFileSync(path.join(dir, "model.safetensors.index.json"), JSON.stringify({ weight_map: { "model.norm.weight": "model-00002-of-00002.safetensors" } }));
        return dir;
      },
      message: "model.safetensors.index.json names model-00002-of-00002.safetensors, which is not in",
    },
    { what: "pickled weights only", make: (dir) => (writeCheckpoint(dir), writeFileSync(path.join(dir, "model.safetensors"), ""), dir), message: "not a safetensors file" },
    {
      what: "a tensor that is not Llama's",
      make: (dir) => writeCheckpoint(dir, { tensors: [...weights(), { name: "model.layers.0.self_attn.rotary.weight", dtype: "F32", shape: [4], values: randomValues(4, 1) }] }),
      message: "tensor model.layers.0.self_attn.rotary.weight is not part of a Llama model",
    },
    {
      what: "a layer fewer than the config says",
      make: (dir) => writeCheckpoint(dir, { config: { num_hidden_layers: 2 } }),
      message: "the checkpoint has no blk.1.attn_q.weight (its config says 2 layers): incomplete?",
    },
    { what: "another pre-tokenizer", make: (dir) => writeCheckpoint(dir, { tokenizer: tokenizer("\\w+|[^\\w\\s]+") }), message: "tokenizer.json: its pre-tokenizer is not Llama 3's" },
    {
      what: "a token beyond vocab_size",
      make: (dir) => writeCheckpoint(dir, { config: { vocab_size: 7 }, tensors: weights({ ...CONFIG, vocab_size: 7 }) }),
      message: 'tokenizer.json: token "<|eot_id|>" has id 7, outside the model\'s vocab_size 7',
    },
  ];
  for (const refusal of refusals) {
    it(`refuses ${refusal.what}, naming it, and writes nothing`, async () => {
      const out = path.join(tempDir(), "out.gguf");
      await expect(convertHfLlama({ dir: refusal.make(path.join(tempDir(), "ckpt")), out })).rejects.toThrow(refusal.message);
      expect(existsSync(out)).toBe(false);
    });
  }

  it("a quantised tensor is refused by name", async () => {
    const dir = writeCheckpoint(path.join(tempDir(), "ckpt"));
    const file = path.join(dir, "model.safetensors");
    const bytes = readFileSync(file).toString("latin1");
    // model.norm.weight: 64 BF16 values are 128 bytes, as are 128 I8 values.
    const [was, now] = ['"model.norm.weight":{"dtype":"BF16","shape":[64]', '"model.norm.weight":{"dtype":"I8","shape":[128]'];
    // Padded to the same length, so the header's length prefix still holds.
    writeFileSync(file, Buffer.from(bytes.replace(was, now.padEnd(was.length)), "latin1"));
    await expect(convertHfLlama({ dir, out: path.join(tempDir(), "q.gguf") })).rejects.toThrow("tensor model.norm.weight is I8; weights must be F32, F16 or BF16");
  });
});

describe("models import-hf", () => {
  it("a folder that is not a checkpoint: exit 2 with the reason, nothing written or registered", async () => {
    const data = tempDir();
    const dir = writeCheckpoint(path.join(tempDir(), "ckpt"), { config: { model_type: "qwen2", architectures: ["Qwen2ForCausalLM"] } });
    const refused = await runCli(["--data", data, "models", "import-hf", dir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('a "qwen2" model (Qwen2ForCausalLM); only Llama checkpoints');
    expect(existsSync(path.join(data, "models", "ckpt.q8_0.gguf"))).toBe(false);
    expect((await runCli(["--data", data, "--json", "models", "list"])).events).toEqual([{ type: "empty" }]);
    const badType = await runCli(["--data", data, "models", "import-hf", dir, "--type", "q4_0"]);
    expect(badType.stderr).toContain("--type q4_0: f16 or q8_0");
  });
});
