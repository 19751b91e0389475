/**
 * Question/answer scoring the study's way (docs/domain.md §6), per question kind and overall:
 * accuracy, balanced accuracy, macro- and micro-F1 over the gold's classes (classScores.ts), the
 * count of invalid answers (a missing prediction is one), and, when asked, 95% percentile
 * bootstrap intervals resampling notes (bootstrap.ts).
 */
import { DEFAULT_RESAMPLES, DEFAULT_SEED, percentileInterval, resampleCounts } from "./bootstrap.ts";
import { Tally, type ClassScores } from "./classScores.ts";
import type { QaKind, QaMetrics, QaReport } from "../../src-shared/api.ts";
import type { QaLabel } from "./qaAnswer.ts";

export const QA_KINDS: readonly QaKind[] = ["boolean", "numeric", "na-boolean", "na-numeric"];

/** The synthetic studio's kind names (synth/qaSchema.ts) are read as the same four kinds. */
export const QA_KIND_NAMES: Readonly<Record<string, QaKind>> = {
  boolean: "boolean",
  numeric: "numeric",
  "na-boolean": "na-boolean",
  "na-numeric": "na-numeric",
  yes_no: "boolean",
  not_answerable_yes_no: "na-boolean",
  not_answerable_numeric: "na-numeric",
};

export type QaGoldItem = { id: string; noteId: string; kind: QaKind; answer: QaLabel };

const METRICS = ["accuracy", "balanced_accuracy", "macro_f1", "micro_f1"] as const;
type Metric = (typeof METRICS)[number];

export type QaScoreOptions = { intervals?: boolean; resamples?: number; seed?: number; level?: number };

/** `predictions`: id → the answer as read (null: unreadable). */
export function scoreQa(gold: readonly QaGoldItem[], predictions: ReadonlyMap<string, QaLabel | null>, options: QaScoreOptions = {}): QaReport {
  const labels = new Map<QaLabel, number>();
  const labelOf = (label: QaLabel): number => {
    let id = labels.get(label);
    if (id === undefined) labels.set(label, (id = labels.size));
    return id;
  };
  const kinds = QA_KINDS.filter((kind) => gold.some((item) => item.kind === kind));
  const goldIds = new Set<string>();
  const notes = new Map<string, number[]>();
  const items = gold.map((item, index) => {
    goldIds.add(item.id);
    let note = notes.get(item.noteId);
    if (!note) notes.set(item.noteId, (note = []));
    note.push(index);
    const predicted = predictions.get(item.id);
    return { kind: kinds.indexOf(item.kind), gold: labelOf(item.answer), predicted: predicted === undefined || predicted === null ? -1 : labelOf(predicted), missing: predicted === undefined };
  });
  // Labels first seen in predictions get numbers too: they are no class (no gold support) but count as false positives nowhere.
  const tallies = [...kinds.map(() => new Tally(labels.size)), new Tally(labels.size)];
  const overall = tallies.length - 1;
  const fill = (weightOf: (noteIndex: number) => number): void => {
    for (const tally of tallies) tally.reset();
    let noteIndex = 0;
    for (const members of notes.values()) {
      const times = weightOf(noteIndex++);
      if (times === 0) continue;
      for (const index of members) {
        const item = items[index] as (typeof items)[number];
        (tallies[item.kind] as Tally).add(item.gold, item.predicted, times);
        (tallies[overall] as Tally).add(item.gold, item.predicted, times);
      }
    }
  };
  fill(() => 1);
  const point = tallies.map((tally) => metrics(tally.scores()));

  let bootstrap: QaReport["bootstrap"] = null;
  if (options.intervals) {
    const resamples = options.resamples ?? DEFAULT_RESAMPLES;
    const seed = options.seed ?? DEFAULT_SEED;
    const level = options.level ?? 0.95;
    const draws = tallies.map(() => Object.fromEntries(METRICS.map((metric) => [metric, [] as number[]])) as Record<Metric, number[]>);
    for (const counts of resampleCounts(notes.size, resamples, seed)) {
      fill((noteIndex) => counts[noteIndex] as number);
      tallies.forEach((tally, t) => {
        const scores = metrics(tally.scores());
        for (const metric of METRICS) (draws[t] as Record<Metric, number[]>)[metric].push(scores[metric]);
      });
    }
    point.forEach((scores, t) => {
      for (const metric of METRICS) scores[`${metric}_ci`] = percentileInterval((draws[t] as Record<Metric, number[]>)[metric], level);
    });
    bootstrap = { resamples, seed, level, unit: "note" };
  }

  let withoutGold = 0;
  for (const id of predictions.keys()) if (!goldIds.has(id)) withoutGold++;
  return {
    by_kind: Object.fromEntries(kinds.map((kind, k) => [kind, point[k]])),
    overall: point[overall] as QaMetrics,
    missing_predictions: items.filter((item) => item.missing).length,
    predictions_without_gold: withoutGold,
    bootstrap,
  };
}

function metrics(scores: ClassScores): QaMetrics {
  return {
    n: scores.n,
    accuracy: scores.accuracy,
    balanced_accuracy: scores.balancedAccuracy,
    macro_f1: scores.macroF1,
    micro_f1: scores.microF1,
    invalid_predictions: scores.invalid,
  };
}
