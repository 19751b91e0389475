/**
 * npm run bench:cpu — letters per minute of the parallel engine vs a naive baseline, same model,
 * same grammar, same letters, same sampling, measured in one run on this machine.
 *
 *   baseline: one fresh context and chat session per letter, one letter at a time (the system
 *             prompt is evaluated again for every letter);
 *   ours:     LlamaEngine in its child process, N contexts with one kept session each (system
 *             prompt evaluated once per context), N letters in flight.
 *
 * Uses the tiny random-weight test model (its outputs are noise, but every token is real work
 * under the real grammar). Last line: `parallel/serial letters-per-minute: X.XX`.
 * Options: --letters N (default 24), --parallel N (default 2), --threads N (default 1).
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { getLlama, LlamaChatSession } from "node-llama-cpp";
import { TIMELINE_GENERATION_SCHEMA } from "../../src-shared/generationSchema.ts";
import { LlamaEngine } from "../../src-main/extract/llama/llamaEngine.ts";
import { parseModelOutput } from "../../src-main/extract/output.ts";
import { loadExtractionPrompt } from "../../src-main/extract/prompt.ts";
import { ensureTestModel } from "../../test/helpers/testModel.ts";

const { values } = parseArgs({ options: { letters: { type: "string", default: "24" }, parallel: { type: "string", default: "2" }, threads: { type: "string", default: "1" } } });
const letterCount = Number(values.letters);
const parallel = Number(values.parallel);
const threads = Number(values.threads);
const SAMPLING = { temperature: 0.8, seed: 7, maxTokens: 4096 };

const demoDir = path.resolve("resources/demo/letters");
const demo = readdirSync(demoDir).filter((name) => name.endsWith(".txt")).sort().map((name) => readFileSync(path.join(demoDir, name), "utf8"));
// A distinct first line per letter: no run may reuse an earlier letter's evaluated tokens.
const letters = Array.from({ length: letterCount }, (_, i) => `Clinic letter ${i + 1}.\n${demo[i % demo.length]}`);
const prompt = loadExtractionPrompt();
const modelPath = await ensureTestModel();

type Run = { seconds: number; valid: number; inputTokens: number; outputTokens: number };

async function baseline(): Promise<Run> {
  const llama = await getLlama({ gpu: false, build: "never" });
  const model = await llama.loadModel({ modelPath });
  const grammar = await llama.createGrammarForJsonSchema(TIMELINE_GENERATION_SCHEMA as never);
  const run: Run = { seconds: 0, valid: 0, inputTokens: 0, outputTokens: 0 };
  const started = performance.now();
  for (const letter of letters) {
    const context = await model.createContext({ contextSize: 8192, threads });
    const sequence = context.getSequence();
    const session = new LlamaChatSession({ contextSequence: sequence, systemPrompt: prompt.text });
    const { responseText } = await session.promptWithMeta(letter, { grammar, ...SAMPLING });
    run.valid += parseModelOutput(responseText).ok ? 1 : 0;
    run.inputTokens += sequence.tokenMeter.usedInputTokens;
    run.outputTokens += sequence.tokenMeter.usedOutputTokens;
    await context.dispose();
  }
  run.seconds = (performance.now() - started) / 1000;
  await model.dispose();
  await llama.dispose();
  return run;
}

async function ours(): Promise<Run> {
  const engine = new LlamaEngine({ modelPath, systemPrompt: prompt.text, gpu: false, threads, parallel, ...SAMPLING });
  await engine.start(); // model load is a one-time cost for both; the baseline loads before its clock too
  const run: Run = { seconds: 0, valid: 0, inputTokens: 0, outputTokens: 0 };
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < letters.length) {
        const completion = await engine.complete(letters[next++] as string);
        run.valid += parseModelOutput(completion.text).ok ? 1 : 0;
        run.inputTokens += completion.inputTokens ?? 0;
        run.outputTokens += completion.outputTokens ?? 0;
      }
    }),
  );
  run.seconds = (performance.now() - started) / 1000;
  await engine.close();
  return run;
}

function describe(name: string, run: Run): number {
  const perMinute = (letters.length / run.seconds) * 60;
  console.log(
    `${name.padEnd(9)} ${perMinute.toFixed(1).padStart(6)} letters/min  ${run.seconds.toFixed(1).padStart(6)} s  valid ${run.valid}/${letters.length}  ` +
      `input tokens evaluated ${run.inputTokens}  output tokens ${run.outputTokens} (${(run.outputTokens / run.seconds).toFixed(1)}/s)`,
  );
  return perMinute;
}

console.log(`${letters.length} letters, tiny test model, CPU, ${threads} thread(s) per context; ours: ${parallel} in parallel`);
const serial = describe("baseline", await baseline());
const parallelRate = describe("ours", await ours());
console.log(`parallel/serial letters-per-minute: ${(parallelRate / serial).toFixed(2)}`);
