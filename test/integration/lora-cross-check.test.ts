/**
 * Our PEFT → GGUF LoRA converter against llama.cpp's own convert_lora_to_gguf.py (the copy of the
 * llama.cpp release node-llama-cpp runs), on real PEFT output for the tiny Hugging Face Llama:
 * the same tensors (names, order, shapes, types) with bit-identical bytes, the same adapter
 * metadata, and the same greedy tokens from node-llama-cpp with either file on the base GGUF.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { getLlama } from "node-llama-cpp";
import { beforeAll, describe, expect, it } from "vitest";
import { llamaCppConverters } from "../../src-main/finetune/bundleFiles.ts";
import { convertPeftLora } from "../../src-main/models/convert/peftLora.ts";
import { getGgufKv, readGgufFile, readGgufTensorData } from "../../src-main/models/gguf/gguf.ts";
import { EXTRACTION_TEST_TIMEOUT_MS, REPO_ROOT, runCli } from "../helpers/cli.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { ensureTinyHfLlama, haveTrainingVenv, trainingPython, type TinyHfLlama } from "../helpers/tinyHfLlama.ts";

const tempDir = useTempDirs();
const ready = haveTrainingVenv();
const MAKE_ADAPTER = path.join(REPO_ROOT, "scripts", "finetune", "random_peft_adapter.py");
/** What llama.cpp reads from an adapter; general.name and the model card's keys are labels. */
const KEY_METADATA = ["general.architecture", "general.type", "adapter.type", "adapter.lora.alpha", "general.quantization_version"];
const PROMPT = "Mrs Jones, 64, ER positive breast cancer, started letrozole in March 2021.";

function python(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(trainingPython(), args, { env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", TOKENIZERS_PARALLELISM: "false", OMP_NUM_THREADS: "1" }, maxBuffer: 64 << 20 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(args[0] ?? "python")} failed: ${stderr.split("\n").slice(-20).join("\n")}`, { cause: error }));
      else resolve();
    });
  });
}

/** Greedy tokens on the CPU, one thread, with the adapter applied (or none). */
async function greedyTokens(modelPath: string, adapterPath: string | null, count: number): Promise<number[]> {
  const llama = await getLlama({ gpu: false, build: "never" });
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ threads: 1, contextSize: 256, ...(adapterPath === null ? {} : { lora: { adapters: [{ filePath: adapterPath }] } }) });
  try {
    const tokens: number[] = [];
    for await (const token of context.getSequence().evaluate(model.tokenize(PROMPT, false), { temperature: 0 })) {
      tokens.push(token);
      if (tokens.length >= count) break;
    }
    return tokens;
  } finally {
    await context.dispose();
    await model.dispose();
  }
}

async function expectSameGguf(ours: string, theirs: string): Promise<void> {
  const [a, b] = await Promise.all([readGgufFile(ours), readGgufFile(theirs)]);
  expect(a.tensors.map((t) => [t.name, t.dims, t.type])).toEqual(b.tensors.map((t) => [t.name, t.dims, t.type]));
  for (const tensor of a.tensors) {
    const [mine, reference] = await Promise.all([readGgufTensorData(ours, a, tensor.name), readGgufTensorData(theirs, b, tensor.name)]);
    expect(mine.equals(reference), `${tensor.name} differs from llama.cpp's`).toBe(true);
  }
  const keys = (file: typeof a) => Object.fromEntries(KEY_METADATA.map((key) => [key, getGgufKv(file, key)?.value]));
  expect(keys(a)).toEqual(keys(b));
  expect(keys(a)["general.type"]).toBe("adapter");
}

describe.skipIf(!ready)("PEFT LoRA → GGUF: ours against llama.cpp's convert_lora_to_gguf.py", () => {
  let tiny: TinyHfLlama;
  let converters: string;
  beforeAll(async () => {
    [tiny, { dir: converters }] = await Promise.all([ensureTinyHfLlama(), llamaCppConverters()]);
  }, 300_000);

  async function peftAdapter(dir: string, args: string[]): Promise<string> {
    await python([MAKE_ADAPTER, "--base", tiny.hfDir, "--out", dir, ...args]);
    return dir;
  }

  async function llamaCppLora(adapterDir: string, outtype: "f32" | "f16"): Promise<string> {
    const out = path.join(tempDir(), `llama-cpp-${outtype}.gguf`);
    await python([path.join(converters, "convert_lora_to_gguf.py"), adapterDir, "--base", tiny.hfDir, "--outtype", outtype, "--outfile", out]);
    return out;
  }

  it("F32 adapter on every linear layer, converted by models import-lora: same tensors and bytes, same greedy tokens", async () => {
    const adapter = await peftAdapter(path.join(tempDir(), "all-linear"), []);
    const theirs = await llamaCppLora(adapter, "f32");
    const ours = path.join(tempDir(), "ours.gguf");
    const imported = await runCli(["--data", tempDir(), "--json", "models", "import-lora", adapter, "--base", tiny.gguf, "--out", ours]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.events.at(-1)).toMatchObject({ type: "lora-imported", path: ours, pairs: 14, alpha: 16, ranks: [8] });
    await expectSameGguf(ours, theirs);

    const bare = await greedyTokens(tiny.gguf, null, 12);
    const withOurs = await greedyTokens(tiny.gguf, ours, 12);
    expect(withOurs).toHaveLength(12);
    // The adapter is applied (its random A and B move the output) ...
    expect(withOurs).not.toEqual(bare);
    // ... and applied exactly as llama.cpp's own file is.
    expect(withOurs).toEqual(await greedyTokens(tiny.gguf, theirs, 12));
  }, EXTRACTION_TEST_TIMEOUT_MS);

  it("BF16 adapter of rank 4 on q, k and lm_head, written as F16: same tensors and bytes, same greedy tokens", async () => {
    const adapter = await peftAdapter(path.join(tempDir(), "qk-head"), ["--dtype", "bfloat16", "--rank", "4", "--alpha", "8", "--targets", "q_proj,k_proj,lm_head", "--seed", "9"]);
    const theirs = await llamaCppLora(adapter, "f16");
    const ours = path.join(tempDir(), "ours-f16.gguf");
    await convertPeftLora({ adapterDir: adapter, basePath: tiny.gguf, out: ours, type: "f16" });
    await expectSameGguf(ours, theirs);
    expect((await readGgufFile(ours)).tensors.map((t) => t.name)).toContain("output.weight.lora_b");
    const withOurs = await greedyTokens(tiny.gguf, ours, 12);
    expect(withOurs).not.toEqual(await greedyTokens(tiny.gguf, null, 12));
    expect(withOurs).toEqual(await greedyTokens(tiny.gguf, theirs, 12));
  }, EXTRACTION_TEST_TIMEOUT_MS);
});
