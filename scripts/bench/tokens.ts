/**
 * npm run bench:tokens — counting the tokens of 10,000 training rows (dataset build's way: the
 * base model's tokenizer with its chat template, datasets/tokenCounter.ts) against tokenising the
 * same rows' bare text with the same tokenizer (the least any count could cost), in one run.
 * Uses the tiny test model's vocabulary: the real Llama 3 tokenizer, as an 8B base has.
 * Last line: `rows per second: X (template/bare time: Y.YY)`.
 * Options: --rows N (default 10000).
 */
import { parseArgs } from "node:util";
import { getLlama } from "node-llama-cpp";
import { TokenCounter } from "../../src-main/datasets/tokenCounter.ts";
import { trainingRow } from "../../src-main/datasets/trainingRow.ts";
import { loadExtractionPrompt } from "../../src-main/extract/prompt.ts";
import { ensureTestModel } from "../../test/helpers/testModel.ts";
import { demoLettersWithGold } from "../../test/helpers/fakeOpenAiServer.ts";

const { values } = parseArgs({ options: { rows: { type: "string", default: "10000" } } });
const count = Number(values.rows);
const modelPath = await ensureTestModel();
const prompt = loadExtractionPrompt();
const demo = demoLettersWithGold();
const rows = Array.from({ length: count }, (_, i) => {
  const letter = demo[i % demo.length] as (typeof demo)[number];
  // Each row a different text, so no cache anywhere can answer for it.
  return trainingRow(prompt.text, `${letter.text}\nRef ${i}`, JSON.parse(letter.gold));
});

const counter = await TokenCounter.open(modelPath);
let started = performance.now();
let total = 0;
for (const row of rows) total += counter.count(row);
const oursSeconds = (performance.now() - started) / 1000;
await counter.close();

const llama = await getLlama({ gpu: false, build: "never" });
const model = await llama.loadModel({ modelPath, vocabOnly: true });
started = performance.now();
let bare = 0;
for (const row of rows) bare += model.tokenize(row.messages.map((message) => message.content).join("\n")).length;
const bareSeconds = (performance.now() - started) / 1000;
await model.dispose();
await llama.dispose();

console.log(`${count} rows, ${total.toLocaleString("en-GB")} tokens with the chat template (${bare.toLocaleString("en-GB")} bare), ${(total / count).toFixed(0)} per row`);
console.log(`template: ${oursSeconds.toFixed(2)} s; bare text: ${bareSeconds.toFixed(2)} s`);
console.log(`rows per second: ${Math.round(count / oursSeconds)} (template/bare time: ${(oursSeconds / bareSeconds).toFixed(2)})`);
