/**
 * Cohort selection scored against n2c2-format gold (docs/domain.md §6 explains the two figures):
 *
 * - per criterion: accuracy, balanced accuracy, micro-F1 (scikit-learn's; on two labels the same
 *   as accuracy) and the F1 of "met"; their means over the criteria, the distillation study's figure;
 * - n2c2's own overall micro-F1: true positives, false positives and false negatives pooled over
 *   every criterion and patient, separately for "met" and for "not met", and the two F1s averaged.
 *
 * Both are reported, each labelled. A missing or unreadable predicted label is always wrong (a
 * false negative of the true label, never read as "not met").
 */
import path from "node:path";
import type { CohortReport } from "../../../src-shared/api.ts";
import { Tally } from "../classScores.ts";
import { filesEndingWith } from "../goldFiles.ts";
import { ScoringInputError } from "../scoringInputError.ts";
import { N2C2_CRITERIA, readN2c2File, type MetLabel } from "./n2c2.ts";

const LABEL: Record<MetLabel, number> = { met: 0, "not met": 1 };

export function scoreCohortFolders(goldDir: string, predDir: string): CohortReport {
  const predFiles = new Set(filesEndingWith(predDir, ".xml", "prediction"));
  return scoreCohort(goldDir, (name) => {
    if (!predFiles.has(name)) return { missing: `${name}: no prediction file (every criterion scored as an invalid answer)` };
    const read = readN2c2File(path.join(predDir, name));
    return "error" in read ? { unreadable: `${name}: prediction ${read.error} (every criterion scored as an invalid answer)` } : { labels: read.patient.tags };
  });
}

/**
 * A patient's predicted labels as the gold file's name finds them (a prediction file, or a
 * screening of the store: eval screen), or why there are none: every criterion is then an invalid answer.
 */
export type CohortPrediction = { labels: Record<string, MetLabel | null> } | { missing: string } | { unreadable: string };

/** The gold folder against predictions from anywhere, over `criteria` (default all 13; a screening scores the ones it asked). */
export function scoreCohort(goldDir: string, predictionFor: (goldFile: string) => CohortPrediction, criteria: readonly string[] = N2C2_CRITERIA): CohortReport {
  const goldFiles = filesEndingWith(goldDir, ".xml", "gold");
  const problems: string[] = [];
  const tallies = new Map(criteria.map((criterion) => [criterion, new Tally(2)]));
  const notes: string[] = [];
  let missingFiles = 0;
  let invalidLabels = 0;
  for (const name of goldFiles) {
    const gold = readN2c2File(path.join(goldDir, name));
    if ("error" in gold) {
      problems.push(`${name}: ${gold.error}`);
      continue;
    }
    const absent = criteria.filter((criterion) => gold.patient.tags[criterion] === null);
    if (absent.length > 0) problems.push(`${name}: no "met" or "not met" for ${absent.join(", ")}`);
    const prediction = predictionFor(name);
    let predicted: Record<string, MetLabel | null> = {};
    if ("missing" in prediction) {
      missingFiles++;
      notes.push(prediction.missing);
    } else if ("unreadable" in prediction) notes.push(prediction.unreadable);
    else predicted = prediction.labels;
    for (const criterion of criteria) {
      const truth = gold.patient.tags[criterion];
      if (truth === null || truth === undefined) continue;
      const guess = predicted[criterion] ?? null;
      if (guess === null) invalidLabels++;
      (tallies.get(criterion) as Tally).add(LABEL[truth], guess === null ? -1 : LABEL[guess]);
    }
  }
  if (problems.length > 0) throw new ScoringInputError(`${goldDir}: ${problems.length} gold file(s) cannot be used:\n  ${problems.join("\n  ")}`);

  const pooled = { met: { tp: 0, fp: 0, fn: 0 }, notMet: { tp: 0, fp: 0, fn: 0 } };
  const byCriterion = Object.fromEntries(
    criteria.map((criterion) => {
      const tally = tallies.get(criterion) as Tally;
      const scores = tally.scores();
      const met = tally.classCounts(LABEL.met);
      const notMet = tally.classCounts(LABEL["not met"]);
      for (const [sum, counts] of [[pooled.met, met], [pooled.notMet, notMet]] as const) {
        sum.tp += counts.tp;
        sum.fp += counts.fp;
        sum.fn += counts.fn;
      }
      return [criterion, { n: scores.n, accuracy: scores.accuracy, balanced_accuracy: scores.balancedAccuracy, micro_f1: scores.microF1, f1_met: f1(met), invalid_predictions: scores.invalid }];
    }),
  );
  const perCriterion = Object.values(byCriterion);
  const mean = (pick: (scores: (typeof perCriterion)[number]) => number | null): number | null => {
    const values = perCriterion.map(pick).filter((value): value is number => value !== null && !Number.isNaN(value));
    return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
  };
  const metF1 = f1(pooled.met);
  const notMetF1 = f1(pooled.notMet);
  return {
    patients: goldFiles.length,
    by_criterion: byCriterion,
    mean_over_criteria: { balanced_accuracy: mean((c) => c.balanced_accuracy), micro_f1: mean((c) => c.micro_f1) },
    n2c2_overall: { met: { ...pooled.met, f1: metF1 }, not_met: { ...pooled.notMet, f1: notMetF1 }, micro_f1: metF1 === null || notMetF1 === null ? null : (metF1 + notMetF1) / 2 },
    invalid_predictions: invalidLabels,
    missing_prediction_files: missingFiles,
    notes,
  };
}

function f1({ tp, fp, fn }: { tp: number; fp: number; fn: number }): number | null {
  return 2 * tp + fp + fn === 0 ? null : (2 * tp) / (2 * tp + fp + fn);
}

