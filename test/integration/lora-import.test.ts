/**
 * `models import-lora`: a PEFT adapter → GGUF LoRA with our converter, checked against the base
 * before anything is written. The adapters here are written by a test helper with exact names and
 * values (no Python); lora-cross-check.test.ts compares real PEFT output with llama.cpp's converter.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkAdapterFits } from "../../src-main/models/adapterCheck.ts";
import { convertPeftLora } from "../../src-main/models/convert/peftLora.ts";
import { f16BitsToF32, getGgufKv, ggufKv, readGgufFile, readGgufTensorData, writeGgufFile } from "../../src-main/models/gguf/gguf.ts";
import { modelFingerprint } from "../../src-main/store/models.ts";
import { EXTRACTION_TEST_TIMEOUT_MS, runCli } from "../helpers/cli.ts";
import { randomValues, tinyPeftTensors, writePeftAdapter, type SafetensorsEntry } from "../helpers/peftAdapter.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { writeTestAdapter } from "../helpers/testAdapter.ts";
import { useTestModel } from "../helpers/testModel.ts";

const tempDir = useTempDirs();
const modelPath = useTestModel();

const Q0 = "base_model.model.model.layers.0.self_attn.q_proj";

function f32s(bytes: Buffer): number[] {
  return Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));
}

function row(values: Float32Array | number[], r: number, cols: number): number[] {
  return Array.from(values.slice(r * cols, (r + 1) * cols));
}

describe("convertPeftLora", () => {
  it("writes llama.cpp's names, shapes and alpha, A as is and q_proj's B rows in the base's rotary order", async () => {
    const dir = tempDir();
    const adapter = writePeftAdapter(path.join(dir, "ft"));
    const out = path.join(dir, "ft.gguf");
    const converted = await convertPeftLora({ adapterDir: adapter, basePath: modelPath(), out });
    expect(converted).toMatchObject({ out, pairs: 4, alpha: 8, ranks: [4], targetModules: ["q_proj", "v_proj"] });

    const file = await readGgufFile(out);
    expect(file.tensors.map((t) => [t.name, t.dims, t.type])).toEqual([
      ["blk.0.attn_q.weight.lora_a", [64, 4], 0],
      ["blk.0.attn_q.weight.lora_b", [4, 64], 0],
      ["blk.0.attn_v.weight.lora_a", [64, 4], 0],
      ["blk.0.attn_v.weight.lora_b", [4, 32], 0],
      ["blk.1.attn_q.weight.lora_a", [64, 4], 0],
      ["blk.1.attn_q.weight.lora_b", [4, 64], 0],
      ["blk.1.attn_v.weight.lora_a", [64, 4], 0],
      ["blk.1.attn_v.weight.lora_b", [4, 32], 0],
    ]);
    expect(Object.fromEntries(file.metadata.map((kv) => [kv.key, kv.value]))).toEqual({
      "general.architecture": "llama",
      "general.type": "adapter",
      "adapter.type": "lora",
      "general.name": "ft",
      "adapter.lora.alpha": 8,
      "general.quantization_version": 2,
    });

    const [qa, qb, , vb] = tinyPeftTensors().map((t) => t.values);
    expect(f32s(await readGgufTensorData(out, file, "blk.0.attn_q.weight.lora_a"))).toEqual(Array.from(qa as Float32Array));
    expect(f32s(await readGgufTensorData(out, file, "blk.0.attn_v.weight.lora_b"))).toEqual(Array.from(vb as Float32Array));
    // The tiny model's 4 heads of 16 rows: row h·16 + 2j + k comes from row h·16 + 8k + j.
    const b = f32s(await readGgufTensorData(out, file, "blk.0.attn_q.weight.lora_b"));
    for (const [to, from] of [[0, 0], [1, 8], [2, 1], [3, 9], [15, 15], [16, 16], [17, 24], [62, 55]] as const) {
      expect(row(b, to, 4), `row ${to}`).toEqual(row(qb as Float32Array, from, 4));
    }
    expect(await checkAdapterFits(modelPath(), out, { baseFingerprint: modelFingerprint(modelPath()) })).toEqual({ ok: true, tensors: 4, alpha: 8 });
  });

  it("reads BF16 and F16 weights and writes F16 when asked, rounded to nearest", async () => {
    const dir = tempDir();
    const tensors = tinyPeftTensors().map((t, i): SafetensorsEntry => ({ ...t, dtype: i % 2 === 0 ? "BF16" : "F16" }));
    const out = path.join(dir, "half.gguf");
    await convertPeftLora({ adapterDir: writePeftAdapter(path.join(dir, "half"), { tensors }), basePath: modelPath(), out, type: "f16" });
    const file = await readGgufFile(out);
    expect(new Set(file.tensors.map((t) => t.type))).toEqual(new Set([1]));
    const a = await readGgufTensorData(out, file, "blk.1.attn_v.weight.lora_a");
    const halves = Array.from({ length: a.length / 2 }, (_, i) => f16BitsToF32(a.readUInt16LE(i * 2)));
    const bf16 = Array.from(tensors[6]?.values as Float32Array, (v) => {
      const bits = new Uint32Array(Float32Array.of(v).buffer)[0] as number;
      return new Float32Array(Uint32Array.of(bits & 0xffff0000).buffer)[0] as number;
    });
    // bfloat16 keeps 8 significant bits, float16 11: the values pass through unchanged.
    expect(halves).toEqual(bf16);
  });

  const refusals: { what: string; adapter: (dir: string) => string; message: string | RegExp }[] = [
    { what: "a folder without adapter_config.json", adapter: (dir) => (mkdirSync(dir), dir), message: /has no adapter_config\.json: it is not a PEFT adapter folder$/ },
    {
      what: "a pickled adapter_model.bin",
      adapter: (dir) => {
        mkdirSync(dir);
        writeFileSync(path.join(dir, "adapter_config.json"), JSON.stringify({ peft_type: "LORA", r: 4, lora_alpha: 8 }));
        writeFileSync(path.join(dir, "adapter_model.bin"), "pickle");
        return dir;
      },
      message: /holds adapter_model\.bin \(a PyTorch pickle\), not adapter_model\.safetensors: .*safe_serialization=True$/,
    },
    { what: "DoRA", adapter: (dir) => writePeftAdapter(dir, { config: { use_dora: true } }), message: /adapter_config\.json: use_dora is true: DoRA adapters have magnitude vectors llama\.cpp does not apply$/ },
    { what: "rank-stabilised LoRA", adapter: (dir) => writePeftAdapter(dir, { config: { use_rslora: true } }), message: /use_rslora is true: rank-stabilised LoRA scales by alpha\/√rank, llama\.cpp by alpha\/rank$/ },
    { what: "per-module alphas", adapter: (dir) => writePeftAdapter(dir, { config: { alpha_pattern: { q_proj: 32 } } }), message: /alpha_pattern gives some modules their own alpha \(q_proj\); a GGUF adapter has one$/ },
    { what: "whole saved layers", adapter: (dir) => writePeftAdapter(dir, { config: { modules_to_save: ["lm_head"] } }), message: /modules_to_save \(lm_head\) keeps whole trained layers/ },
    {
      what: "a B for a wider model",
      adapter: (dir) => writePeftAdapter(dir, { tensors: tinyPeftTensors().map((t) => (t.name === `${Q0}.lora_B.weight` ? { ...t, shape: [128, 4], values: randomValues(512, 1) } : t)) }),
      message: `${Q0} (lora_A [4, 64], lora_B [128, 4]) does not fit the base`,
    },
    {
      what: "a layer the base does not have",
      adapter: (dir) => writePeftAdapter(dir, { tensors: [...tinyPeftTensors(), ...tinyPeftTensors().slice(0, 2).map((t) => ({ ...t, name: t.name.replace("layers.0", "layers.5") }))] }),
      message: "base_model.model.model.layers.5.self_attn.q_proj (lora_A [4, 64], lora_B [64, 4]) does not fit the base",
    },
    {
      what: "an A without its B",
      adapter: (dir) => writePeftAdapter(dir, { tensors: tinyPeftTensors().filter((t) => t.name !== `${Q0}.lora_B.weight`) }),
      message: `${Q0} has no lora_B.weight (the file is incomplete)`,
    },
    {
      what: "A and B of different ranks",
      adapter: (dir) => writePeftAdapter(dir, { tensors: tinyPeftTensors().map((t) => (t.name === `${Q0}.lora_B.weight` ? { ...t, shape: [64, 2], values: randomValues(128, 1) } : t)) }),
      message: `${Q0}.weight's lora_A has rank 4, its lora_B 2`,
    },
    {
      what: "a module Llama has no tensor for",
      adapter: (dir) => writePeftAdapter(dir, { tensors: [...tinyPeftTensors(), { name: "base_model.model.model.layers.0.self_attn.rotary.lora_A.weight", dtype: "F32", shape: [4, 64], values: randomValues(256, 2) }] }),
      message: "tensor base_model.model.model.layers.0.self_attn.rotary.lora_A.weight changes model.layers.0.self_attn.rotary.weight, which a Llama model has no GGUF tensor for",
    },
    {
      what: "a LoRA on the embeddings",
      adapter: (dir) => writePeftAdapter(dir, { tensors: [...tinyPeftTensors(), { name: "base_model.model.model.embed_tokens.lora_embedding_A", dtype: "F32", shape: [4, 64], values: randomValues(256, 2) }] }),
      message: "tensor base_model.model.model.embed_tokens.lora_embedding_A is a LoRA on the token embeddings, which this converter does not write",
    },
  ];
  for (const refusal of refusals) {
    it(`refuses ${refusal.what}, naming the file and tensor, and writes nothing`, async () => {
      const dir = tempDir();
      const out = path.join(dir, "out.gguf");
      await expect(convertPeftLora({ adapterDir: refusal.adapter(path.join(dir, "ft")), basePath: modelPath(), out })).rejects.toThrow(refusal.message);
      expect(existsSync(out)).toBe(false);
    });
  }

  it("refuses a base that is not a Llama model, or is itself an adapter", async () => {
    const dir = tempDir();
    const adapter = writePeftAdapter(path.join(dir, "ft"));
    const qwen = path.join(dir, "qwen.gguf");
    await writeGgufFile(qwen, { metadata: [ggufKv.string("general.architecture", "qwen2")], tensors: [] });
    await expect(convertPeftLora({ adapterDir: adapter, basePath: qwen, out: path.join(dir, "a.gguf") })).rejects.toThrow(`the base ${qwen} is a "qwen2" model: only Llama adapters can be converted here`);
    const lora = await writeTestAdapter(path.join(dir, "lora.gguf"));
    await expect(convertPeftLora({ adapterDir: adapter, basePath: lora, out: path.join(dir, "b.gguf") })).rejects.toThrow(`the base ${lora} is itself an adapter`);
    const text = path.join(dir, "notes.gguf");
    writeFileSync(text, "notes");
    await expect(convertPeftLora({ adapterDir: adapter, basePath: text, out: path.join(dir, "c.gguf") })).rejects.toThrow(`the base ${text} is not a readable GGUF file`);
  });
});

describe("models import-lora", () => {
  it("converts, verifies and registers base + adapter; --json ends with the path written", async () => {
    const data = tempDir();
    const adapter = writePeftAdapter(path.join(tempDir(), "onco-ft"));
    const imported = await runCli(["--data", data, "--json", "models", "import-lora", adapter, "--base", modelPath(), "--type", "f16"]);
    expect(imported.code, imported.stderr).toBe(0);
    const last = JSON.parse(imported.stdout.trim().split("\n").at(-1) as string) as Record<string, unknown>;
    const written = path.join(data, "models", "onco-ft.lora-f16.gguf");
    expect(last).toMatchObject({
      type: "lora-imported",
      path: written,
      pairs: 4,
      alpha: 8,
      ranks: [4],
      model: { name: "onco-ft", path: modelPath(), adapter_path: written, verified: { backend: "cpu" }, lineage: { base: { name: "tiny" }, recipe: { source: "peft-lora", lora_alpha: 8 } } },
    });
    expect(getGgufKv(await readGgufFile(written), "adapter.lora.alpha")?.value).toBe(8);
    const listed = await runCli(["--data", data, "models", "list"]);
    expect(listed.stdout).toContain(`onco-ft\t`);
    expect(listed.stdout).toContain(` + ${written}`);

    // The same folder again would overwrite what is registered: refused.
    const again = await runCli(["--data", data, "models", "import-lora", adapter, "--base", "onco-ft"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("--base onco-ft: that model already has an adapter");
  }, EXTRACTION_TEST_TIMEOUT_MS);

  it("a misfit is refused with the tensor named (exit 2); nothing is written or registered", async () => {
    const data = tempDir();
    const adapter = writePeftAdapter(path.join(tempDir(), "wide"), { tensors: tinyPeftTensors().map((t) => (t.name === `${Q0}.lora_B.weight` ? { ...t, shape: [128, 4], values: randomValues(512, 1) } : t)) });
    const refused = await runCli(["--data", data, "models", "import-lora", adapter, "--base", modelPath()]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${Q0} (lora_A [4, 64], lora_B [128, 4]) does not fit the base ${modelPath()}: the adapter's blk.0.attn_q.weight is 64→128 (rank 4), the base's is 64→64`);
    expect(existsSync(path.join(data, "models", "wide.lora-f32.gguf"))).toBe(false);
    expect((await runCli(["--data", data, "--json", "models", "list"])).events).toEqual([{ type: "empty" }]);

    const unknown = await runCli(["--data", data, "models", "import-lora", adapter, "--base", "nothing-such"]);
    expect(unknown.stderr).toContain("--base nothing-such: no registered model of that name and no such file");
    const badType = await runCli(["--data", data, "models", "import-lora", adapter, "--base", modelPath(), "--type", "q4_0"]);
    expect(badType.stderr).toContain("--type q4_0: f32 (as llama.cpp's converter writes by default) or f16");
    expect(readFileSync(path.join(adapter, "adapter_config.json"), "utf8")).toContain('"lora_alpha": 8');
  });
});
