// What the converter cross-checks compare: a GGUF of ours against llama.cpp's, tensor by tensor,
// and the greedy tokens node-llama-cpp gives with each (CPU, one thread).
import { getLlama } from "node-llama-cpp";
import { expect } from "vitest";
import { readGgufFile, readGgufTensorData, type GgufFile } from "../../src-main/models/gguf/gguf.ts";

/** Greedy tokens for `prompt` with the adapter applied (or none). */
export async function greedyTokens(modelPath: string, prompt: string, count: number, adapterPath: string | null = null): Promise<number[]> {
  const llama = await getLlama({ gpu: false, build: "never" });
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ threads: 1, contextSize: 256, ...(adapterPath === null ? {} : { lora: { adapters: [{ filePath: adapterPath }] } }) });
  try {
    const tokens: number[] = [];
    for await (const token of context.getSequence().evaluate(model.tokenize(prompt), { temperature: 0 })) {
      tokens.push(token);
      if (tokens.length >= count) break;
    }
    return tokens;
  } finally {
    await context.dispose();
    await model.dispose();
  }
}

/** The same tensors in the same order (names, shapes, types), byte for byte; both files' headers for the metadata checks. */
export async function expectSameTensors(ours: string, theirs: string): Promise<[GgufFile, GgufFile]> {
  const [a, b] = await Promise.all([readGgufFile(ours), readGgufFile(theirs)]);
  expect(a.tensors.map((t) => [t.name, t.dims, t.type])).toEqual(b.tensors.map((t) => [t.name, t.dims, t.type]));
  for (const tensor of a.tensors) {
    const [mine, reference] = await Promise.all([readGgufTensorData(ours, a, tensor.name), readGgufTensorData(theirs, b, tensor.name)]);
    expect(mine.equals(reference), `${tensor.name} differs from llama.cpp's`).toBe(true);
  }
  return [a, b];
}
