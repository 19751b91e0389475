import { z } from "zod";
import { endpoint } from "./endpoint.ts";

/** The four question kinds of the distillation study (docs/domain.md §4). */
export type QaKind = "boolean" | "numeric" | "na-boolean" | "na-numeric";
export type QaMetric = "accuracy" | "balanced_accuracy" | "macro_f1" | "micro_f1";

/** One kind's (or all kinds') scores; `<metric>_ci` is the bootstrap interval, when asked for. */
export type QaMetrics = { n: number; invalid_predictions: number } & Record<QaMetric, number> & Partial<Record<`${QaMetric}_ci`, [number, number]>>;

export type QaReport = {
  by_kind: Partial<Record<QaKind, QaMetrics>>;
  overall: QaMetrics;
  /** Gold items with no prediction (each counted as an invalid answer). */
  missing_predictions: number;
  /** Predictions whose id is in no gold item (left out of every score). */
  predictions_without_gold: number;
  bootstrap: { resamples: number; seed: number; level: number; unit: "note" } | null;
};

/** Bootstrap settings, shared by the CLI's flags and the app's calls. */
export const BootstrapSettingsSchema = z.strictObject({
  intervals: z.boolean().default(true),
  resamples: z.number().int().min(100).max(100_000).default(1000),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
});



/** Precision, recall and F1 from counts; null where a ratio has nothing to divide by. */
export type Prf = { tp: number; fp: number; fn: number; precision: number | null; recall: number | null; f1: number | null; f1_ci?: [number, number] };

export type TimelineModeReport = {
  overall: Prf;
  /** primary_cancer (its scalar fields), cancer_timeline, other_cancers, patient_facts, status_updates. */
  by_section: Record<string, Prf>;
  /** The primary cancer's scalar fields, one by one. */
  by_field: Record<string, Prf>;
  /** List items by their type (an other cancer's type is "other_cancer"). */
  by_type: Record<string, Prf>;
  /** The mean of the letters' own F1 (letters where it is defined), beside the pooled (micro) figures above. */
  macro_f1: number | null;
};

export type TimelineLetterReport = {
  name: string;
  /** Why the prediction could not be used (missing or not JSON): scored as predicting nothing. */
  problem: string | null;
  strict: { tp: number; fp: number; fn: number };
  relaxed: { tp: number; fp: number; fn: number };
  /** Strict mode's misses and false positives, each named. */
  misses: { section: string; type: string; gold: string | null; predicted: string | null }[];
  /** What the reader noticed in the gold or prediction (types outside the schema, items left out). */
  notes: string[];
};

/** The column of gold events no predicted event was paired with, and the row of predicted events no gold event was. */
export const MISSED_EVENT = "(missed)";
export const SPURIOUS_EVENT = "(spurious)";

/**
 * Timeline events paired one-to-one regardless of type (relaxed text and dates), pooled over
 * letters: `counts[goldType][predictedType]`, each gold type's row ending in MISSED_EVENT, and a
 * last row SPURIOUS_EVENT for predicted events with no gold partner. `types` is the order of rows
 * and columns: the schema's event types, then any other type the gold or predictions used.
 */
export type EventTypeConfusion = { types: string[]; counts: Record<string, Record<string, number>> };

export type TimelineReport = {
  letters: number;
  strict: TimelineModeReport;
  relaxed: TimelineModeReport;
  /** Relaxed text similarity: fuzzball's token-sort ratio at or above this (0-100). */
  relaxed_similarity: number;
  /** Prediction files that parsed as JSON, over the gold letters. */
  json_validity: { valid: number; invalid: number; missing: number; rate: number };
  /** Timeline events matched by type and text alone (relaxed text), and how often their dates agree where the gold gives one. */
  date_accuracy: { events_with_year: number; year_accuracy: number | null; events_with_month: number; month_accuracy: number | null };
  predictions_without_gold: number;
  event_type_confusion: EventTypeConfusion;
  bootstrap: { resamples: number; seed: number; level: number; unit: "letter" } | null;
  by_letter: TimelineLetterReport[];
};

/** Model A's figure, B's, A − B with its paired-bootstrap interval, and the share of resamples where the difference changes sign. */
export type PairedFigure = { a: number | null; b: number | null; difference: number | null; difference_ci: [number, number] | null; sign_change_share: number | null };

export type QaComparison = {
  models: { a: string; b: string };
  by_kind: Partial<Record<QaKind, Record<QaMetric, PairedFigure>>>;
  overall: Record<QaMetric, PairedFigure>;
  bootstrap: { resamples: number; seed: number; level: number; unit: "note" };
};

export type TimelineComparison = {
  models: { a: string; b: string };
  /** F1, overall and per section. */
  strict: { overall: PairedFigure; by_section: Record<string, PairedFigure> };
  relaxed: { overall: PairedFigure; by_section: Record<string, PairedFigure> };
  bootstrap: { resamples: number; seed: number; level: number; unit: "letter" };
};

/** One criterion over the patients: the study's figures (micro-F1 on two labels equals accuracy) and the F1 of "met". */
export type CriterionScores = { n: number; accuracy: number; balanced_accuracy: number; micro_f1: number; f1_met: number | null; invalid_predictions: number };

export type CohortReport = {
  patients: number;
  by_criterion: Record<string, CriterionScores>;
  /** The distillation study's figure: per-criterion scores averaged over the 13 criteria. */
  mean_over_criteria: { balanced_accuracy: number | null; micro_f1: number | null };
  /** n2c2 2018's own figure: counts pooled over all criteria and patients, the F1 of "met" and of "not met" averaged. */
  n2c2_overall: { met: { tp: number; fp: number; fn: number; f1: number | null }; not_met: { tp: number; fp: number; fn: number; f1: number | null }; micro_f1: number | null };
  invalid_predictions: number;
  missing_prediction_files: number;
  notes: string[];
};

/** A chart drawn in the main process as static SVG (no script), for the screen and the HTML report alike. */
export type ChartSvg = { title: string; svg: string };

/** One or two models scored against a gold set, with the comparison of two and the charts: what the Evaluation screen shows and `eval report` writes. */
export type EvaluationView =
  | { kind: "timeline"; gold: string; models: { name: string; report: TimelineReport }[]; comparison: TimelineComparison | null; charts: ChartSvg[] }
  | { kind: "qa"; gold: string; models: { name: string; report: QaReport }[]; comparison: QaComparison | null; charts: ChartSvg[] }
  | { kind: "cohort"; gold: string; models: { name: string; report: CohortReport }[]; comparison: null; charts: ChartSvg[] };

/** One model's headline metric at its training-set size (0 for the base itself), with its 95% bootstrap interval. */
export type TrainingCurvePoint = { model: string; training_rows: number; metric: string; value: number | null; ci: [number, number] | null };

/**
 * Fine-tunes of one base scored against one gold set, their headline metric (strict F1 for
 * timelines; balanced accuracy and macro-F1 for QA) against the rows they were trained on; the
 * runs that cannot be placed on it (another base, no training set in their lineage, no such
 * model, predictions that cannot be scored) named with why.
 */
export type TrainingCurve = {
  kind: "timeline" | "qa";
  gold: string;
  base: { name: string; fingerprint: string };
  metrics: string[];
  points: TrainingCurvePoint[];
  refused: { model: string; predPath: string | null; reason: string }[];
  bootstrap: { resamples: number; seed: number; level: number };
  chart: ChartSvg;
};

export const TrainingCurveRequestSchema = BootstrapSettingsSchema.omit({ intervals: true }).extend({
  goldPath: z.string().trim().min(1),
  /** Each run: a registered model's predictions over the gold set. */
  runs: z.array(z.strictObject({ predPath: z.string().trim().min(1), modelId: z.number().int().positive() })).min(2).max(50),
});

export const EvaluationRequestSchema = BootstrapSettingsSchema.omit({ intervals: true }).extend({
  /** A QA gold file (.jsonl), or a folder of timeline documents (.json) or of n2c2 files (.xml). */
  goldPath: z.string().trim().min(1),
  /** One model's predictions, or two to compare (the first is A). */
  predPaths: z.array(z.string().trim().min(1)).min(1).max(2),
  names: z.array(z.string().trim().min(1).max(80)).min(1).max(2).optional(),
});

export const evaluateApi = {
  /** One or two models against a gold set of any kind, scored with intervals, compared, and charted (the Evaluation screen). */
  "eval.evaluate": endpoint<EvaluationView>()(EvaluationRequestSchema),
  /** Several fine-tunes of one base against a gold set: the headline metric over training-set size (a registered model per run, its lineage read from the store). */
  "eval.trainingCurve": endpoint<TrainingCurve>()(TrainingCurveRequestSchema),
  /** Scores a QA prediction file against a gold file (JSON Lines, see `oncotimeline eval score --help`). */
  "eval.scoreQaFiles": endpoint<QaReport>()(
    BootstrapSettingsSchema.extend({ goldPath: z.string().trim().min(1), predPath: z.string().trim().min(1) }),
  ),
  /** Two models' QA predictions against one gold file: A − B per kind and metric, with paired-bootstrap intervals. */
  "eval.compareQaFiles": endpoint<QaComparison>()(
    BootstrapSettingsSchema.omit({ intervals: true }).extend({ goldPath: z.string().trim().min(1), predPaths: z.tuple([z.string().trim().min(1), z.string().trim().min(1)]), names: z.tuple([z.string().min(1).max(80), z.string().min(1).max(80)]).optional() }),
  ),
  /** Two models' timeline folders against one gold folder: A − B in F1, overall and per section, strict and relaxed. */
  "eval.compareTimelineFolders": endpoint<TimelineComparison>()(
    BootstrapSettingsSchema.omit({ intervals: true }).extend({ goldDir: z.string().trim().min(1), predDirs: z.tuple([z.string().trim().min(1), z.string().trim().min(1)]), names: z.tuple([z.string().min(1).max(80), z.string().min(1).max(80)]).optional() }),
  ),
  /** Scores a folder of n2c2-format predictions (XML, one per patient) against the gold folder: per criterion, their mean, and n2c2's overall micro-F1. */
  "eval.scoreCohortFolders": endpoint<CohortReport>()(z.strictObject({ goldDir: z.string().trim().min(1), predDir: z.string().trim().min(1) })),
  /** Scores a folder of predicted timeline documents against a folder of gold ones, paired by file name. */
  "eval.scoreTimelineFolders": endpoint<TimelineReport>()(
    BootstrapSettingsSchema.extend({ goldDir: z.string().trim().min(1), predDir: z.string().trim().min(1) }),
  ),
} as const;
