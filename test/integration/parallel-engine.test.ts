import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { EngineError } from "../../src-main/extract/engine.ts";
import { LlamaEngine, type LlamaEngineOptions } from "../../src-main/extract/llama/llamaEngine.ts";
import { parseModelOutput } from "../../src-main/extract/output.ts";
import { loadExtractionPrompt } from "../../src-main/extract/prompt.ts";
import { EXTRACTION_TEST_TIMEOUT_MS, REPO_ROOT } from "../helpers/cli.ts";
import { useTestModel } from "../helpers/testModel.ts";

const modelPath = useTestModel();
const prompt = loadExtractionPrompt();

/** The demo letter at `index` in file-name order. */
function demoLetter(index: number): string {
  const dir = path.join(REPO_ROOT, "resources", "demo", "letters");
  return readFileSync(path.join(dir, readdirSync(dir).sort()[index] as string), "utf8");
}

/** The tiny model on the CPU, one thread per context, seeded sampling; `options` add to that. */
function cpuEngine(options: Partial<LlamaEngineOptions> = {}): LlamaEngine {
  return new LlamaEngine({ modelPath: modelPath(), systemPrompt: prompt.text, gpu: false, threads: 1, temperature: 0.8, seed: 7, ...options });
}

/** A random model rarely closes the JSON within a small cap: a cut-off letter is still a completion here. */
function completeOrPartial(engine: LlamaEngine, text: string) {
  return engine.complete(text).catch((error: EngineError) => error.partial ?? Promise.reject(error));
}

describe("parallel engine", () => {
  it("runs two letters at once; every sequence reads the system prompt once, at start, so each letter is only its own tokens", async () => {
    const text = demoLetter(0);
    // The same letter behind a different first line: equal work, and no reuse of a letter's own tokens.
    const letters = [1, 2, 3, 4].map((i) => `Clinic letter ${i}.\n${text}`);
    const engine = cpuEngine({ parallel: 2 });
    try {
      await engine.start();
      expect(engine.capacity).toBe(2);
      expect(engine.description).toBe("llama.cpp (cpu, 2 in parallel over 2 contexts)");
      expect(engine.loadTimes?.preloadMs).toBeGreaterThan(0);
      let inFlight = 0;
      let mostInFlight = 0;
      const tokens: number[] = [];
      const run = async (letter: string, index: number) => {
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        const completion = await engine.complete(letter);
        inFlight--;
        expect(parseModelOutput(completion.text).ok).toBe(true);
        tokens[index] = completion.inputTokens ?? 0;
      };
      await Promise.all([run(letters[0] as string, 0), run(letters[1] as string, 1)]);
      await Promise.all([run(letters[2] as string, 2), run(letters[3] as string, 3)]);
      expect(mostInFlight).toBe(2);
      // The system prompt is ~1,000 tokens: no letter, the first in its slot included, pays for it;
      // each pays its own tokens and the chat template's few around them.
      const { tokens: letterTokens } = await engine.measure(letters[0] as string);
      for (const input of tokens) {
        expect(input).toBeGreaterThan(letterTokens - 10);
        expect(input).toBeLessThan(letterTokens + 50);
      }
      // Counting decodes wraps node-llama-cpp's native context: only when asked (benchmarks, tests).
      expect(engine.decodeStats).toBeNull();
    } finally {
      await engine.close();
    }
  }, EXTRACTION_TEST_TIMEOUT_MS);

  it("keeps two sequences of one context in lockstep (one decode carries both) and says where the time went", async () => {
    const text = demoLetter(1);
    const engine = cpuEngine({
      parallel: 2,
      contexts: 1,
      // A long cap: the test is that the sequences meet, not how fast; they meet in milliseconds.
      batchGatherMs: 1000,
      maxTokens: 48,
      decodeStats: true,
    });
    try {
      await engine.start();
      expect(engine.description).toBe("llama.cpp (cpu, 2 in parallel over 1 context)");
      // llama.cpp's own account of the setup: "auto" flash attention resolved (the CPU build has it),
      // and the compute graph in one piece.
      expect(engine.setup).toEqual(expect.arrayContaining(["n_seq_max = 2", "flash_attn = auto", "Flash Attention enabled"]));
      expect(engine.setup.join("\n")).toMatch(/splits = 1\b/);
      expect(engine.decodeStats).toBeNull();
      const done = await Promise.all([1, 2].map((i) => completeOrPartial(engine, `Clinic letter ${i}.\n${text}`)));
      const stats = engine.decodeStats;
      expect(stats).not.toBeNull();
      const input = done.reduce((sum, c) => sum + (c.inputTokens ?? 0), 0);
      const output = done.reduce((sum, c) => sum + (c.outputTokens ?? 0), 0);
      // Every token node-llama-cpp metered went through a counted decode, and each output token was sampled.
      expect(stats?.tokens).toBe(input + output);
      expect(stats?.samples).toBeGreaterThanOrEqual(output);
      expect(stats?.decodes).toBeGreaterThan(0);
      expect(stats?.decodeMs).toBeGreaterThan(0);
      // Generation steps carry a token per sequence; every prompt token went through the other
      // decodes, which therefore carry at least the two letters' input.
      const steps = { decodes: stats?.stepDecodes ?? 0, tokens: stats?.stepTokens ?? 0 };
      expect(steps.decodes).toBeGreaterThan(0);
      expect(steps.tokens).toBeLessThanOrEqual(2 * steps.decodes);
      expect(steps.tokens).toBeLessThanOrEqual(output);
      expect((stats?.tokens ?? 0) - steps.tokens).toBeGreaterThanOrEqual(input);
      expect(stats?.stepMs).toBeLessThan(stats?.decodeMs ?? 0);
      // The main thread's busy time is part of the same wall time (it is idle while llama.cpp decodes).
      expect(stats?.mainThreadMs).toBeGreaterThan(0);
      expect(stats?.mainThreadMs).toBeLessThan(stats?.wallMs ?? 0);
      // Asked of the child, the statistics as they stand now: the same work, counted to the end.
      const current = await engine.currentDecodeStats();
      expect(current?.samples).toBe(stats?.samples);
      expect(current?.wallMs).toBeGreaterThanOrEqual(stats?.wallMs ?? 0);
      // Grammar sampling is slow and uneven, so without lockstep these two took turns: 1.0
      // samplings per decode (measured). In step, most decodes carry both; prompt decodes carry one.
      expect((stats?.samples ?? 0) / (stats?.decodes ?? 1)).toBeGreaterThanOrEqual(1.4);
    } finally {
      await engine.close();
    }
  }, EXTRACTION_TEST_TIMEOUT_MS);

  it("decodes each generation step of four sequences in lockstep in one micro-batch (one pass over the weights)", async () => {
    const text = demoLetter(1);
    // 48 tokens never close the grammar's JSON on random weights: the four generate to the end together.
    const engine = cpuEngine({ parallel: 4, contexts: 1, batchGatherMs: 1000, maxTokens: 48, decodeStats: true });
    try {
      await Promise.all([1, 2, 3, 4].map((i) => completeOrPartial(engine, `Clinic letter ${i}.\n${text}`)));
      const stats = engine.decodeStats;
      expect(stats?.fullSteps).toBeGreaterThanOrEqual(40);
      // In the order their samplings finished, as node-llama-cpp queued them, the same steps took
      // 2.33 micro-batches each (measured); in sequence-id order, one.
      expect(stats?.fullStepMicroBatches).toBe(stats?.fullSteps);
      // A letter starting a step early or ending a step late can leave a gap in the ids: a pass
      // more, at most once at each end of each of the four letters (a loaded machine staggers them).
      expect(stats?.stepMicroBatches).toBeLessThanOrEqual((stats?.stepDecodes ?? 0) + 2 * 4);
    } finally {
      await engine.close();
    }
  }, EXTRACTION_TEST_TIMEOUT_MS);

  it("reads a letter in decode calls of at most batchSize tokens, with flash attention off when asked", async () => {
    const engine = cpuEngine({ batchSize: 64, maxTokens: 4, flashAttention: false, decodeStats: true });
    try {
      const done = await completeOrPartial(engine, demoLetter(2));
      expect(engine.setup).toEqual(expect.arrayContaining(["n_ubatch = 64", "flash_attn = disabled"]));
      expect(engine.setup.join("\n")).not.toMatch(/Flash Attention enabled/);
      const stats = engine.decodeStats;
      const input = done.inputTokens ?? 0;
      expect(input).toBeGreaterThan(500);
      // node-llama-cpp's default batch (512) would read it in a few calls; 64 tokens a call take many more.
      expect(stats?.decodes).toBeGreaterThanOrEqual(Math.ceil(input / 64));
      expect(stats?.tokens).toBe(input + (done.outputTokens ?? 0));
    } finally {
      await engine.close();
    }
  }, EXTRACTION_TEST_TIMEOUT_MS);

  it("reads the decode statistics of a letter still in flight", async () => {
    const engine = cpuEngine({ grammar: false, maxTokens: 400, decodeStats: true });
    try {
      await engine.start();
      let finished = false;
      const letter = completeOrPartial(engine, demoLetter(3)).finally(() => (finished = true));
      let seenInFlight = 0;
      while (!finished) {
        const stats = await engine.currentDecodeStats();
        if (!finished && (stats?.samples ?? 0) > 0) seenInFlight = Math.max(seenInFlight, stats?.samples ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const done = await letter;
      // Tokens were counted as they came, before the letter's own reply carried them.
      expect(seenInFlight).toBeGreaterThan(0);
      expect(seenInFlight).toBeLessThan(done.outputTokens ?? 0);
    } finally {
      await engine.close();
    }
  }, EXTRACTION_TEST_TIMEOUT_MS);
});
