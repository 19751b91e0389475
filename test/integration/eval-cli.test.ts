/**
 * `oncotimeline eval score` as scripts use it: no store, the report as the last JSON line, bad
 * gold named by line with exit 2, and the app's call giving the same report.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { dispatchApiCall } from "../../src-main/api/dispatch.ts";
import { createServices } from "../../src-main/api/services.ts";
import { runCli } from "../helpers/cli.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();

function files(dir: string): { gold: string; pred: string } {
  const gold = path.join(dir, "gold.jsonl");
  const pred = path.join(dir, "pred.jsonl");
  const rows = Array.from({ length: 24 }, (_, i) => ({ id: `q${i}`, note_id: `n${i % 8}`, kind: ["boolean", "numeric", "na-boolean", "na-numeric"][i % 4], answer: [i % 3 ? "Yes" : "No", String(i), "N/A", i % 2 ? "N/A" : 1.5][i % 4] }));
  writeFileSync(gold, rows.map((row) => JSON.stringify(row)).join("\n"));
  writeFileSync(pred, rows.filter((_, i) => i !== 5).map((row, i) => JSON.stringify({ id: row.id, answer: i % 5 === 0 ? "unsure" : row.answer })).join("\n"));
  return { gold, pred };
}

describe("eval score", () => {
  it("prints the report; with --json the last line holds by_kind and overall, with intervals when asked, the same as the app's call", async () => {
    const dir = tempDir();
    const { gold, pred } = files(dir);
    const human = await runCli(["eval", "score", "--gold", gold, "--pred", pred]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^kind +n +accuracy/);
    expect(human.stdout).toContain("1 gold item(s) had no prediction (scored as invalid answers)");
    // Intervals only when asked for (the app's call has them on by default, the command not).
    expect(human.stdout).not.toContain("[");

    const json = await runCli(["--json", "eval", "score", "--gold", gold, "--pred", pred, "--intervals", "--resamples", "200", "--seed", "4"]);
    expect(json.code).toBe(0);
    const last = json.events.at(-1) as Record<string, unknown> & { by_kind: Record<string, Record<string, unknown>>; overall: Record<string, unknown> };
    expect(Object.keys(last.by_kind)).toEqual(["boolean", "numeric", "na-boolean", "na-numeric"]);
    for (const metrics of [...Object.values(last.by_kind), last.overall]) {
      expect(Object.keys(metrics).sort()).toEqual(
        ["n", "accuracy", "balanced_accuracy", "macro_f1", "micro_f1", "invalid_predictions", "accuracy_ci", "balanced_accuracy_ci", "macro_f1_ci", "micro_f1_ci"].sort(),
      );
    }
    expect(last.overall).toMatchObject({ n: 24, invalid_predictions: 6 });
    expect(last.bootstrap).toEqual({ resamples: 200, seed: 4, level: 0.95, unit: "note" });

    const services = createServices({ dataDir: tempDir(), log: () => {} });
    try {
      const viaApi = await dispatchApiCall(services.handlers, "eval.scoreQaFiles", { goldPath: gold, predPath: pred, resamples: 200, seed: 4 });
      expect(viaApi).toEqual({ ok: true, value: { ...last, type: undefined } });
    } finally {
      await services.close();
    }
  });

  it("refuses a gold file with bad lines, naming each, with exit 2; a missing file is named too", async () => {
    const dir = tempDir();
    const { pred } = files(dir);
    const bad = path.join(dir, "bad.jsonl");
    writeFileSync(bad, '{"id": "q1", "note_id": "n1", "kind": "boolean", "answer": "probably"}\nnot json\n');
    const run = await runCli(["eval", "score", "--gold", bad, "--pred", pred]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`oncotimeline: ${bad}: 2 problem(s):`);
    expect(run.stderr).toContain('line 1: answer "probably" is not yes, no, a number or NA');
    expect(run.stderr).toContain("line 2: not valid JSON");
    const missing = await runCli(["eval", "score", "--gold", path.join(dir, "nope.jsonl"), "--pred", pred]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(`oncotimeline: ${path.join(dir, "nope.jsonl")}: cannot be read (ENOENT)`);
  });
});
