import { describe, expect, it } from "vitest";
import { forkWorker, LlamaEngine } from "../../src-main/extract/llama/llamaEngine.ts";
import type { WorkerSpawner } from "../../src-main/extract/llama/protocol.ts";
import { loadExtractionPrompt } from "../../src-main/extract/prompt.ts";
import { EXTRACTION_TEST_TIMEOUT_MS } from "../helpers/cli.ts";
import { useTestModel } from "../helpers/testModel.ts";

const prompt = loadExtractionPrompt();
const modelPath = useTestModel();
const LETTER = "Dear colleague, Mrs Jones (born 1961) had a left mastectomy on 3 March 2024 for a grade 2 ductal carcinoma, ER positive. She starts letrozole in April 2024.";
const RANDOM_MODEL = { threads: 1, temperature: 0.8, seed: 7 } as const;

/** The engine's output is forced by the grammar, so it always parses (content is noise). */
async function extractsOne(engine: LlamaEngine): Promise<void> {
  const completion = await engine.complete(LETTER);
  expect(() => JSON.parse(completion.text) as unknown).not.toThrow();
  expect(completion.outputTokens).toBeGreaterThan(0);
}

describe("the engine backs off when memory runs short", () => {
  it("4 sequences of 1M tokens under a 512 MiB RAM cap: it halves sequences, then context, reports each step, and still extracts", async () => {
    // node-llama-cpp refuses a context that its estimate says will not fit the memory it may use
    // (InsufficientMemoryError); the cap makes that happen on any machine without allocating
    // gigabytes first, and the worker's real retry path handles it.
    const contextSize = 2 ** 20;
    const engine = new LlamaEngine({ modelPath: modelPath(), systemPrompt: prompt.text, gpu: false, parallel: 4, contexts: 1, contextSize, ramCap: 512 * 2 ** 20, ...RANDOM_MODEL });
    try {
      await engine.start();
      const tooLarge = (size: number, sequences: number) => `(A context size of ${size}${sequences > 1 ? ` with ${sequences} sequences` : ""} is too large for the available RAM)`;
      expect(engine.reductions).toEqual([
        `sequences 4 → 2 ${tooLarge(2 ** 20, 4)}`,
        `sequences 2 → 1 ${tooLarge(2 ** 20, 2)}`,
        `context 1048576 → 524288 tokens per sequence ${tooLarge(2 ** 20, 1)}`,
        `context 524288 → 262144 tokens per sequence ${tooLarge(2 ** 19, 1)}`,
      ]);
      // capacity follows the slots actually loaded, so the queue keeps only that many in flight.
      expect(engine.capacity).toBe(1);
      expect(engine.description).toMatch(/^llama\.cpp \(cpu, 1 in parallel over 1 context; reduced to fit memory: sequences 4 → 2 \(/);
      // The letter budget follows the context actually loaded, not the one asked for.
      const { budget } = await engine.measure(LETTER);
      expect(budget).toBeLessThan(2 ** 18);
      expect(budget).toBeGreaterThan(2 ** 18 - 6000);
      await extractsOne(engine);
    } finally {
      await engine.close();
    }
  }, EXTRACTION_TEST_TIMEOUT_MS);

  it("when even the smallest shape does not fit, loading fails with node-llama-cpp's reason, at the smallest context a letter needs", async () => {
    const engine = new LlamaEngine({ modelPath: modelPath(), systemPrompt: prompt.text, gpu: false, contextSize: 8192, ramCap: 1024, ...RANDOM_MODEL });
    try {
      const failure = engine.start();
      await expect(failure).rejects.toMatchObject({ kind: "load-failed", message: expect.stringMatching(/^could not load .*: A context size of \d+ is too large for the available RAM/) });
      // The last try was system prompt + output budget (4096) + 512 tokens, not less.
      const size = Number(/A context size of (\d+)/.exec(((await failure.catch((error: unknown) => error)) as Error).message)?.[1]);
      expect(size).toBeGreaterThan(4096 + 512);
      expect(size).toBeLessThan(8192);
    } finally {
      await engine.close();
    }
  }, EXTRACTION_TEST_TIMEOUT_MS);

  it("a shape that fits is loaded as asked, with nothing reported", async () => {
    const engine = new LlamaEngine({ modelPath: modelPath(), systemPrompt: prompt.text, gpu: false, parallel: 2, contexts: 1, contextSize: 8192, ...RANDOM_MODEL });
    try {
      await engine.start();
      expect(engine.reductions).toEqual([]);
      expect(engine.capacity).toBe(2);
      expect(engine.description).toBe("llama.cpp (cpu, 2 in parallel over 1 context)");
    } finally {
      await engine.close();
    }
  }, EXTRACTION_TEST_TIMEOUT_MS);
});

describe("gpu: auto without a GPU", () => {
  it("runs on the CPU (this machine has none), through the spawner it was given", async () => {
    const spawned: number[] = [];
    const spawnWorker: WorkerSpawner = (workerPath) => {
      const handle = forkWorker(workerPath);
      spawned.push(handle.pid ?? -1);
      return handle;
    };
    const engine = new LlamaEngine({ modelPath: modelPath(), systemPrompt: prompt.text, gpu: "auto", contextSize: 8192, spawnWorker, ...RANDOM_MODEL });
    try {
      await engine.start();
      expect(engine.backendName).toBe("cpu");
      expect(engine.description).toBe("llama.cpp (cpu, 1 in parallel over 1 context)");
      expect(spawned).toEqual([engine.childPid]);
      await extractsOne(engine);
    } finally {
      await engine.close();
    }
  }, EXTRACTION_TEST_TIMEOUT_MS);
});
