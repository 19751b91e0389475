/**
 * The headline figures of a two-model comparison, named, in the order they are shown: what the
 * forest plot draws (main process) and the Evaluation screen's table lists, from one list.
 */
import type { PairedFigure, QaComparison, TimelineComparison } from "./api.ts";

export type NamedFigure = [name: string, figure: PairedFigure];

/** Strict F1 overall and per section, then relaxed F1 overall. */
export function timelineHeadline(comparison: TimelineComparison): NamedFigure[] {
  return [
    ["strict overall", comparison.strict.overall],
    ...Object.entries(comparison.strict.by_section).map(([section, paired]): NamedFigure => [`strict ${section}`, paired]),
    ["relaxed overall", comparison.relaxed.overall],
  ];
}

/** Balanced accuracy per question kind and overall, then the overall micro-F1. */
export function qaHeadline(comparison: QaComparison): NamedFigure[] {
  return [
    ...Object.entries(comparison.by_kind).map(([kind, scores]): NamedFigure => [`${kind} balanced accuracy`, scores.balanced_accuracy]),
    ["overall balanced accuracy", comparison.overall.balanced_accuracy],
    ["overall micro-F1", comparison.overall.micro_f1],
  ];
}
