import { z } from "zod";
import { endpoint } from "./endpoint.ts";

/** The four question kinds of the distillation study (docs/domain.md §4). */
export type QaKind = "boolean" | "numeric" | "na-boolean" | "na-numeric";
type QaMetric = "accuracy" | "balanced_accuracy" | "macro_f1" | "micro_f1";

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

export const evaluateApi = {
  /** Scores a QA prediction file against a gold file (JSON Lines, see `oncotimeline eval score --help`). */
  "eval.scoreQaFiles": endpoint<QaReport>()(
    BootstrapSettingsSchema.extend({ goldPath: z.string().trim().min(1), predPath: z.string().trim().min(1) }),
  ),
} as const;
