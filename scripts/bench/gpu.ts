/**
 * npm run bench:gpu — for a GPU machine. Throughput of the local engine on a Llama-3.1-8B-sized
 * model (random weights: `oncotimeline test-model --size 8b`, ~15 GB, written on first use)
 * at 1/8/16/32/64 sequences batched in one context, grammar on and off; prefilled (input)
 * tokens show the system prompt being evaluated once per sequence, not per letter.
 *
 * Random weights are the grammar's worst case (nearly every sampled token is rejected and
 * re-checked against the 128k vocabulary), so "grammar on" is reported beside "grammar off",
 * which measures the GPU's decoding alone. Each configuration stops taking letters after
 * --max-seconds, so the whole run fits a 30-minute GPU session; rates are over the letters done.
 *
 * Optional --llama-server BIN: the same letters through llama.cpp's own server (built from
 * node-llama-cpp's bundled sources: git clone node_modules/node-llama-cpp/llama/gitRelease.bundle,
 * cmake -B build -DGGML_CUDA=ON && cmake --build build -j --target llama-server) with -np N,
 * driven by our OpenAI-compatible engine.
 *
 * Options: --model FILE (default .cache/test-model/8b.gguf), --letters N (200), --sequences
 * 1,8,16,32,64, --grammar on,off, --max-tokens N (512), --max-seconds S (150), --llama-server BIN.
 * Last line: `parallel/serial letters-per-minute (grammar off, best): X.XX`.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { LlamaEngine } from "../../src-main/extract/llama/llamaEngine.ts";
import { OpenAiCompatibleEngine } from "../../src-main/extract/openai/openAiEngine.ts";
import { parseModelOutput } from "../../src-main/extract/output.ts";
import { loadExtractionPrompt } from "../../src-main/extract/prompt.ts";
import { makeTestModel } from "../../src-main/extract/testModel.ts";
import { EngineError, type Engine } from "../../src-main/extract/engine.ts";

const { values } = parseArgs({
  options: {
    model: { type: "string", default: ".cache/test-model/8b.gguf" },
    letters: { type: "string", default: "200" },
    sequences: { type: "string", default: "1,8,16,32,64" },
    grammar: { type: "string", default: "on,off" },
    "max-tokens": { type: "string", default: "512" },
    "max-seconds": { type: "string", default: "150" },
    "llama-server": { type: "string" },
    gpu: { type: "string", default: "auto" },
  },
});
const maxTokens = Number(values["max-tokens"]);
const maxSeconds = Number(values["max-seconds"]);
const prompt = loadExtractionPrompt();

if (!existsSync(values.model)) {
  console.log(`writing the 8B-sized test model to ${values.model} (~15 GB, once)...`);
  await makeTestModel({ out: values.model, size: "8b" });
}

// ≈1.5k-token letters: demo letters joined in pairs, each made unique by its first line.
const demoDir = path.resolve("resources/demo/letters");
const demo = readdirSync(demoDir).filter((name) => name.endsWith(".txt")).sort().map((name) => readFileSync(path.join(demoDir, name), "utf8"));
const letters = Array.from({ length: Number(values.letters) }, (_, i) => `Clinic letter ${i + 1}.\n${demo[i % demo.length]}\n\n${demo[(i + 5) % demo.length]}`);

type Result = { label: string; letters: number; seconds: number; valid: number; inputTokens: number; outputTokens: number };

async function run(label: string, engine: Engine, lanes: number, grammar: boolean): Promise<Result> {
  const result: Result = { label, letters: 0, seconds: 0, valid: 0, inputTokens: 0, outputTokens: 0 };
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < letters.length && performance.now() < deadline) {
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
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

function report(result: Result): number {
  const perMinute = (result.letters / result.seconds) * 60;
  console.log(
    `${result.label.padEnd(28)} ${perMinute.toFixed(1).padStart(7)} letters/min  ${(result.outputTokens / result.seconds).toFixed(0).padStart(6)} out tok/s  ` +
      `${result.letters} letters in ${result.seconds.toFixed(0)} s  prefilled ${result.inputTokens} (${Math.round(result.inputTokens / Math.max(1, result.letters))}/letter)` +
      (result.label.includes("grammar on") ? `  valid ${result.valid}/${result.letters}` : ""),
  );
  return perMinute;
}

const best: Record<string, number> = {};
const serial: Record<string, number> = {};
for (const grammarSetting of values.grammar.split(",")) {
  const grammar = grammarSetting === "on";
  for (const n of values.sequences.split(",").map(Number)) {
    const engine = new LlamaEngine({
      modelPath: values.model,
      systemPrompt: prompt.text,
      gpu: values.gpu === "off" ? false : "auto",
      parallel: n,
      contexts: 1,
      contextSize: 4096,
      maxTokens,
      grammar,
      temperature: 0.8,
      seed: 7,
    });
    try {
      await engine.start();
      const rate = report(await run(`${engine.description.replace("llama.cpp ", "")} grammar ${grammarSetting}`, engine, n, grammar));
      if (n === 1) serial[grammarSetting] = rate;
      best[grammarSetting] = Math.max(best[grammarSetting] ?? 0, rate);
    } catch (error) {
      console.log(`${n} sequences, grammar ${grammarSetting}: ${(error as Error).message}`);
    } finally {
      await engine.close();
    }
  }
}

if (values["llama-server"]) {
  for (const n of values.sequences.split(",").map(Number).filter((v) => v > 1)) {
    const port = 18080 + n;
    const server = spawn(values["llama-server"], ["-m", values.model, "-np", String(n), "-c", String(4096 * n), "-ngl", "999", "--host", "127.0.0.1", "--port", String(port)], { stdio: "ignore" });
    try {
      const engine = new OpenAiCompatibleEngine({ baseUrl: `http://127.0.0.1:${port}/v1`, systemPrompt: prompt.text, onPremise: false, parallel: n, maxTokens, temperature: 0.8, seed: 7 });
      for (let tries = 0; ; tries++) {
        try {
          await engine.start();
          break;
        } catch (error) {
          if (tries > 120) throw error;
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
      report(await run(`llama-server -np ${n} grammar on`, engine, n, true));
      await engine.close();
    } finally {
      server.kill();
    }
  }
}

for (const [setting, rate] of Object.entries(best)) {
  if (serial[setting]) console.log(`grammar ${setting}: best ${rate.toFixed(1)} letters/min = ${(rate / serial[setting]).toFixed(2)}x one sequence`);
}
const off = best.off !== undefined && serial.off ? best.off / serial.off : undefined;
console.log(`parallel/serial letters-per-minute (grammar off, best): ${off === undefined ? "n/a" : off.toFixed(2)}`);
