/**
 * The points of a metric over training-set size: each scored model placed at the number of rows
 * it was fine-tuned on (its lineage's training set, train.jsonl), the base itself at 0. Only
 * fine-tunes of one base belong on one curve; a model of another base, or one whose lineage names
 * no training set, is refused with the reason rather than plotted somewhere misleading.
 */
import type { QaReport, TimelineReport, TrainingCurvePoint } from "../../../src-shared/api.ts";
import type { ModelLineage } from "../../../src-shared/modelLineage.ts";
import { ScoringInputError } from "../scoringInputError.ts";

/** The file of a training set whose rows a fine-tune was trained on (datasets/buildDataset.ts writes it). */
export const TRAIN_FILE = "train.jsonl";

export type CurveModel = { name: string; fingerprint: string; lineage: ModelLineage | null };
export type CurveRun = { model: CurveModel; report: TimelineReport | QaReport };
export type CurvePoints = { base: { name: string; fingerprint: string }; metrics: string[]; points: TrainingCurvePoint[]; refused: { model: string; reason: string }[] };

type Headline = { metric: string; value: number | null; ci: [number, number] | null };

/** The headline figures of a report: strict F1 overall for timelines; balanced accuracy and macro-F1 overall for QA. */
export function headlineMetrics(report: TimelineReport | QaReport): Headline[] {
  if ("strict" in report) return [{ metric: "strict F1", value: report.strict.overall.f1, ci: report.strict.overall.f1_ci ?? null }];
  return [
    { metric: "balanced accuracy", value: report.overall.balanced_accuracy, ci: report.overall.balanced_accuracy_ci ?? null },
    { metric: "macro-F1", value: report.overall.macro_f1, ci: report.overall.macro_f1_ci ?? null },
  ];
}

export function curvePoints(runs: readonly CurveRun[]): CurvePoints {
  const base = sharedBase(runs.map((run) => run.model));
  const short = (fingerprint: string) => fingerprint.slice(0, 12);
  const points: TrainingCurvePoint[] = [];
  const refused: CurvePoints["refused"] = [];
  for (const { model, report } of runs) {
    const rows = trainingRows(model, base);
    if (typeof rows === "string") {
      refused.push({ model: model.name, reason: rows });
      continue;
    }
    for (const { metric, value, ci } of headlineMetrics(report)) points.push({ model: model.name, training_rows: rows, metric, value, ci });
  }
  const metrics = runs[0] ? headlineMetrics(runs[0].report).map((headline) => headline.metric) : [];
  return { base: { name: base.name, fingerprint: base.fingerprint }, metrics, points: points.sort((a, b) => a.training_rows - b.training_rows), refused };

  /** The model's training rows on this base's curve, or why it has no place on it. */
  function trainingRows(model: CurveModel, curveBase: { name: string; fingerprint: string }): number | string {
    if (model.fingerprint === curveBase.fingerprint) return 0;
    const lineage = model.lineage;
    if (lineage === null) return `${model.name} has no lineage (it is not a fine-tune registered with one) and is not the base ${curveBase.name} itself`;
    if (lineage.base.fingerprint !== curveBase.fingerprint)
      return `${model.name} was fine-tuned from ${lineage.base.name} (fingerprint ${short(lineage.base.fingerprint)}), not from the curve's base ${curveBase.name} (${short(curveBase.fingerprint)})`;
    if (lineage.dataset === null) return `${model.name}'s lineage names no training set, so its training-set size is unknown`;
    const train = lineage.dataset.files[TRAIN_FILE];
    if (!train) return `${model.name}'s training set ${lineage.dataset.name} lists no ${TRAIN_FILE} (files: ${Object.keys(lineage.dataset.files).join(", ") || "none"})`;
    return train.rows;
  }
}

/** The base most of the models were fine-tuned from (the first named where as many name another). */
function sharedBase(models: readonly CurveModel[]): { name: string; fingerprint: string } {
  const named = new Map<string, { name: string; fingerprint: string; count: number }>();
  for (const { lineage } of models) {
    if (!lineage) continue;
    const seen = named.get(lineage.base.fingerprint) ?? { name: lineage.base.name, fingerprint: lineage.base.fingerprint, count: 0 };
    seen.count++;
    named.set(lineage.base.fingerprint, seen);
  }
  let best: { name: string; fingerprint: string; count: number } | undefined;
  for (const candidate of named.values()) if (!best || candidate.count > best.count) best = candidate;
  if (!best) throw new ScoringInputError(`none of the models (${models.map((model) => model.name).join(", ")}) is a fine-tune with a lineage: a curve over training-set size needs fine-tunes of one base`);
  return best;
}
