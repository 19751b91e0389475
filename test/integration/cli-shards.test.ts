import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runCli } from "../helpers/cli.ts";
import { goldFor, startFakeOpenAiServer, type FakeOpenAiServer } from "../helpers/fakeOpenAiServer.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const DEMO_LETTERS = path.join(REPO_ROOT, "resources", "demo", "letters");
// A deterministic engine (each letter answered with its gold document) so that the sharded and
// unsharded runs must agree to the byte; the local engine is covered by the other tests.
let server: FakeOpenAiServer;
beforeAll(async () => {
  server = await startFakeOpenAiServer({ respond: goldFor });
});
afterAll(async () => server.close());

/** A store with the demo letters, as the workstation would have. */
async function storeWithLetters(): Promise<string> {
  const data = tempDir();
  expect((await runCli(["--data", data, "import", DEMO_LETTERS])).code).toBe(0);
  return data;
}

/** A cluster node's store: only its shard of the demo letters. */
async function nodeStore(shard: string): Promise<{ data: string; imported: number }> {
  const data = tempDir();
  const run = await runCli(["--data", data, "--json", "import", "--shard", shard, DEMO_LETTERS]);
  expect(run.code, run.stderr).toBe(0);
  const summary = run.events.at(-1) as { imported: number; inOtherShards: number };
  expect(summary.imported + summary.inOtherShards).toBe(16);
  return { data, imported: summary.imported };
}

async function exportLong(data: string): Promise<string> {
  const out = path.join(data, "values.csv");
  expect((await runCli(["--data", data, "export", "--format", "csv", "--out", out])).code).toBe(0);
  return readFileSync(out, "utf8");
}

describe("sharded extraction (a Slurm job array) merged back with import-results", () => {
  it("3 shards of the demo set, merged, give exactly the rows of one unsharded run; merging again changes nothing", async () => {
    const whole = await storeWithLetters();
    expect((await runCli(["--data", whole, "extract", "--server", server.baseUrl])).code).toBe(0);
    const expected = await exportLong(whole);

    const results: string[] = [];
    const perShard: number[] = [];
    for (const i of [1, 2, 3]) {
      // Each node stores only its share, and extracts all of it.
      const { data: node, imported } = await nodeStore(`${i}/3`);
      const out = path.join(node, `shard-${i}.jsonl`);
      const run = await runCli(["--data", node, "--json", "extract", "--server", server.baseUrl, "--shard", `${i}/3`, "--out", out]);
      expect(run.code, run.stderr).toBe(0);
      perShard.push(run.events.filter((event) => event.type === "letter").length);
      expect(perShard.at(-1)).toBe(imported);
      results.push(out);
    }
    expect(perShard.reduce((a, b) => a + b, 0)).toBe(16);
    expect(Math.min(...perShard)).toBeGreaterThan(0);

    const workstation = await storeWithLetters();
    const merged = await runCli(["--data", workstation, "--json", "import-results", ...results]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.events.at(-1)).toMatchObject({ type: "summary", imported: 16, unchanged: 0, problems: 0 });
    expect(await exportLong(workstation)).toBe(expected);

    const again = await runCli(["--data", workstation, "--json", "import-results", ...results]);
    expect(again.events.at(-1)).toMatchObject({ type: "summary", imported: 0, unchanged: 16, problems: 0 });
    expect(await exportLong(workstation)).toBe(expected);
  }, 180_000); // 14 CLI processes: a minute on a quiet 2-core machine, more on a busy one

  it("a shard killed mid-run goes on from its --out file on a fresh node: each letter once, the same rows as an uninterrupted run", async () => {
    // Slow answers, one letter at a time, so the kill lands part-way through the shard.
    const slow = await startFakeOpenAiServer({ respond: goldFor, replyFor: () => ({ kind: "completion", delayMs: 200 }) });
    try {
      const extract = (data: string, out: string, onEvent?: NonNullable<Parameters<typeof runCli>[1]>["onEvent"]) =>
        runCli(["--data", data, "--json", "extract", "--server", slow.baseUrl, "--parallel", "1", "--shard", "1/2", "--out", out], { onEvent });
      const results = tempDir();
      const out = path.join(results, "shard-1-of-2.jsonl");

      const first = await nodeStore("1/2");
      expect(first.imported).toBeGreaterThan(4);
      let finished = 0;
      const killed = await extract(first.data, out, (event, child) => {
        if (event.type === "letter" && ++finished === 3) child.kill("SIGKILL");
      });
      expect(killed.code).toBeNull();
      const kept = readFileSync(out, "utf8").split("\n").filter(Boolean);
      expect(kept.length).toBeGreaterThanOrEqual(3);
      // A kill in the middle of the next append leaves half a line behind.
      appendFileSync(out, (kept[0] as string).slice(0, 120));

      // Requeued on another node: its store has the letters (import --shard) but no results.
      const second = await nodeStore("1/2");
      const resumed = await extract(second.data, out);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.events.find((event) => event.type === "restored")).toMatchObject({ restored: kept.length, unchanged: 0, problems: 0, droppedIncompleteLine: true });
      expect(resumed.events.filter((event) => event.type === "letter")).toHaveLength(first.imported - kept.length);

      const lines = readFileSync(out, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { checksum: string });
      expect(lines).toHaveLength(first.imported);
      expect(new Set(lines.map((line) => line.checksum)).size).toBe(first.imported);

      const uninterrupted = path.join(results, "uninterrupted.jsonl");
      expect((await extract((await nodeStore("1/2")).data, uninterrupted)).code).toBe(0);
      const exported: string[] = [];
      for (const file of [out, uninterrupted]) {
        const workstation = await storeWithLetters();
        expect((await runCli(["--data", workstation, "import-results", file])).code).toBe(0);
        exported.push(await exportLong(workstation));
      }
      expect(exported[0]).toBe(exported[1]);

      // Another shard's file, or another model's, is refused rather than mixed in (exit 2).
      const wrongShard = await runCli(["--data", second.data, "extract", "--server", slow.baseUrl, "--shard", "2/2", "--out", out]);
      expect(wrongShard.code).toBe(2);
      expect(wrongShard.stderr).toMatch(/shard-1-of-2\.jsonl:1: .* holds a letter of another shard \(.*\), not of shard 2\/2/);
      const wrongModel = await runCli(["--data", second.data, "extract", "--server", server.baseUrl, "--shard", "1/2", "--out", out]);
      expect(wrongModel.code).toBe(2);
      expect(wrongModel.stderr).toMatch(/holds results of model "onco-8b@127\.0\.0\.1:\d+" .*give --out another file/);
    } finally {
      await slow.close();
    }
  }, 180_000);

  it("names a bad line and a letter the store does not hold, and merges the rest (exit 1)", async () => {
    const node = await storeWithLetters();
    const out = path.join(node, "all.jsonl");
    expect((await runCli(["--data", node, "extract", "--server", server.baseUrl, "--out", out])).code).toBe(0);
    const lines = readFileSync(out, "utf8").trim().split("\n");
    const broken = path.join(node, "broken.jsonl");
    writeFileSync(broken, [lines[0], "{not json", lines[1]].join("\n"));

    const empty = tempDir();
    const orphan = await runCli(["--data", empty, "import-results", out]);
    expect(orphan.code).toBe(1);
    expect(orphan.stdout).toMatch(/problem: .*all\.jsonl:1: letter not in this store \(.*\): import the letters first/);

    const workstation = await storeWithLetters();
    const result = await runCli(["--data", workstation, "--json", "import-results", broken]);
    expect(result.code).toBe(1);
    expect(result.events.filter((event) => event.type === "problem")).toEqual([
      { type: "problem", source: `${broken}:2`, message: expect.stringMatching(/^not valid JSON: /) },
    ]);
    expect(result.events.at(-1)).toMatchObject({ imported: 2, problems: 1 });

    // A running shard's file ends in the line being appended: not a problem, merged next time.
    const live = path.join(node, "live.jsonl");
    writeFileSync(live, `${lines[0]}\n${lines[2]}\n${(lines[3] as string).slice(0, 80)}`);
    const fresh = await storeWithLetters();
    const partial = await runCli(["--data", fresh, "import-results", live]);
    expect(partial.code, partial.stdout).toBe(0);
    expect(partial.stdout).toContain(`${live}:3: the last line is incomplete (its shard is still writing it?): that letter comes with a later merge`);
    expect(partial.stdout).toMatch(/Merged 2 result\(s\); .* 0 problem\(s\); 1 incomplete last line\(s\) left for a later merge\./);
  });

  it("refuses a malformed --shard with exit 2", async () => {
    const node = tempDir();
    const result = await runCli(["--data", node, "extract", "--server", server.baseUrl, "--shard", "4/3"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--shard must be I/N with 1 ≤ I ≤ N");
    const nowhere = await runCli(["--data", node, "extract", "--server", server.baseUrl, "--out", path.join(node, "missing", "shard.jsonl")]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain(`--out ${path.join(node, "missing", "shard.jsonl")}: cannot write in ${path.join(node, "missing")} (ENOENT)`);
    expect(nowhere.stderr).not.toContain("Connecting");
    const noBatch = await runCli(["--data", node, "batch-status", node]);
    expect(noBatch.code).toBe(2);
    expect(noBatch.stderr).toContain(`no shard result files (shard-I-of-N.jsonl) in ${node}`);
    const imported = await runCli(["--data", node, "import", "--shard", "0/3", DEMO_LETTERS]);
    expect(imported.code).toBe(2);
    expect(imported.stderr).toContain("--shard must be I/N with 1 ≤ I ≤ N");
  });

  it("says what a sharded import kept and left to the other shards", async () => {
    const node = tempDir();
    const result = await runCli(["--data", node, "import", "--shard", "2/3", DEMO_LETTERS]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Imported (\d+) letter\(s\) of shard 2\/3 \((\d+) left to the other shards\); 0 already in the store; 0 problem\(s\)\./);
  });
});
