/**
 * Question/answer scoring the study's way (docs/domain.md §6), per question kind and overall:
 * accuracy, balanced accuracy, macro- and micro-F1 over the gold's classes (classScores.ts), the
 * count of invalid answers (a missing prediction is one), and, when asked, 95% percentile
 * bootstrap intervals resampling notes (bootstrap.ts).
 */
import type { QaKind, QaMetrics, QaReport } from "../../src-shared/api.ts";
import { DEFAULT_RESAMPLES, DEFAULT_SEED, percentileInterval, resampleCounts } from "./bootstrap.ts";
import { Tally, type ClassScores } from "./classScores.ts";
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

/**
 * `criterion`: the id of a threshold criterion (criteria.ts) its numbers are judged by, when it has
 * one; `question`: what is asked (needed only to ask a model: eval run --qa).
 */
export type QaGoldItem = { id: string; noteId: string; kind: QaKind; answer: QaLabel; criterion?: string; question?: string };

export const QA_METRICS = ["accuracy", "balanced_accuracy", "macro_f1", "micro_f1"] as const;
export type QaMetric = (typeof QA_METRICS)[number];

export type QaScoreOptions = { intervals?: boolean; resamples?: number; seed?: number; level?: number };

/**
 * A gold set and one model's predictions (id → the answer as read; null: unreadable), ready to be
 * scored under any weighting of its notes: all once (the point estimate), or as a bootstrap
 * resample drew them. Notes are in the gold's order, so two models on one gold share them.
 */
export class QaScoring {
  readonly kinds: readonly QaKind[];
  readonly notes: number;
  readonly missingPredictions: number;
  readonly predictionsWithoutGold: number;
  private readonly members: number[][];
  private readonly items: { kind: number; gold: number; predicted: number }[];
  private readonly tallies: Tally[];

  constructor(gold: readonly QaGoldItem[], predictions: ReadonlyMap<string, QaLabel | null>) {
    const labels = new Map<QaLabel, number>();
    const labelOf = (label: QaLabel): number => {
      let id = labels.get(label);
      if (id === undefined) labels.set(label, (id = labels.size));
      return id;
    };
    this.kinds = QA_KINDS.filter((kind) => gold.some((item) => item.kind === kind));
    const goldIds = new Set<string>();
    const notes = new Map<string, number[]>();
    let missing = 0;
    this.items = gold.map((item, index) => {
      goldIds.add(item.id);
      let note = notes.get(item.noteId);
      if (!note) notes.set(item.noteId, (note = []));
      note.push(index);
      const predicted = predictions.get(item.id);
      if (predicted === undefined) missing++;
      // A label first seen in a prediction gets a number too: it is no class (no gold support), so it counts only as a miss.
      return { kind: this.kinds.indexOf(item.kind), gold: labelOf(item.answer), predicted: predicted === undefined || predicted === null ? -1 : labelOf(predicted) };
    });
    this.members = [...notes.values()];
    this.notes = this.members.length;
    this.missingPredictions = missing;
    this.predictionsWithoutGold = [...predictions.keys()].filter((id) => !goldIds.has(id)).length;
    this.tallies = [...this.kinds.map(() => new Tally(labels.size)), new Tally(labels.size)];
  }

  /** Each kind's metrics, then the overall ones; `weights[i]`: how often note i counts (default once). */
  metrics(weights?: Uint32Array): QaMetrics[] {
    const overall = this.tallies.length - 1;
    for (const tally of this.tallies) tally.reset();
    this.members.forEach((members, note) => {
      const times = weights ? (weights[note] as number) : 1;
      if (times === 0) return;
      for (const index of members) {
        const item = this.items[index] as (typeof this.items)[number];
        (this.tallies[item.kind] as Tally).add(item.gold, item.predicted, times);
        (this.tallies[overall] as Tally).add(item.gold, item.predicted, times);
      }
    });
    return this.tallies.map((tally) => metrics(tally.scores()));
  }
}

export function scoreQa(gold: readonly QaGoldItem[], predictions: ReadonlyMap<string, QaLabel | null>, options: QaScoreOptions = {}): QaReport {
  return qaReport(new QaScoring(gold, predictions), options);
}

/** The report of a gold set and one model's predictions, read already (QaScoring). */
export function qaReport(scoring: QaScoring, options: QaScoreOptions = {}): QaReport {
  const point = scoring.metrics();
  let bootstrap: QaReport["bootstrap"] = null;
  if (options.intervals) {
    const resamples = options.resamples ?? DEFAULT_RESAMPLES;
    const seed = options.seed ?? DEFAULT_SEED;
    const level = options.level ?? 0.95;
    const draws = point.map(() => Object.fromEntries(QA_METRICS.map((metric) => [metric, [] as number[]])) as Record<QaMetric, number[]>);
    for (const counts of resampleCounts(scoring.notes, resamples, seed)) {
      scoring.metrics(counts).forEach((scores, t) => {
        for (const metric of QA_METRICS) (draws[t] as Record<QaMetric, number[]>)[metric].push(scores[metric]);
      });
    }
    point.forEach((scores, t) => {
      for (const metric of QA_METRICS) scores[`${metric}_ci`] = percentileInterval((draws[t] as Record<QaMetric, number[]>)[metric], level);
    });
    bootstrap = { resamples, seed, level, unit: "note" };
  }
  return {
    by_kind: Object.fromEntries(scoring.kinds.map((kind, k) => [kind, point[k]])),
    overall: point.at(-1) as QaMetrics,
    missing_predictions: scoring.missingPredictions,
    predictions_without_gold: scoring.predictionsWithoutGold,
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
