import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { llamaGgufName, llamaPermuteHeads, permuteRows } from "../../src-main/models/convert/llamaTensors.ts";
import { readSafetensors, readTensorF32, streamTensorF32, type SafetensorsTensor } from "../../src-main/models/convert/safetensors.ts";
import { writeSafetensors } from "../helpers/peftAdapter.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();

describe("safetensors reader", () => {
  it("reads each float dtype's values exactly, tensors in file order, and the metadata", async () => {
    const file = path.join(tempDir(), "t.safetensors");
    // Exact in bfloat16 and float16 alike.
    const values = Float32Array.from([1, -2, 0.5, 0.375, -0.0078125, 3, 4, 48]);
    writeSafetensors(file, [
      { name: "b", dtype: "F16", shape: [2, 4], values },
      { name: "a", dtype: "BF16", shape: [8], values },
      { name: "c", dtype: "F32", shape: [4, 2], values },
    ], { format: "pt", note: "x" });
    const read = await readSafetensors(file);
    expect(read.metadata).toEqual({ format: "pt", note: "x" });
    expect(read.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual([["b", "F16", [2, 4]], ["a", "BF16", [8]], ["c", "F32", [4, 2]]]);
    for (const tensor of read.tensors) expect(Array.from(await readTensorF32(read, tensor))).toEqual(Array.from(values));
    // Streamed in whole rows of 2 when asked for 3 elements at a time.
    const chunks: number[][] = [];
    for await (const chunk of streamTensorF32(read, read.tensors[2] as SafetensorsTensor, 3)) chunks.push(Array.from(chunk));
    expect(chunks).toEqual([[1, -2], [0.5, 0.375], [-0.0078125, 3], [4, 48]]);
  });

  it("names what is wrong with a damaged file", async () => {
    const dir = tempDir();
    const good = path.join(dir, "good.safetensors");
    writeSafetensors(good, [{ name: "w", dtype: "F32", shape: [2, 2], values: Float32Array.from([1, 2, 3, 4]) }]);
    const bytes = readFileSync(good);

    const cut = path.join(dir, "cut.safetensors");
    writeFileSync(cut, bytes.subarray(0, bytes.length - 4));
    await expect(readSafetensors(cut)).rejects.toThrow(`${cut}: tensor w ends at byte 16 of the data, which has 12 (the file is cut short)`);

    const text = path.join(dir, "notes.safetensors");
    writeFileSync(text, "These are notes, not weights.");
    await expect(readSafetensors(text)).rejects.toThrow(/^.*notes\.safetensors: not a safetensors file \(its first 8 bytes give a header of \d+ bytes in a file of 29\)$/);

    const missized = path.join(dir, "missized.safetensors");
    writeSafetensors(missized, [{ name: "w", dtype: "F32", shape: [2, 2], values: Float32Array.from([1, 2, 3, 4]) }]);
    const patched = readFileSync(missized).toString("latin1").replace('"shape":[2,2]', '"shape":[3,2]');
    writeFileSync(missized, Buffer.from(patched, "latin1"));
    await expect(readSafetensors(missized)).rejects.toThrow("tensor w (F32 [3, 2]) should take 24 bytes, its data_offsets give 16");

    const ints = path.join(dir, "ints.safetensors");
    writeFileSync(ints, Buffer.from(readFileSync(good).toString("latin1").replace('"dtype":"F32"', '"dtype":"I32"'), "latin1"));
    const read = await readSafetensors(ints);
    await expect(readTensorF32(read, read.tensors[0] as SafetensorsTensor)).rejects.toThrow(`${ints}: tensor w is I32, not a float tensor (F32, F16 or BF16)`);
  });
});

describe("Llama tensors as convert_hf_to_gguf.py names and orders them", () => {
  it("maps the checkpoint's names and leaves unknown ones unmapped", () => {
    expect(llamaGgufName("model.layers.12.self_attn.q_proj.weight")).toBe("blk.12.attn_q.weight");
    expect(llamaGgufName("model.layers.0.mlp.down_proj.weight")).toBe("blk.0.ffn_down.weight");
    expect(llamaGgufName("model.layers.3.post_attention_layernorm.weight")).toBe("blk.3.ffn_norm.weight");
    expect(llamaGgufName("model.embed_tokens.weight")).toBe("token_embd.weight");
    expect(llamaGgufName("lm_head.weight")).toBe("output.weight");
    expect(llamaGgufName("model.layers.0.self_attn.rotary_emb.inv_freq")).toBeNull();
    expect(llamaGgufName("model.layers.0.vision.q_proj.weight")).toBeNull();
    expect(llamaPermuteHeads("model.layers.0.self_attn.q_proj.weight", { count: 32, countKv: 8 })).toBe(32);
    expect(llamaPermuteHeads("model.layers.0.self_attn.k_proj.weight", { count: 32, countKv: 8 })).toBe(8);
    expect(llamaPermuteHeads("model.layers.0.self_attn.v_proj.weight", { count: 32, countKv: 8 })).toBeNull();
  });

  it("interleaves the two rotary halves of each head's rows", () => {
    // 2 heads of 4 rows, 2 columns; row r holds [r, 10 + r].
    const rows = Float32Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? i / 2 : 10 + (i - 1) / 2));
    const permuted = permuteRows(rows, 8, 2, 2);
    const order = Array.from({ length: 8 }, (_, r) => permuted[r * 2]);
    expect(order).toEqual([0, 2, 1, 3, 4, 6, 5, 7]);
    expect(Array.from({ length: 8 }, (_, r) => permuted[r * 2 + 1])).toEqual([10, 12, 11, 13, 14, 16, 15, 17]);
    expect(() => permuteRows(rows, 8, 2, 3)).toThrow("cannot split 8 rows over 3 heads of an even size");
  });
});
