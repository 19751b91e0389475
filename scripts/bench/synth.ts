/**
 * Cost per validated synthetic letter: the naive way (one uncached Messages request per letter,
 * the many-shot context sent in full every time) against the cached + batched way (the context as
 * a cached system prefix, all requests in one Message Batch at the batch discount).
 * Run: npm run bench:synth
 *
 * Both runs use the real SDK against the loopback stand-in API (test/helpers/fakeAnthropic.ts),
 * which reports usage the way the API does: input tokens ≈ characters / 4, a cache write on the
 * first request with a cache_control prefix and cache reads after it. Cost comes from those usage
 * fields at Sonnet list prices (batch: 50%), through the same code the CLI uses. The letters are
 * the stand-in teacher's (about 2,000 characters of answer each), so the output side is smaller
 * than a real model's; the ratio printed is for these sizes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openStore } from "../../src-main/store/db.ts";
import { AnthropicClient, SONNET_PRICES_USD_PER_MTOK } from "../../src-main/synth/anthropicClient.ts";
import { runGeneration } from "../../src-main/synth/generateJob.ts";
import { sampleGrid } from "../../src-main/synth/gridSampler.ts";
import { FAKE_API_KEY, FakeAnthropic, fakeTeacher } from "../../test/helpers/fakeAnthropic.ts";

const LETTERS = 200;
const rows = sampleGrid(LETTERS, undefined, "bench");

type Run = { costUsd: number; validated: number; seconds: number; tokens: Record<string, number> };

async function run(way: "naive" | "cached-batched"): Promise<Run> {
  const fake = await FakeAnthropic.start({ respond: fakeTeacher, pollsUntilEnded: 1 });
  const dir = mkdtempSync(path.join(os.tmpdir(), "oncotimeline-bench-synth-"));
  const db = openStore(dir);
  try {
    const client = new AnthropicClient({ apiKey: FAKE_API_KEY, baseURL: fake.url, prices: SONNET_PRICES_USD_PER_MTOK, logger: { info: () => undefined, warn: console.warn, error: console.error } });
    const started = performance.now();
    const summary = await runGeneration(
      way === "naive" ? { db, client, rows, cache: false, mode: "messages", parallel: 8 } : { db, client, rows, cache: true, mode: "batch", batchPollMs: 10 },
    );
    if (summary.state !== "done" || summary.failed > 0) throw new Error(`${way}: the job ended ${summary.state} with ${summary.failed} failed item(s)`);
    const validated = (db.prepare("SELECT count(*) AS n FROM synth_letters WHERE status = 'accepted'").get() as { n: number }).n;
    const tokens = db
      .prepare("SELECT sum(input_tokens) AS input, sum(output_tokens) AS output, sum(cache_write_tokens) AS cacheWrite, sum(cache_read_tokens) AS cacheRead FROM job_items")
      .get() as Record<string, number>;
    return { costUsd: summary.costUsd, validated, seconds: (performance.now() - started) / 1000, tokens };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
    await fake.close();
  }
}

const naive = await run("naive");
const cached = await run("cached-batched");
for (const [name, result] of [["naive", naive], ["cached-batched", cached]] as const) {
  const perLetter = result.costUsd / result.validated;
  const t = result.tokens;
  console.log(
    `${name}: ${result.validated}/${LETTERS} letters validated, $${result.costUsd.toFixed(4)} in all, $${perLetter.toFixed(5)} per validated letter ` +
      `(tokens: input ${t.input}, output ${t.output}, cache write ${t.cacheWrite}, cache read ${t.cacheRead}; ${result.seconds.toFixed(1)} s)`,
  );
}
const ratio = cached.costUsd / cached.validated / (naive.costUsd / naive.validated);
console.log(`cached-batched/naive cost-per-letter: ${ratio.toFixed(2)}`);
