/**
 * Our checkpoint → GGUF converter against llama.cpp's own convert_hf_to_gguf.py (the copy of the
 * llama.cpp release node-llama-cpp runs) on the tiny Hugging Face Llama, as a cloud fine-tune
 * exports a merged model (BF16, sharded) and as saved (F32, one file): the same tensors (names,
 * order, shapes, types) with bit-identical bytes, the same metadata (tokenizer and chat template
 * included; only the display name differs), and the same greedy tokens from node-llama-cpp.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { llamaCppConverters } from "../../src-main/finetune/bundleFiles.ts";
import { convertHfLlama } from "../../src-main/models/convert/hfToGguf.ts";
import type { GgufFile } from "../../src-main/models/gguf/gguf.ts";
import { expectSameTensors, greedyTokens } from "../helpers/ggufCrossCheck.ts";
import { EXTRACTION_TEST_TIMEOUT_MS, REPO_ROOT, runCli } from "../helpers/cli.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { ensureTinyHfLlama, haveTrainingVenv, runTrainingPython, type TinyHfLlama } from "../helpers/tinyHfLlama.ts";

const tempDir = useTempDirs();
const ready = haveTrainingVenv();
const RESAVE = path.join(REPO_ROOT, "scripts", "finetune", "resave_checkpoint.py");
/** Labels convert_hf_to_gguf.py derives from the folder's name; they do not change what runs. */
const LABELS = new Set(["general.name", "general.size_label"]);
const PROMPT = "Mr Brown had a right hemicolectomy on 4 May 2019 for colon cancer.";

async function expectSameGguf(ours: string, theirs: string): Promise<void> {
  const [a, b] = await expectSameTensors(ours, theirs);
  const entries = (file: GgufFile) => file.metadata.filter((kv) => !LABELS.has(kv.key)).map((kv) => [kv.key, kv.type, Buffer.from(kv.raw ?? []).toString("base64")]);
  const sorted = (list: (string | number)[][]) => [...list].sort((x, y) => String(x[0]).localeCompare(String(y[0])));
  expect(sorted(entries(a))).toEqual(sorted(entries(b)));
  expect(a.metadata.map((kv) => kv.key)).toContain("tokenizer.chat_template");
}

describe.skipIf(!ready)("Llama checkpoint → GGUF: ours against llama.cpp's convert_hf_to_gguf.py", () => {
  let tiny: TinyHfLlama;
  let converters: string;
  beforeAll(async () => {
    [tiny, { dir: converters }] = await Promise.all([ensureTinyHfLlama(), llamaCppConverters()]);
  }, 300_000);

  it("BF16 in two shards → Q8_0 by models import-hf: same tensors, bytes and metadata, same greedy tokens", async () => {
    const sharded = path.join(tempDir(), "merged");
    await runTrainingPython([RESAVE, "--base", tiny.hfDir, "--out", sharded, "--dtype", "bfloat16", "--max-shard-size", "20MB"]);
    expect(readdirSync(sharded).filter((name) => /^model-\d+-of-\d+\.safetensors$/.test(name))).toHaveLength(2);
    const theirs = path.join(tempDir(), "llama-cpp-q8_0.gguf");
    await runTrainingPython([path.join(converters, "convert_hf_to_gguf.py"), sharded, "--outtype", "q8_0", "--outfile", theirs]);

    const data = tempDir();
    const imported = await runCli(["--data", data, "--json", "models", "import-hf", sharded, "--type", "q8_0", "--name", "merged-ft"]);
    expect(imported.code, imported.stderr).toBe(0);
    const ours = path.join(data, "models", "merged-ft.q8_0.gguf");
    expect(imported.events.at(-1)).toMatchObject({ type: "hf-imported", path: ours, tensors: 22, model: { name: "merged-ft", path: ours, verified: { backend: "cpu" } } });
    await expectSameGguf(ours, theirs);
    const tokens = await greedyTokens(ours, PROMPT, 12);
    expect(tokens).toHaveLength(12);
    expect(tokens).toEqual(await greedyTokens(theirs, PROMPT, 12));
  }, EXTRACTION_TEST_TIMEOUT_MS);

  it("F32 in one file → F16: the same file as the tiny model's own base.gguf, same greedy tokens", async () => {
    const ours = path.join(tempDir(), "ours-f16.gguf");
    await convertHfLlama({ dir: tiny.hfDir, out: ours, type: "f16" });
    await expectSameGguf(ours, tiny.gguf);
    expect(await greedyTokens(ours, PROMPT, 12)).toEqual(await greedyTokens(tiny.gguf, PROMPT, 12));
  }, EXTRACTION_TEST_TIMEOUT_MS);
});
