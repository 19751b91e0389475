/**
 * The QA scores against scikit-learn, computed independently (scripts/bench/qa_sklearn.py
 * normalises answers from the written rule and scores with sklearn), to 1e-9: the point scores
 * per kind and overall, and the bootstrap intervals over the very same resamples of notes.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../src-main/base/seededRandom.ts";
import { resampleCounts } from "../../src-main/evaluate/bootstrap.ts";
import { scoreQaFiles } from "../../src-main/evaluate/scoreQaFiles.ts";
import { DEBIAN_PYTHON, haveSklearn } from "../helpers/python.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const SCRIPT = path.join(import.meta.dirname, "../../scripts/bench/qa_sklearn.py");

/** Notes of 1 to 6 questions of every kind, answers spelled as teachers and models spell them, predictions right ~70% of the time. */
function fixture(dir: string, notes: number, seed: number): { gold: string; pred: string; notes: number } {
  const random = seededRandom(seed);
  const pick = <T,>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const kinds = ["boolean", "numeric", "na-boolean", "na-numeric", "yes_no", "not_answerable_numeric"] as const;
  const answersOf = (kind: string): readonly unknown[] =>
    kind.includes("numeric") ? (kind.startsWith("n") && kind !== "numeric" ? ["N/A", 1.3, "6.5", 188, "none"] : ["188.0", 188, "1.3", 42, "0.5", 7]) : kind === "boolean" || kind === "yes_no" ? ["Yes", "no", "YES.", "No"] : ["yes", "No", "n/a", "NA", ""];
  const gold: string[] = [];
  const pred: string[] = [];
  let id = 0;
  for (let note = 0; note < notes; note++) {
    for (let q = 1 + Math.floor(random() * 6); q > 0; q--) {
      const kind = pick(kinds);
      const answer = pick(answersOf(kind));
      gold.push(JSON.stringify({ id: `q${++id}`, note_id: `note-${note}`, kind, answer, question: "?" }));
      const roll = random();
      if (roll < 0.03) continue; // no prediction: an invalid answer
      const predicted = roll < 0.73 ? answer : roll < 0.8 ? pick(["maybe", "unclear", "see letter"]) : roll < 0.85 ? 999 : pick(answersOf(kind));
      pred.push(JSON.stringify({ id: `q${id}`, answer: predicted }));
    }
  }
  pred.push(JSON.stringify({ id: "not-in-gold", answer: "yes" }));
  const goldPath = path.join(dir, "gold.jsonl");
  const predPath = path.join(dir, "pred.jsonl");
  writeFileSync(goldPath, `${gold.join("\n")}\n`);
  writeFileSync(predPath, `${pred.join("\n")}\n`);
  return { gold: goldPath, pred: predPath, notes };
}

describe.skipIf(!haveSklearn())("QA scores equal scikit-learn's", () => {
  it("accuracy, balanced accuracy, macro- and micro-F1 per kind and overall, and their bootstrap intervals over the same resamples, to 1e-9", () => {
    const dir = tempDir();
    const { gold, pred, notes } = fixture(dir, 150, 11);
    const resamples = 60;
    const seed = 5;
    const ours = scoreQaFiles(gold, pred, { intervals: true, resamples, seed });
    const countsPath = path.join(dir, "counts.json");
    // Copied as drawn: the generator refills one array.
    writeFileSync(countsPath, JSON.stringify(Array.from(resampleCounts(notes, resamples, seed), (counts) => [...counts])));
    const run = spawnSync(DEBIAN_PYTHON, [SCRIPT, gold, pred, "--counts", countsPath], { encoding: "utf8", env: { ...process.env, PYTHONWARNINGS: "ignore" } });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const { seconds: _, ...reference } = JSON.parse(run.stdout) as Record<string, Record<string, number | [number, number]>>;

    const compared = { ...ours.by_kind, overall: ours.overall };
    expect(Object.keys(compared).sort()).toEqual(Object.keys(reference).sort());
    expect(Object.keys(compared)).toEqual(["boolean", "numeric", "na-boolean", "na-numeric", "overall"]);
    for (const [kind, metrics] of Object.entries(compared)) {
      const expected = reference[kind] as Record<string, number | [number, number]>;
      expect(metrics.n, kind).toBe(expected.n);
      expect(metrics.invalid_predictions, kind).toBe(expected.invalid_predictions);
      for (const metric of ["accuracy", "balanced_accuracy", "macro_f1", "micro_f1"] as const) {
        expect(Math.abs(metrics[metric] - (expected[metric] as number)), `${kind} ${metric}`).toBeLessThan(1e-9);
        const [low, high] = metrics[`${metric}_ci`] as [number, number];
        const [refLow, refHigh] = expected[`${metric}_ci`] as [number, number];
        expect(Math.abs(low - refLow), `${kind} ${metric} interval low`).toBeLessThan(1e-9);
        expect(Math.abs(high - refHigh), `${kind} ${metric} interval high`).toBeLessThan(1e-9);
      }
      // A fixture where the metrics disagree: the comparison would catch one computed in place of another.
      expect(metrics.balanced_accuracy, kind).not.toBeCloseTo(metrics.accuracy, 6);
    }
    expect(ours.overall.invalid_predictions).toBeGreaterThan(20);
    expect(ours.missing_predictions).toBeGreaterThan(0);
    expect(ours.predictions_without_gold).toBe(1);
  }, 60_000);
});
