/**
 * npm run bench:gpu — for a GPU machine. Throughput of the local engine on a Llama-3.1-8B-sized
 * model (random weights: `oncotimeline test-model --size 8b --quant q4_0`, 4.2 GB, the size class
 * of the production Q4_K_M file, written on first use) in several engine shapes — C contexts × S
 * sequences each, written CxS: `1x16` batches 16 letters in one context, `16x1` runs 16 contexts
 * side by side; `1x16@off` without lockstep, `1x16@50` holding tokens up to 50 ms, `1x64/2048`
 * with 2048-token decode batches — grammar on and off. Every sequence reads the system prompt
 * once, at load (timed apart: "system prompt N s"), so prefilled (input) tokens per letter are
 * the letter's own. Output tokens per second are over all letters.
 *
 * Measured on an H200 (2026-12-04, q4_0, 512 output tokens, temperature 0.8, ggml's CUDA library
 * built on the device without flash attention): one sequence 140 tokens/s, 16.4 letters/min; 16
 * sequences in one context, in lockstep, 165 tokens/s, 19.4 letters/min (14.7 samplings per
 * decode: the sequences do share decodes, but a decode of 16 tokens took 80 ms against 6 ms for
 * one); 64 sequences finished no letter within 70 s. llama.cpp's own llama-server, same build
 * and model, did no better (-np 16: 150 tokens/s at 128 output tokens, where ours gave 132), so the limit is
 * llama.cpp's CUDA decoding as built there (first suspect: attention without flash attention over
 * ≈3k-token contexts), not the engine's scheduling: see the README's GPU figures.
 *
 * Random weights are the grammar's worst case (nearly every sampled token is rejected and
 * re-checked against the 128k vocabulary), so "grammar on" is reported beside "grammar off",
 * which measures the GPU's decoding alone. Each configuration stops taking letters after
 * --max-seconds, so the whole run fits a short GPU session; rates are over the letters done. A
 * configuration still busy at --hard-seconds is stopped and reported as cut, with the letters it
 * finished. An untimed warm-up load first compiles the GPU kernels (a prebuilt binary may carry
 * PTX that the driver compiles on first use), so that cost does not fall on the first timed
 * configuration.
 *
 * Optional --llama-server BIN: the same letters through llama.cpp's own server (built from
 * node-llama-cpp's bundled sources, as gpu-device.sh does with BUILD_LLAMA_SERVER=1) with -np N,
 * driven by our OpenAI-compatible engine, grammar on (JSON schema) or off. Optional
 * --batched-bench BIN: llama.cpp's llama-batched-bench on the same model (letter-sized prompts,
 * 128 generated tokens, at 1 and each shape's sequence count): what this build's decoding alone
 * can do, as ms per generation step and a letters/min ceiling, held against the engine's best.
 *
 * Options: --model FILE (default .cache/test-model/8b-<quant>.gguf), --quant q4_0|q8_0|f16,
 * --vocab FILE (a tokenizer GGUF, where git or node-llama-cpp's llama.cpp bundle is missing),
 * --letters N (200), --shapes 1x1,1x16,1x64,16x1,8x8 (the first is the serial baseline),
 * --grammar-shapes (default: --shapes), --grammar on,off, --max-tokens N (512), --max-seconds S
 * (150), --hard-seconds S (max + 120), --temperature T for grammar off (default 0.8, as in the
 * H200 figures; 0 is greedy, the product's default and the cheapest sampler, but a random model
 * may then stop at once on an end token; grammar on always samples at 0.8, as greedy decoding
 * on random weights never closes the JSON),
 * --gather-ms 20 (lockstep's hold for shapes without their own @; a list runs each such shape
 * once per value; off is node-llama-cpp's own dispatch), --warmup on|off, --gpu auto|off,
 * --llama-server BIN, --server-np LIST (default: each shape's C×S above 1; off: none), --server-grammar
 * LIST (default: --grammar), --server-log FILE (llama-server's and batched-bench's output,
 * appended), --flash-attention auto|on|off (a list runs each engine shape and batched-bench once
 * per value; auto: where the build supports it), --batched-bench BIN, --local off (skip the
 * engine's shapes: llama.cpp's programs alone), --sequence-order on|off (a list runs each shape of
 * several sequences once per value; off: node-llama-cpp's own queue order, to measure what ordering saves).
 * Before each shape: llama.cpp's own word on flash attention and compute-graph splits (more than
 * a couple: some operation runs on the CPU). After each: decode calls, tokens sampled per decode
 * (≈ the sequences that really share a decode), ms per decode and per sampling, generation steps
 * (decodes of one token per sequence, no letter read alongside) apart from decodes reading
 * letters, llama.cpp's micro-batches (passes over the weights) per generation step and per decode reading letters, and the share of the time spent decoding and on the main thread (JavaScript) — where
 * the time goes.
 * Last line: `parallel/serial letters-per-minute (grammar off, best): X.XX`.
 */
import { spawn } from "node:child_process";
import { existsSync, openSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { flashAttentionName, flashAttentionSetting, LlamaEngine } from "../../src-main/extract/llama/llamaEngine.ts";
import { OpenAiCompatibleEngine } from "../../src-main/extract/openai/openAiEngine.ts";
import { parseModelOutput } from "../../src-main/extract/output.ts";
import { loadExtractionPrompt } from "../../src-main/extract/prompt.ts";
import { TEST_MODEL_QUANTS, makeTestModel, type TestModelQuant } from "../../src-main/testmodel/testModel.ts";
import { EngineError, type Engine } from "../../src-main/extract/engine.ts";
import type { DecodeStats } from "../../src-main/extract/llama/protocol.ts";
import { ceilingLettersPerMinute, describeRow, runBatchedBench } from "./llamaBatchedBench.ts";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    quant: { type: "string", default: "q4_0" },
    vocab: { type: "string" },
    "grammar-shapes": { type: "string" },
    temperature: { type: "string", default: "0.8" },
    "gather-ms": { type: "string", default: "20" },
    "hard-seconds": { type: "string" },
    warmup: { type: "string", default: "on" },
    letters: { type: "string", default: "200" },
    shapes: { type: "string", default: "1x1,1x16,1x64,16x1,8x8" },
    grammar: { type: "string", default: "on,off" },
    "max-tokens": { type: "string", default: "512" },
    "max-seconds": { type: "string", default: "150" },
    "llama-server": { type: "string" },
    "server-np": { type: "string" },
    "server-grammar": { type: "string" },
    "server-log": { type: "string" },
    gpu: { type: "string", default: "auto" },
    "flash-attention": { type: "string", default: "auto" },
    "batched-bench": { type: "string" },
    local: { type: "string", default: "on" },
    "sequence-order": { type: "string", default: "on" },
  },
});
const maxTokens = Number(values["max-tokens"]);
const maxSeconds = Number(values["max-seconds"]);
const hardSeconds = values["hard-seconds"] === undefined ? maxSeconds + 120 : Number(values["hard-seconds"]);
const prompt = loadExtractionPrompt();
const quant = values.quant as TestModelQuant;
if (!TEST_MODEL_QUANTS.includes(quant)) throw new Error(`--quant must be one of ${TEST_MODEL_QUANTS.join(", ")}`);
const modelPath = values.model ?? `.cache/test-model/8b-${quant}.gguf`;

if (!existsSync(modelPath)) {
  console.log(`writing the 8B-sized ${quant} test model to ${modelPath} (once)...`);
  const started = performance.now();
  const written = await makeTestModel({ out: modelPath, size: "8b", quant, ...(values.vocab ? { vocabPath: values.vocab } : {}) });
  console.log(`  ${(written.bytes / 1e9).toFixed(2)} GB in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

// ≈1.5k-token letters: demo letters joined in pairs, each made unique by its first line.
const demoDir = path.resolve("resources/demo/letters");
const demo = readdirSync(demoDir).filter((name) => name.endsWith(".txt")).sort().map((name) => readFileSync(path.join(demoDir, name), "utf8"));
const letters = Array.from({ length: Number(values.letters) }, (_, i) => `Clinic letter ${i + 1}.\n${demo[i % demo.length]}\n\n${demo[(i + 5) % demo.length]}`);

type Result = { label: string; letters: number; seconds: number; valid: number; inputTokens: number; outputTokens: number; cut: boolean };

/** Runs letters through `lanes` parallel callers until `seconds` pass or `count` letters have started. */
async function run(label: string, engine: Engine, lanes: number, grammar: boolean, { seconds = maxSeconds, count = letters.length } = {}): Promise<Result> {
  const result: Result = { label, letters: 0, seconds: 0, valid: 0, inputTokens: 0, outputTokens: 0, cut: false };
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let next = 0;
  const lanesDone = Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < count && performance.now() < deadline) {
        // A letter cut off at --max-tokens is still that much real decoding work: count it.
        const completion = await engine.complete(letters[next++] as string).catch((error: unknown) => {
          if (error instanceof EngineError && error.partial) return error.partial;
          throw error;
        });
        result.letters++;
        result.inputTokens += completion.inputTokens ?? 0;
        result.outputTokens += completion.outputTokens ?? 0;
        if (grammar && parseModelOutput(completion.text).ok) result.valid++;
      }
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  const cut = new Promise<"cut">((resolve) => (timer = setTimeout(() => resolve("cut"), hardSeconds * 1000)));
  result.cut = (await Promise.race([lanesDone, cut])) === "cut";
  clearTimeout(timer);
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/** Prefilled tokens per letter, as the engine's runs measured them: the batched yardstick's prompt size. */
const prefilled = { tokens: 0, letters: 0 };

function report(result: Result): number {
  const perMinute = (result.letters / result.seconds) * 60;
  prefilled.tokens += result.inputTokens;
  prefilled.letters += result.letters;
  console.log(
    `${result.label.padEnd(28)} ${perMinute.toFixed(1).padStart(7)} letters/min  ${(result.outputTokens / result.seconds).toFixed(0).padStart(6)} out tok/s  ` +
      `${result.letters} letters in ${result.seconds.toFixed(0)} s  prefilled ${result.inputTokens} (${Math.round(result.inputTokens / Math.max(1, result.letters))}/letter)` +
      (result.label.includes("grammar on") ? `  valid ${result.valid}/${result.letters}` : "") +
      (result.cut ? `  (cut at ${hardSeconds} s with letters in flight)` : ""),
  );
  return perMinute;
}

/**
 * One engine configuration: C contexts × S sequences, optionally with its own lockstep setting
 * (`@20`: hold a token up to 20 ms; `@off`) and batch size (`/2048`): `1x64@20/2048`.
 */
type Shape = { contexts: number; sequences: number; parallel: number; label: string; gatherMs?: number; batchSize?: number };

/** Lockstep's hold in ms; 0 is off. */
const gatherValue = (text: string) => (text.trim() === "off" ? 0 : Number(text));

function parseShapes(list: string): Shape[] {
  return list.split(",").map((text) => {
    const match = /^(\d+)x(\d+)(?:@(off|\d+))?(?:\/(\d+))?$/.exec(text.trim());
    if (!match) throw new Error(`a shape is CONTEXTSxSEQUENCES[@GATHER_MS|@off][/BATCH], like 1x16, 16x1 or 1x64@20/2048, not "${text}"`);
    const [contexts, sequences] = [Number(match[1]), Number(match[2])];
    return {
      contexts,
      sequences,
      parallel: contexts * sequences,
      label: text.trim(),
      ...(match[3] === undefined ? {} : { gatherMs: gatherValue(match[3]) }),
      ...(match[4] === undefined ? {} : { batchSize: Number(match[4]) }),
    };
  });
}

/** --flash-attention's values as the engine takes them: auto, on, off. */
function flashAttentionValue(text: string): "auto" | boolean {
  const value = flashAttentionSetting(text);
  if (value === undefined) throw new Error(`--flash-attention takes auto, on or off (a list runs each), not "${text}"`);
  return value;
}
const flashAttentionSettings = values["flash-attention"].split(",").map(flashAttentionValue);

/** --sequence-order: on (the engine's default), off (node-llama-cpp's own queue order), or both. */
const sequenceOrders = values["sequence-order"].split(",").map((text) => {
  if (text !== "on" && text !== "off") throw new Error(`--sequence-order takes on or off (a list runs each), not "${text}"`);
  return text === "on";
});

function localEngine(shape: Shape, grammar: boolean, outputTokens = maxTokens, gatherMs = 0, flashAttention: "auto" | boolean = "auto", sequenceOrder = true): LlamaEngine {
  return new LlamaEngine({
    modelPath,
    systemPrompt: prompt.text,
    gpu: values.gpu === "off" ? false : "auto",
    parallel: shape.parallel,
    contexts: shape.contexts,
    contextSize: 4096,
    maxTokens: outputTokens,
    grammar,
    temperature: grammar ? 0.8 : Number(values.temperature),
    seed: 7,
    // Past the hard cut, so a cut configuration can still be asked where its time went.
    letterTimeoutMs: (hardSeconds + 60) * 1000,
    batchGatherMs: gatherMs,
    flashAttention,
    decodeStats: true,
    sequenceOrder,
    ...(shape.batchSize === undefined ? {} : { batchSize: shape.batchSize }),
  });
}

// --local off: llama.cpp's own programs only (a first, short call on a GPU machine that also builds them).
const local = values.local !== "off";
if (local && values.warmup === "on") {
  const engine = localEngine(parseShapes("1x8")[0] as Shape, false, 32);
  const started = performance.now();
  try {
    await engine.start();
    await run("warm-up", engine, 8, false, { count: 8 });
    await engine.close();
    const lone = localEngine(parseShapes("1x1")[0] as Shape, true, 32);
    await lone.start();
    await run("warm-up", lone, 1, true, { count: 1 });
    await lone.close();
    console.log(`warm-up (kernels compiled, model in the page cache): ${((performance.now() - started) / 1000).toFixed(0)} s on ${engine.backendName}`);
  } catch (error) {
    console.log(`warm-up failed: ${(error as Error).message}`);
  }
}

const shapes = parseShapes(values.shapes);
const gatherSettings = values["gather-ms"].split(",").map(gatherValue);

function whereTimeGoes(stats: DecodeStats | null): string {
  if (!stats || stats.decodes === 0) return "(no decode statistics from this node-llama-cpp)";
  const share = (ms: number) => `${Math.round((100 * ms) / Math.max(1, stats.wallMs))}%`;
  return (
    `${stats.decodes} decodes, ${(stats.tokens / stats.decodes).toFixed(1)} tokens and ${(stats.samples / stats.decodes).toFixed(1)} samplings per decode; ` +
    `${(stats.decodeMs / stats.decodes).toFixed(1)} ms per decode, ${(stats.sampleMs / Math.max(1, stats.samples)).toFixed(2)} ms per sampling; ` +
    `${generationSteps(stats)}; ` +
    `decoding ${share(stats.decodeMs)} of the time, main thread busy ${share(stats.mainThreadMs)} (${(stats.mainThreadMs / Math.max(1, stats.samples)).toFixed(2)} ms per sampled token); ` +
    // Counted as the tokens come, so it holds for a configuration cut before any letter finished.
    `${((1000 * stats.samples) / Math.max(1, stats.wallMs)).toFixed(0)} tokens sampled per second since load`
  );
}
/** Decodes that only generated (a token per sequence) against those that read letters too. */
function generationSteps(stats: DecodeStats): string {
  const per = (total: number, count: number) => (count === 0 ? "-" : (total / count).toFixed(1));
  const reading = { decodes: stats.decodes - stats.stepDecodes, tokens: stats.tokens - stats.stepTokens, ms: stats.decodeMs - stats.stepMs };
  return (
    `generation steps ${stats.stepDecodes}: ${per(stats.stepTokens, stats.stepDecodes)} tokens, ${per(stats.stepMs, stats.stepDecodes)} ms each; ` +
    `micro-batches per generation step: ${per(stats.stepMicroBatches, stats.stepDecodes)} (${per(stats.fullStepMicroBatches, stats.fullSteps)} in the ${stats.fullSteps} steps of every sequence); ` +
    `micro-batches per decode reading letters: ${per(stats.microBatches - stats.stepMicroBatches, reading.decodes)}; ` +
    `decodes reading letters ${reading.decodes}: ${per(reading.tokens, reading.decodes)} tokens, ${per(reading.ms, reading.decodes)} ms each`
  );
}
const best: Record<string, number> = {};
const serverBest: Record<string, number> = {};
const serial: Record<string, number> = {};
for (const grammarSetting of local ? values.grammar.split(",") : []) {
  const grammar = grammarSetting === "on";
  const runs = (grammar && values["grammar-shapes"] ? parseShapes(values["grammar-shapes"]) : shapes)
    .flatMap((shape) =>
      shape.sequences === 1 ? [{ shape, gatherMs: 0 }] : shape.gatherMs !== undefined ? [{ shape, gatherMs: shape.gatherMs }] : gatherSettings.map((gatherMs) => ({ shape, gatherMs })),
    )
    .flatMap((run) => flashAttentionSettings.map((flashAttention) => ({ ...run, flashAttention })))
    .flatMap((run) => (run.shape.sequences === 1 ? [{ ...run, sequenceOrder: true }] : sequenceOrders.map((sequenceOrder) => ({ ...run, sequenceOrder }))));
  for (const { shape, gatherMs, flashAttention, sequenceOrder } of runs) {
    const n = shape.parallel;
    const engine = localEngine(shape, grammar, maxTokens, gatherMs, flashAttention, sequenceOrder);
    try {
      const loadStarted = performance.now();
      await engine.start();
      const loadSeconds = (performance.now() - loadStarted) / 1000;
      const gather = shape.sequences === 1 ? "" : gatherMs > 0 ? ` lockstep ${gatherMs} ms` : " lockstep off";
      const batch = shape.batchSize === undefined ? "" : ` batch ${shape.batchSize}`;
      const preload = ((engine.loadTimes?.preloadMs ?? 0) / 1000).toFixed(1);
      const attention = flashAttention === "auto" ? "" : ` flash attention ${flashAttentionName(flashAttention)}`;
      const order = sequenceOrder ? "" : " sequence order off";
      const label = `${engine.description.replace("llama.cpp ", "")}${gather}${batch}${attention}${order} grammar ${grammarSetting} (load ${loadSeconds.toFixed(0)} s, system prompt ${preload} s)`;
      // Whether flash attention is really in effect, and whether the graph stayed on the GPU.
      console.log(`  llama.cpp: ${engine.setup.filter((line) => /flash|splits/i.test(line)).join("; ")}`);
      const rate = report(await run(label, engine, n, grammar));
      console.log(`  ${whereTimeGoes(await engine.currentDecodeStats())}`);
      if (n === 1) serial[grammarSetting] = rate;
      best[grammarSetting] = Math.max(best[grammarSetting] ?? 0, rate);
    } catch (error) {
      console.log(`${shape.label}, grammar ${grammarSetting}: ${(error as Error).message}`);
    } finally {
      await engine.close();
    }
  }
}

let batchedBest: { rate: number; label: string } | undefined;
if (values["batched-bench"]) {
  const pp = prefilled.letters > 0 ? Math.round(prefilled.tokens / prefilled.letters) : 1536;
  const tg = Math.min(maxTokens, 128);
  const parallel = [...new Set([1, ...shapes.map((shape) => shape.parallel)])].sort((a, b) => a - b);
  for (const flashAttention of flashAttentionSettings) {
    const setting = flashAttentionName(flashAttention);
    try {
      const rows = await runBatchedBench({
        bin: values["batched-bench"],
        model: modelPath,
        pp,
        tg,
        parallel,
        flashAttention,
        gpuLayers: values.gpu === "off" ? 0 : 999,
        timeoutMs: hardSeconds * 1000,
        ...(values["server-log"] ? { logFile: values["server-log"] } : {}),
      });
      for (const row of rows) {
        console.log(`llama-batched-bench flash attention ${setting} ${describeRow(row, maxTokens)}`);
        const rate = ceilingLettersPerMinute(row, maxTokens);
        if (rate > (batchedBest?.rate ?? 0)) batchedBest = { rate, label: `B=${row.pl}, flash attention ${setting}` };
      }
    } catch (error) {
      console.log(`llama-batched-bench flash attention ${setting}: ${(error as Error).message}`);
    }
  }
}

if (values["llama-server"]) {
  const nps =
    values["server-np"] === "off"
      ? []
      : values["server-np"]
        ? values["server-np"].split(",").map(Number)
        : [...new Set(shapes.map((shape) => shape.parallel).filter((v) => v > 1))];
  for (const grammarSetting of (values["server-grammar"] ?? values.grammar).split(",")) {
    for (const n of nps) {
      const port = 18080 + n;
      // Its log says whether flash attention is on, and times every request's prompt and decoding.
      const log = values["server-log"] ? openSync(values["server-log"], "a") : "ignore";
      const server = spawn(values["llama-server"], ["-m", modelPath, "-np", String(n), "-c", String(4096 * n), "-ngl", "999", "--host", "127.0.0.1", "--port", String(port)], {
        stdio: ["ignore", log, log],
      });
      try {
        const engine = new OpenAiCompatibleEngine({
          baseUrl: `http://127.0.0.1:${port}/v1`,
          systemPrompt: prompt.text,
          onPremise: false,
          parallel: n,
          maxTokens,
          grammar: grammarSetting === "on",
          temperature: grammarSetting === "on" ? 0.8 : Number(values.temperature),
          seed: 7,
        });
        for (let tries = 0; ; tries++) {
          try {
            await engine.start();
            break;
          } catch (error) {
            if (tries > 120) throw error;
            await new Promise((resolve) => setTimeout(resolve, 1000));
          }
        }
        const rate = report(await run(`llama-server -np ${n} grammar ${grammarSetting}`, engine, n, grammarSetting === "on"));
        serverBest[grammarSetting] = Math.max(serverBest[grammarSetting] ?? 0, rate);
        await engine.close();
      } catch (error) {
        console.log(`llama-server -np ${n}, grammar ${grammarSetting}: ${(error as Error).message}`);
      } finally {
        server.kill();
      }
    }
  }
}

for (const [setting, rate] of Object.entries(best)) {
  if (serial[setting]) console.log(`grammar ${setting}: best ${rate.toFixed(1)} letters/min = ${(rate / serial[setting]).toFixed(2)}x one sequence`);
  if (serverBest[setting]) console.log(`grammar ${setting}: ours ${rate.toFixed(1)} vs llama-server's best ${serverBest[setting].toFixed(1)} letters/min = ${(rate / serverBest[setting]).toFixed(2)}x`);
}
if (batchedBest && best.off !== undefined) {
  console.log(`grammar off: ours ${best.off.toFixed(1)} letters/min vs llama.cpp's batched ceiling ${batchedBest.rate.toFixed(1)} (${batchedBest.label}) = ${(best.off / batchedBest.rate).toFixed(2)}x`);
}
const off = best.off !== undefined && serial.off ? best.off / serial.off : undefined;
console.log(`parallel/serial letters-per-minute (grammar off, best): ${off === undefined ? "n/a" : off.toFixed(2)}`);
// Letters cut at --hard-seconds may still be pending in closed engines: do not wait for them.
process.exit(0);
