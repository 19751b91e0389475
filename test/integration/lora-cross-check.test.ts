/**
 * Our PEFT → GGUF LoRA converter against llama.cpp's own convert_lora_to_gguf.py (the copy of the
 * llama.cpp release node-llama-cpp runs), on real PEFT output for the tiny Hugging Face Llama:
 * the same tensors (names, order, shapes, types) with bit-identical bytes, the same adapter
 * metadata, and the same greedy tokens from node-llama-cpp with either file on the base GGUF.
 */
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { llamaCppConverters } from "../../src-main/finetune/bundleFiles.ts";
import { convertPeftLora } from "../../src-main/models/convert/peftLora.ts";
import { getGgufKv, readGgufFile } from "../../src-main/models/gguf/gguf.ts";
import { expectSameTensors, greedyTokens } from "../helpers/ggufCrossCheck.ts";
import { EXTRACTION_TEST_TIMEOUT_MS, REPO_ROOT, runCli } from "../helpers/cli.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { ensureTinyHfLlama, haveTrainingVenv, runTrainingPython, type TinyHfLlama } from "../helpers/tinyHfLlama.ts";

const tempDir = useTempDirs();
const ready = haveTrainingVenv();
const MAKE_ADAPTER = path.join(REPO_ROOT, "scripts", "finetune", "random_peft_adapter.py");
/** What llama.cpp reads from an adapter; general.name and the model card's keys are labels. */
const KEY_METADATA = ["general.architecture", "general.type", "adapter.type", "adapter.lora.alpha", "general.quantization_version"];
const PROMPT = "Mrs Jones, 64, ER positive breast cancer, started letrozole in March 2021.";

async function expectSameGguf(ours: string, theirs: string): Promise<void> {
  const [a, b] = await expectSameTensors(ours, theirs);
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
    await runTrainingPython([MAKE_ADAPTER, "--base", tiny.hfDir, "--out", dir, ...args]);
    return dir;
  }

  async function llamaCppLora(adapterDir: string, outtype: "f32" | "f16"): Promise<string> {
    const out = path.join(tempDir(), `llama-cpp-${outtype}.gguf`);
    await runTrainingPython([path.join(converters, "convert_lora_to_gguf.py"), adapterDir, "--base", tiny.hfDir, "--outtype", outtype, "--outfile", out]);
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

    const bare = await greedyTokens(tiny.gguf, PROMPT, 12, null);
    const withOurs = await greedyTokens(tiny.gguf, PROMPT, 12, ours);
    expect(withOurs).toHaveLength(12);
    // The adapter is applied (its random A and B move the output) ...
    expect(withOurs).not.toEqual(bare);
    // ... and applied exactly as llama.cpp's own file is.
    expect(withOurs).toEqual(await greedyTokens(tiny.gguf, PROMPT, 12, theirs));
  }, EXTRACTION_TEST_TIMEOUT_MS);

  it("BF16 adapter of rank 4 on q, k and lm_head, written as F16: same tensors and bytes, same greedy tokens", async () => {
    const adapter = await peftAdapter(path.join(tempDir(), "qk-head"), ["--dtype", "bfloat16", "--rank", "4", "--alpha", "8", "--targets", "q_proj,k_proj,lm_head", "--seed", "9"]);
    const theirs = await llamaCppLora(adapter, "f16");
    const ours = path.join(tempDir(), "ours-f16.gguf");
    await convertPeftLora({ adapterDir: adapter, basePath: tiny.gguf, out: ours, type: "f16" });
    await expectSameGguf(ours, theirs);
    expect((await readGgufFile(ours)).tensors.map((t) => t.name)).toContain("output.weight.lora_b");
    const withOurs = await greedyTokens(tiny.gguf, PROMPT, 12, ours);
    expect(withOurs).not.toEqual(await greedyTokens(tiny.gguf, PROMPT, 12, null));
    expect(withOurs).toEqual(await greedyTokens(tiny.gguf, PROMPT, 12, theirs));
  }, EXTRACTION_TEST_TIMEOUT_MS);
});
