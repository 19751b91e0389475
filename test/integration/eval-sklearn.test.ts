/**
 * The QA scores against scikit-learn, computed independently (scripts/bench/qa_sklearn.py
 * normalises answers from the written rule and scores with sklearn), to 1e-9: the point scores
 * per kind and overall, and the bootstrap intervals over the very same resamples of notes.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../src-main/base/seededRandom.ts";
import { percentileInterval, resampleCounts } from "../../src-main/evaluate/bootstrap.ts";
import { compareQaFiles } from "../../src-main/evaluate/compare.ts";
import { scoreQaFiles } from "../../src-main/evaluate/scoreQaFiles.ts";
import { DEBIAN_PYTHON, haveSklearn } from "../helpers/python.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const SCRIPT = path.join(import.meta.dirname, "../../scripts/bench/qa_sklearn.py");

type Reference = Record<string, Record<string, number | number[] | [number, number]>>;

function sklearn(gold: string, pred: string, countsPath: string): Reference {
  const run = spawnSync(DEBIAN_PYTHON, [SCRIPT, gold, pred, "--counts", countsPath], { encoding: "utf8", env: { ...process.env, PYTHONWARNINGS: "ignore" }, maxBuffer: 1 << 24 });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  const { seconds: _, ...reference } = JSON.parse(run.stdout) as Reference;
  return reference;
}

/** Notes of 1 to 6 questions of every kind, answers spelled as teachers and models spell them, predictions right ~70% of the time. */
function fixture(dir: string, notes: number, seed: number, right = 0.73): { gold: string; pred: string; notes: number } {
  const random = seededRandom(seed);
  const predictionRandom = seededRandom(seed * 7919 + Math.round(right * 1000));
  const pickWith = <T,>(draw: () => number, values: readonly T[]): T => values[Math.floor(draw() * values.length)] as T;
  const pick = <T,>(values: readonly T[]): T => pickWith(random, values);
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
      // The prediction's draws come from a second stream, so the gold is the same whatever `right` is.
      const mine = predictionRandom();
      if (mine < 0.03) continue; // no prediction: an invalid answer
      const predicted = mine < right ? answer : mine < right + 0.07 ? pickWith(predictionRandom, ["maybe", "unclear", "see letter"]) : mine < right + 0.12 ? 999 : pickWith(predictionRandom, answersOf(kind));
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
    const reference = sklearn(gold, pred, countsPath);

    const compared = { ...ours.by_kind, overall: ours.overall } as Record<string, Record<string, number | [number, number] | undefined>>;
    expect(Object.keys(compared).sort()).toEqual(Object.keys(reference).sort());
    expect(Object.keys(compared)).toEqual(["boolean", "numeric", "na-boolean", "na-numeric", "overall"]);
    for (const [kind, metrics] of Object.entries(compared)) {
      const expected = reference[kind] as Record<string, number | [number, number]>;
      const actual = metrics as unknown as Record<string, number | [number, number]>;
      expect(actual.n, kind).toBe(expected.n);
      expect(actual.invalid_predictions, kind).toBe(expected.invalid_predictions);
      for (const metric of ["accuracy", "balanced_accuracy", "macro_f1", "micro_f1"] as const) {
        expect(Math.abs((actual[metric] as number) - (expected[metric] as number)), `${kind} ${metric}`).toBeLessThan(1e-9);
        const [low, high] = actual[`${metric}_ci`] as [number, number];
        const [refLow, refHigh] = expected[`${metric}_ci`] as [number, number];
        expect(Math.abs(low - refLow), `${kind} ${metric} interval low`).toBeLessThan(1e-9);
        expect(Math.abs(high - refHigh), `${kind} ${metric} interval high`).toBeLessThan(1e-9);
      }
      // A fixture where the metrics disagree: the comparison would catch one computed in place of another.
      expect(actual.balanced_accuracy, kind).not.toBeCloseTo(actual.accuracy as number, 6);
    }
    expect(ours.overall.invalid_predictions).toBeGreaterThan(20);
    expect(ours.missing_predictions).toBeGreaterThan(0);
    expect(ours.predictions_without_gold).toBe(1);
  }, 60_000);

  it("a paired comparison: A - B and its interval over the same resamples equal those from scikit-learn's figures for each model, to 1e-9", () => {
    const dir = tempDir();
    const a = fixture(path.join(dir), 120, 21);
    // Model B: another set of predictions for the same gold (a fixture of the same seed has the same gold).
    const bDir = path.join(dir, "b");
    mkdirSync(bDir);
    const b = fixture(bDir, 120, 21, 0.6);
    expect(readFileSync(b.gold, "utf8")).toBe(readFileSync(a.gold, "utf8"));
    const resamples = 50;
    const seed = 9;
    const countsPath = path.join(dir, "counts.json");
    writeFileSync(countsPath, JSON.stringify(Array.from(resampleCounts(a.notes, resamples, seed), (counts) => [...counts])));
    const refA = sklearn(a.gold, a.pred, countsPath);
    const refB = sklearn(a.gold, b.pred, countsPath);
    const ours = compareQaFiles(a.gold, [a.pred, b.pred], { resamples, seed, names: ["A", "B"] });
    expect(ours.models).toEqual({ a: "A", b: "B" });
    const groups = { ...ours.by_kind, overall: ours.overall };
    for (const [group, metrics] of Object.entries(groups)) {
      for (const [metric, paired] of Object.entries(metrics)) {
        const pointA = (refA[group] as Record<string, number>)[metric] as number;
        const pointB = (refB[group] as Record<string, number>)[metric] as number;
        expect(Math.abs((paired.difference as number) - (pointA - pointB)), `${group} ${metric}`).toBeLessThan(1e-9);
        const drawsA = (refA[group] as Record<string, number[]>)[`${metric}_draws`] as number[];
        const drawsB = (refB[group] as Record<string, number[]>)[`${metric}_draws`] as number[];
        const differences = drawsA.map((value, i) => value - (drawsB[i] as number));
        const [low, high] = percentileInterval(differences);
        expect(Math.abs((paired.difference_ci as [number, number])[0] - low), `${group} ${metric} low`).toBeLessThan(1e-9);
        expect(Math.abs((paired.difference_ci as [number, number])[1] - high), `${group} ${metric} high`).toBeLessThan(1e-9);
        const changed = differences.filter((value) => Math.sign(value) !== Math.sign(pointA - pointB)).length / differences.length;
        expect(paired.sign_change_share, `${group} ${metric} sign changes`).toBeCloseTo(changed, 12);
      }
    }
    // B is right less often: A is better overall, and the interval says so.
    expect(ours.overall.accuracy.difference).toBeGreaterThan(0);
    expect((ours.overall.accuracy.difference_ci as [number, number])[0]).toBeGreaterThan(0);
    // A model against itself: no difference, in every resample.
    const self = compareQaFiles(a.gold, [a.pred, a.pred], { resamples, seed });
    expect(self.overall.micro_f1).toMatchObject({ difference: 0, difference_ci: [0, 0], sign_change_share: 0 });
  }, 60_000);
});
