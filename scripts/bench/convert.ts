/**
 * npm run bench:convert — a Llama-shaped checkpoint of random BF16 weights (≥ 1 GB by default,
 * in 2 shards, with the tiny test Llama's real Llama 3 tokenizer) converted to Q8_0 GGUF by our
 * converter (`models import-hf`'s) and by llama.cpp's convert_hf_to_gguf.py, one after the other
 * in this run, each in its own process under /usr/bin/time for its peak RSS. Checks the two
 * files hold the same bytes for every tensor. Needs the training venv (scripts/ci/python-env.sh).
 * Last line: `ours/python seconds: X.XX` (below 1: ours is faster).
 * Options: --hidden N (default 1536), --layers N (default 8), --keep (leave the files).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { llamaCppConverters } from "../../src-main/finetune/bundleFiles.ts";
import { readGgufFile, readGgufTensorData } from "../../src-main/models/gguf/gguf.ts";
import { ensureTinyHfLlama, trainingPython } from "../../test/helpers/tinyHfLlama.ts";

const { values } = parseArgs({ options: { hidden: { type: "string", default: "1536" }, layers: { type: "string", default: "8" }, keep: { type: "boolean", default: false } } });
const hidden = Number(values.hidden);
const layers = Number(values.layers);
const headDim = 64;
const heads = hidden / headDim;
/** Grouped-query attention as Llama 3 (32:8); 24:8 at the default size. */
const kvHeads = heads % 3 === 0 ? heads / 3 : heads % 2 === 0 ? heads / 2 : heads;
const ff = Math.round((hidden * 8) / 3 / 256) * 256;
const vocab = 128256;
const ROOT = path.resolve(import.meta.dirname, "..", "..");
const dir = mkdtempSync(path.join(os.tmpdir(), "oncotimeline-bench-convert-"));

/** Random BF16 weights in ±[2^-7, 1): random bits with the exponent held in range (no NaN, no infinity). */
function randomBf16(count: number): Buffer {
  const bytes = Buffer.allocUnsafe(count * 2);
  randomFillSync(bytes);
  const bits = new Uint16Array(bytes.buffer, bytes.byteOffset, count);
  for (let i = 0; i < count; i++) {
    const r = bits[i] as number;
    bits[i] = (r & 0x807f) | ((0x78 + ((r >>> 7) & 7)) << 7);
  }
  return bytes;
}

/** One shard, written tensor by tensor so the bench's own memory stays small too. */
async function writeShard(file: string, tensors: [string, number[]][]): Promise<void> {
  const header: Record<string, unknown> = { __metadata__: { format: "pt" } };
  let offset = 0;
  for (const [name, shape] of tensors) {
    const bytes = shape.reduce((a, b) => a * b, 1) * 2;
    header[name] = { dtype: "BF16", shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const fh = await open(file, "w");
  try {
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
    await fh.write(length);
    await fh.write(Buffer.from(json));
    for (const [, shape] of tensors) {
      let left = shape.reduce((a, b) => a * b, 1);
      while (left > 0) {
        const n = Math.min(left, 16 << 20);
        await fh.write(randomBf16(n));
        left -= n;
      }
    }
  } finally {
    await fh.close();
  }
}

/** Runs a command under /usr/bin/time; its wall seconds and peak RSS. */
function measured(command: string, args: string[]): { seconds: number; peakRssMb: number } {
  const started = performance.now();
  const run = spawnSync("/usr/bin/time", ["-f", "%M", command, ...args], { encoding: "utf8", env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", TOKENIZERS_PARALLELISM: "false" }, maxBuffer: 256 << 20 });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`${path.basename(args[0] ?? command)} failed (${run.status}): ${run.stderr.split("\n").slice(-15).join("\n")}`);
  const kb = Number(run.stderr.trim().split("\n").at(-1));
  return { seconds, peakRssMb: kb / 1024 };
}

try {
  const [tiny, { dir: converters }] = await Promise.all([ensureTinyHfLlama(), llamaCppConverters()]);
  const ckpt = path.join(dir, "checkpoint");
  execFileSync("mkdir", ["-p", ckpt]);
  for (const file of ["tokenizer.json", "tokenizer_config.json", "chat_template.jinja"]) {
    if (existsSync(path.join(tiny.hfDir, file))) copyFileSync(path.join(tiny.hfDir, file), path.join(ckpt, file));
  }
  writeFileSync(
    path.join(ckpt, "config.json"),
    JSON.stringify({
      architectures: ["LlamaForCausalLM"], model_type: "llama", hidden_size: hidden, intermediate_size: ff, num_hidden_layers: layers, num_attention_heads: heads, num_key_value_heads: kvHeads,
      head_dim: headDim, vocab_size: vocab, max_position_embeddings: 131072, rms_norm_eps: 1e-5, tie_word_embeddings: false, torch_dtype: "bfloat16",
      rope_scaling: { factor: 8.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192, rope_type: "llama3" }, rope_theta: 500000.0,
      bos_token_id: 128000, eos_token_id: [128001, 128008, 128009],
    }),
  );
  const first: [string, number[]][] = [["model.embed_tokens.weight", [vocab, hidden]]];
  const second: [string, number[]][] = [["lm_head.weight", [vocab, hidden]], ["model.norm.weight", [hidden]]];
  for (let l = 0; l < layers; l++) {
    const p = `model.layers.${l}`;
    (l < layers / 2 ? first : second).push(
      [`${p}.input_layernorm.weight`, [hidden]], [`${p}.post_attention_layernorm.weight`, [hidden]],
      [`${p}.self_attn.q_proj.weight`, [hidden, hidden]], [`${p}.self_attn.k_proj.weight`, [kvHeads * headDim, hidden]], [`${p}.self_attn.v_proj.weight`, [kvHeads * headDim, hidden]], [`${p}.self_attn.o_proj.weight`, [hidden, hidden]],
      [`${p}.mlp.gate_proj.weight`, [ff, hidden]], [`${p}.mlp.up_proj.weight`, [ff, hidden]], [`${p}.mlp.down_proj.weight`, [hidden, ff]],
    );
  }
  const shards = [["model-00001-of-00002.safetensors", first], ["model-00002-of-00002.safetensors", second]] as const;
  const weightMap: Record<string, string> = {};
  for (const [file, tensors] of shards) {
    await writeShard(path.join(ckpt, file), tensors);
    for (const [name] of tensors) weightMap[name] = file;
  }
  writeFileSync(path.join(ckpt, "model.safetensors.index.json"), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  const inputBytes = shards.reduce((sum, [file]) => sum + statSync(path.join(ckpt, file)).size, 0);
  console.log(`checkpoint: hidden ${hidden}, ${layers} layers, ${heads}/${kvHeads} heads, ff ${ff}, vocab ${vocab}: ${(inputBytes / 1e9).toFixed(2)} GB BF16 in 2 shards`);

  const oursOut = path.join(dir, "ours-q8_0.gguf");
  const pythonOut = path.join(dir, "python-q8_0.gguf");
  const runner = path.join(dir, "convert.mts");
  writeFileSync(runner, `import { convertHfLlama } from ${JSON.stringify(path.join(ROOT, "src-main/models/convert/hfToGguf.ts"))};\nawait convertHfLlama({ dir: process.argv[2], out: process.argv[3], type: "q8_0" });\n`);
  const ours = measured(process.execPath, ["--import", "tsx", runner, ckpt, oursOut]);
  const python = measured(trainingPython(), [path.join(converters, "convert_hf_to_gguf.py"), ckpt, "--outtype", "q8_0", "--outfile", pythonOut]);

  const [a, b] = await Promise.all([readGgufFile(oursOut), readGgufFile(pythonOut)]);
  let same = a.tensors.map((t) => t.name).join() === b.tensors.map((t) => t.name).join();
  for (const tensor of a.tensors) same &&= (await readGgufTensorData(oursOut, a, tensor.name)).equals(await readGgufTensorData(pythonOut, b, tensor.name));
  const mbps = (seconds: number) => (inputBytes / 1e6 / seconds).toFixed(1);
  console.log(`ours:   ${ours.seconds.toFixed(2)} s, ${mbps(ours.seconds)} MB/s, peak RSS ${ours.peakRssMb.toFixed(0)} MB, ${(statSync(oursOut).size / 1e9).toFixed(2)} GB written`);
  console.log(`python: ${python.seconds.toFixed(2)} s, ${mbps(python.seconds)} MB/s, peak RSS ${python.peakRssMb.toFixed(0)} MB, ${(statSync(pythonOut).size / 1e9).toFixed(2)} GB written`);
  console.log(`tensors: ${same ? "the same names, order and bytes" : "DIFFER"} in both files`);
  console.log(`ours/python seconds: ${(ours.seconds / python.seconds).toFixed(2)}`);
  if (!same) process.exitCode = 1;
} finally {
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
  else console.error(`kept ${dir}`);
}
