import { createHash } from "node:crypto";
import { mkdtemp, readFile, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { getLlama, LlamaChatSession } from "node-llama-cpp";
import type { Llama, LlamaContext, LlamaModel } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  GgmlType,
  GgufType,
  encodeGgufHeader,
  f16BitsToF32,
  getGgufKv,
  ggmlTensorBytes,
  parseGguf,
  readGgufFile,
  readGgufTensorData,
} from "../../src-main/models/gguf/gguf.ts";
import type { GgufFile } from "../../src-main/models/gguf/gguf.ts";
import { llamaBpeVocabPath, makeTestModel, testModelSpec } from "../../src-main/testmodel/testModel.ts";
import { ensureTestModel } from "../helpers/testModel.ts";

const N_VOCAB = 128256;

function value(file: GgufFile, key: string): unknown {
  return getGgufKv(file, key)?.value;
}

function shapes(file: GgufFile): Map<string, readonly number[]> {
  return new Map(file.tensors.map((t) => [t.name, t.dims]));
}

describe("tiny test model file", () => {
  let path: string;
  let file: GgufFile;
  let scratch: string;

  beforeAll(async () => {
    path = await ensureTestModel();
    file = await readGgufFile(path);
    scratch = await mkdtemp(join(tmpdir(), "oncotimeline-test-model-"));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it("is a GGUF v3 llama model with the keys llama.cpp needs", () => {
    expect(file.version).toBe(3);
    expect(file.alignment).toBe(32);
    expect(value(file, "general.architecture")).toBe("llama");
    expect(value(file, "llama.embedding_length")).toBe(64);
    expect(value(file, "llama.block_count")).toBe(2);
    expect(value(file, "llama.feed_forward_length")).toBe(128);
    expect(value(file, "llama.attention.head_count")).toBe(4);
    expect(value(file, "llama.attention.head_count_kv")).toBe(2);
    expect(value(file, "llama.context_length")).toBeGreaterThanOrEqual(8192);
    expect(value(file, "llama.attention.layer_norm_rms_epsilon")).toBeCloseTo(1e-5, 9);
    expect(getGgufKv(file, "llama.context_length")?.type).toBe(GgufType.UINT32);
  });

  it("has tensors in ggml dimension order, aligned, output tied to token_embd", async () => {
    const s = shapes(file);
    expect(s.get("token_embd.weight")).toEqual([64, N_VOCAB]);
    expect(s.get("output_norm.weight")).toEqual([64]);
    expect(s.has("output.weight")).toBe(false);
    for (const b of [0, 1]) {
      expect(s.get(`blk.${b}.attn_q.weight`)).toEqual([64, 64]);
      expect(s.get(`blk.${b}.attn_k.weight`)).toEqual([64, 32]);
      expect(s.get(`blk.${b}.attn_v.weight`)).toEqual([64, 32]);
      expect(s.get(`blk.${b}.attn_output.weight`)).toEqual([64, 64]);
      expect(s.get(`blk.${b}.ffn_gate.weight`)).toEqual([64, 128]);
      expect(s.get(`blk.${b}.ffn_up.weight`)).toEqual([64, 128]);
      expect(s.get(`blk.${b}.ffn_down.weight`)).toEqual([128, 64]);
    }
    expect(file.dataOffset % 32).toBe(0);
    for (const t of file.tensors) expect(t.offset % 32).toBe(0);
    const last = file.tensors.reduce((a, t) => (t.offset > a.offset ? t : a));
    const end = file.dataOffset + last.offset + ggmlTensorBytes(last.type, last.dims);
    expect((await stat(path)).size).toBe(Math.ceil(end / 32) * 32);

    const norm = await readGgufTensorData(path, file, "output_norm.weight");
    const values = new Float32Array(norm.buffer, norm.byteOffset, norm.byteLength / 4);
    expect([...values].every((v) => Math.abs(v - 0.1) < 1e-7)).toBe(true);
  });

  it("carries the source vocabulary's tokenizer keys byte for byte", async () => {
    const vocab = await readGgufFile(await llamaBpeVocabPath());
    const source = vocab.metadata.filter((kv) => kv.key.startsWith("tokenizer."));
    const copied = file.metadata.filter((kv) => kv.key.startsWith("tokenizer."));
    expect(copied.map((kv) => kv.key)).toEqual(source.map((kv) => kv.key));
    for (const [i, kv] of copied.entries()) {
      const src = source[i];
      expect(kv.type).toBe(src?.type);
      expect(Buffer.compare(Buffer.from(kv.raw ?? []), Buffer.from(src?.raw ?? []))).toBe(0);
    }
    expect(value(file, "tokenizer.ggml.model")).toBe("gpt2");
    expect(value(file, "tokenizer.ggml.pre")).toBe("llama-bpe");
  });

  it("is deterministic for a seed", async () => {
    const again = await makeTestModel({ out: join(scratch, "again.gguf") });
    const sha = async (p: string) => createHash("sha256").update(await readFile(p)).digest("hex");
    expect(again.bytes).toBe((await stat(path)).size);
    expect(await sha(again.path)).toBe(await sha(path));
  });

  it("leaves nothing at the output path when a build fails midway", async () => {
    const out = join(scratch, "broken.gguf");
    const run = makeTestModel({
      out,
      size: "8b",
      blockCount: 1,
      onProgress: () => {
        throw new Error("stop here");
      },
    });
    await expect(run).rejects.toThrow("stop here");
    expect((await readdir(scratch)).filter((f) => f.startsWith("broken"))).toEqual([]);
  });
});

describe("8b test model header", () => {
  it("has Llama-3.1-8B dimensions and F16 weights", async () => {
    const spec = await testModelSpec({ size: "8b" });
    const { header, dataBytes } = encodeGgufHeader(spec.metadata, spec.tensors);
    const file = parseGguf(header);
    expect(value(file, "llama.embedding_length")).toBe(4096);
    expect(value(file, "llama.block_count")).toBe(32);
    expect(value(file, "llama.feed_forward_length")).toBe(14336);
    expect(value(file, "llama.attention.head_count")).toBe(32);
    expect(value(file, "llama.attention.head_count_kv")).toBe(8);
    expect(value(file, "llama.context_length")).toBe(131072);
    expect(file.tensors).toHaveLength(3 + 32 * 9);
    const s = shapes(file);
    expect(s.get("token_embd.weight")).toEqual([4096, N_VOCAB]);
    expect(s.get("blk.31.attn_k.weight")).toEqual([4096, 1024]);
    expect(s.get("blk.31.ffn_down.weight")).toEqual([14336, 4096]);
    expect(file.tensors.find((t) => t.name === "blk.0.ffn_up.weight")?.type).toBe(GgmlType.F16);
    expect(file.tensors.find((t) => t.name === "blk.0.ffn_norm.weight")?.type).toBe(GgmlType.F32);
    // 8.03 B parameters less the 0.53 B of the tied output projection, two bytes each.
    expect(dataBytes / 1e9).toBeCloseTo(15.01, 1);
  });
});

describe("block-quantised test models (the size class of the production Q4_K_M file)", () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), "oncotimeline-quant-model-"));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it("sizes Q4_0 and Q8_0 tensors as ggml does and refuses rows that split a block", () => {
    expect(ggmlTensorBytes(GgmlType.Q4_0, [4096, 14336])).toBe((4096 * 14336 * 18) / 32);
    expect(ggmlTensorBytes(GgmlType.Q8_0, [64, 128])).toBe((64 * 128 * 34) / 32);
    expect(() => ggmlTensorBytes(GgmlType.Q4_0, [48, 2])).toThrow(/multiple of 32/);
  });

  it("writes an 8b q4_0 header of Q4_0 weights, F32 norms and the production file's size class", async () => {
    const spec = await testModelSpec({ size: "8b", quant: "q4_0" });
    const { header, dataBytes } = encodeGgufHeader(spec.metadata, spec.tensors);
    const file = parseGguf(header);
    expect(value(file, "general.file_type")).toBe(2); // LLAMA_FTYPE_MOSTLY_Q4_0
    expect(file.tensors.find((t) => t.name === "blk.7.ffn_down.weight")?.type).toBe(GgmlType.Q4_0);
    expect(file.tensors.find((t) => t.name === "token_embd.weight")?.type).toBe(GgmlType.Q4_0);
    expect(file.tensors.find((t) => t.name === "blk.7.attn_norm.weight")?.type).toBe(GgmlType.F32);
    // 7.5 B untied weights at 4.5 bits: 4.2 GB, against 4.9 GB for Llama-3.1-8B Q4_K_M.
    expect(dataBytes / 1e9).toBeCloseTo(4.23, 1);
  });

  for (const quant of ["q4_0", "q8_0"] as const) {
    it(`node-llama-cpp loads a tiny ${quant} model and generates from it`, async () => {
      const out = join(scratch, `tiny-${quant}.gguf`);
      const made = await makeTestModel({ out, quant, vocabPath: await llamaBpeVocabPath() });
      const file = await readGgufFile(out);
      expect(file.tensors.find((t) => t.name === "blk.0.attn_q.weight")?.type).toBe(quant === "q4_0" ? GgmlType.Q4_0 : GgmlType.Q8_0);
      expect(made.bytes).toBe((await stat(out)).size);
      // Every block's scale is the same finite F16 (±scale/8 for Q4_0, /127 for Q8_0), never NaN.
      const q = await readGgufTensorData(out, file, "blk.0.ffn_up.weight");
      const blockBytes = quant === "q4_0" ? 18 : 34;
      const scales = new Set(Array.from({ length: q.length / blockBytes }, (_, i) => q.readUInt16LE(i * blockBytes)));
      expect(scales.size).toBe(1);
      expect(Number.isFinite(f16BitsToF32([...scales][0] as number))).toBe(true);

      const llama = await getLlama({ gpu: false, build: "never" });
      const model = await llama.loadModel({ modelPath: out });
      const context = await model.createContext({ threads: 1, contextSize: 512 });
      try {
        const session = new LlamaChatSession({ contextSequence: context.getSequence() });
        const meta = await session.promptWithMeta("Stage IIB breast cancer, ER positive.", { maxTokens: 6, temperature: 0.8, seed: 3 });
        expect(meta.stopReason).toBe("maxTokens");
        expect(meta.responseText.length).toBeGreaterThan(0);
      } finally {
        await context.dispose();
        await model.dispose();
      }
    });
  }
});

// Bounded everywhere: the grammar ignores `required`, and unbounded strings never end on a random model.
const schema = {
  type: "object",
  properties: {
    diagnosis: { type: "string", maxLength: 40 },
    stage: { oneOf: [{ type: "integer" }, { type: "null" }] },
    events: {
      type: "array",
      maxItems: 3,
      items: {
        type: "object",
        properties: {
          date: { type: "string", maxLength: 10 },
          kind: { enum: ["surgery", "chemotherapy", "radiotherapy"] },
        },
      },
    },
  },
} as const;

/** The grammar bounds characters (code points), not UTF-16 units. */
function chars(s: unknown): number {
  return typeof s === "string" ? [...s].length : Number.NaN;
}

describe("node-llama-cpp runs the tiny test model", () => {
  let llama: Llama;
  let model: LlamaModel;
  let context: LlamaContext;

  beforeAll(async () => {
    const path = await ensureTestModel();
    llama = await getLlama({ gpu: false, build: "never" });
    model = await llama.loadModel({ modelPath: path });
    context = await model.createContext({ threads: 1, contextSize: 2048 });
  });
  afterAll(async () => {
    await context?.dispose();
    await model?.dispose();
    await llama?.dispose();
  });

  it("generates JSON that parses and has the schema's shape", async () => {
    const grammar = await llama.createGrammarForJsonSchema(schema);
    const session = new LlamaChatSession({
      contextSequence: context.getSequence(),
      systemPrompt: "Extract the cancer timeline from the letter as JSON.",
    });
    // As with the production model, whose chat template resolves to a Llama 3 wrapper.
    expect(session.chatWrapper.wrapperName).toMatch(/^Llama 3/);
    for (const seed of [1, 2]) {
      session.resetChatHistory();
      const text = await session.prompt(
        "Dear colleague, Mrs A has breast cancer, diagnosed 03/2021. Mastectomy 04/2021, then chemotherapy.",
        // Far above the grammar's longest document, so the cap never cuts the JSON short.
        { grammar, maxTokens: 1500, temperature: 0.8, seed },
      );
      const doc = JSON.parse(text) as Record<string, unknown>;
      expect(Object.keys(doc).sort()).toEqual(["diagnosis", "events", "stage"]);
      expect(chars(doc.diagnosis)).toBeLessThanOrEqual(40);
      // Only a JSON number: the "integer" grammar allows any exponent (1e-5, 12E5195127297297292,
      // which JSON.parse turns into Infinity), so ranges are checked after parsing.
      expect(doc.stage === null || typeof doc.stage === "number").toBe(true);
      expect(Array.isArray(doc.events)).toBe(true);
      const events = doc.events as Record<string, unknown>[];
      expect(events.length).toBeLessThanOrEqual(3);
      for (const e of events) {
        expect(Object.keys(e).sort()).toEqual(["date", "kind"]);
        expect(chars(e.date)).toBeLessThanOrEqual(10);
        expect(["surgery", "chemotherapy", "radiotherapy"]).toContain(e.kind);
      }
    }
  });
});
