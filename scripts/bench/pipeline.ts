/**
 * npm run bench:pipeline — can everything around the model keep up with a fast GPU server? The
 * model is taken out of the picture: a loopback OpenAI-compatible server answers each letter at
 * once with its gold timeline. Measured in one run on the same letters and the same server:
 *   - bare client: the chat completion requests alone, N at a time (what any client must do);
 *   - pipeline: `extract --server URL --parallel N --out FILE` as the CLI runs it on a cluster
 *     node — request, parse, ground every value in the letter, commit result and job state to
 *     SQLite, append the result file, rewrite it at the end.
 * Prints letters/min for both and the GPU goal (250 letters/min) beside them; the last
 * line is pipeline vs bare client.
 *
 * Options: --letters N (2000; demo letters, each made unique), --parallel N (16).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { extractCommand } from "../../src-main/extract/extractCommand.ts";
import { createReporter } from "../../src-main/cliKit/reporter.ts";
import { OpenAiCompatibleEngine } from "../../src-main/extract/openai/openAiEngine.ts";
import { loadExtractionPrompt } from "../../src-main/extract/prompt.ts";
import { importPaths } from "../../src-main/ingest/importToStore.ts";
import { openStore } from "../../src-main/store/db.ts";
import { demoLettersWithGold, startFakeOpenAiServer, type ChatRequest } from "../../test/helpers/fakeOpenAiServer.ts";

const { values } = parseArgs({ options: { letters: { type: "string", default: "2000" }, parallel: { type: "string", default: "16" } } });
const LETTERS = Number(values.letters);
const PARALLEL = Number(values.parallel);
const GOAL_LETTERS_PER_MIN = 250;

const demo = demoLettersWithGold();
// Each copy ends with its own line, so that every letter is new to the store (letters are deduplicated by text).
const SUFFIX = /\n\nCopy \d+\.\n$/;
const gold = new Map(demo.map((letter) => [letter.text, letter.gold]));
const respond = (request: ChatRequest): string => gold.get((request.messages.find((m) => m.role === "user")?.content ?? "").replace(SUFFIX, "")) ?? "{}";
const texts = Array.from({ length: LETTERS }, (_, i) => `${(demo[i % demo.length] as { text: string }).text}\n\nCopy ${i}.\n`);

const server = await startFakeOpenAiServer({ respond });
const work = mkdtempSync(path.join(os.tmpdir(), "oncotimeline-bench-pipeline-"));
try {
  const perMinute = (count: number, ms: number) => (count / ms) * 60_000;

  // Bare client: the same requests through the same HTTP client, nothing done with the answers.
  const engine = new OpenAiCompatibleEngine({ baseUrl: server.baseUrl, onPremise: false, systemPrompt: loadExtractionPrompt().text, parallel: PARALLEL });
  await engine.start();
  let next = 0;
  const bareStart = performance.now();
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < texts.length) await engine.complete(texts[next++] as string);
    }),
  );
  const bareMs = performance.now() - bareStart;
  await engine.close();

  const letters = path.join(work, "letters");
  mkdirSync(letters);
  texts.forEach((text, i) => writeFileSync(path.join(letters, `letter-${i}.txt`), text));
  const db = openStore(path.join(work, "store"));
  const imported = await importPaths(db, [letters]);
  if (imported.imported !== LETTERS) throw new Error(`imported ${imported.imported} of ${LETTERS} letters`);
  const silent = createReporter(true, { write: () => true } as unknown as NodeJS.WritableStream);
  const pipelineStart = performance.now();
  const code = await extractCommand(db, { gpu: "off", server: server.baseUrl, parallel: String(PARALLEL), out: path.join(work, "results.jsonl") }, silent);
  const pipelineMs = performance.now() - pipelineStart;
  const ok = (db.prepare("SELECT count(*) AS n FROM extractions WHERE status = 'ok'").get() as { n: number }).n;
  db.close();
  if (code !== 0 || ok !== LETTERS) throw new Error(`extract exited ${code} with ${ok} of ${LETTERS} letters ok`);

  const bare = perMinute(LETTERS, bareMs);
  const pipeline = perMinute(LETTERS, pipelineMs);
  console.log(`${LETTERS} letters, ${PARALLEL} at a time, the model answering at once`);
  console.log(`bare client: ${bare.toFixed(0)} letters/min (${(bareMs / 1000).toFixed(1)} s)`);
  console.log(`pipeline (parse, ground, SQLite, result file): ${pipeline.toFixed(0)} letters/min (${(pipelineMs / 1000).toFixed(1)} s), ${(pipeline / GOAL_LETTERS_PER_MIN).toFixed(0)}x the GPU goal of ${GOAL_LETTERS_PER_MIN}`);
  console.log(`pipeline/bare-client letters-per-minute: ${(pipeline / bare).toFixed(2)}`);
} finally {
  await server.close();
  rmSync(work, { recursive: true, force: true });
}
