/**
 * Registered models' prediction sets scored against one gold set (timeline folder or QA file) with
 * intervals, placed on the curve of their headline metric over training-set size (curvePoints.ts)
 * and drawn: what `eval curve` writes and the Evaluation screen's curve shows. One run that cannot
 * be used (no such model, predictions that cannot be scored, another base) is named with why and
 * the rest are still drawn; only a curve with no point at all is refused.
 */
import { existsSync } from "node:fs";
import type { TrainingCurve } from "../../../src-shared/api.ts";
import type { Db } from "../../store/db.ts";
import { findModel, getModelById, modelLineage, type ModelRow } from "../../store/models.ts";
import { goldKind } from "../goldFiles.ts";
import { trainingCurveChart } from "../report/charts.ts";
import { scoreQaFiles } from "../scoreQaFiles.ts";
import { ScoringInputError } from "../scoringInputError.ts";
import { scoreTimelineFolders } from "../timeline/scoreTimelineFolders.ts";
import { curvePoints, type CurveRun } from "./curvePoints.ts";

/** A run names its model by id, or (on the command line) by id or name. */
export type CurveRunRequest = { predPath: string; model: number | string };
export type CurveRequest = { goldPath: string; runs: readonly CurveRunRequest[]; resamples?: number | undefined; seed?: number | undefined };

export async function trainingCurve(db: Db, request: CurveRequest): Promise<TrainingCurve> {
  const { goldPath } = request;
  if (!existsSync(goldPath)) throw new ScoringInputError(`${goldPath}: no such file or folder`);
  const kind = goldKind(goldPath);
  if (kind === "cohort") throw new ScoringInputError(`${goldPath}: a curve over training-set size is drawn for timeline or QA gold, not for n2c2 cohort files`);
  const bootstrap = { intervals: true, resamples: request.resamples ?? 1000, seed: request.seed ?? 1 };
  const scored: CurveRun[] = [];
  const refused: TrainingCurve["refused"] = [];
  const predPathOf = new Map<string, string>();
  for (const run of request.runs) {
    const model = typeof run.model === "number" || /^\d+$/.test(run.model) ? getModelById(db, Number(run.model)) : findModel(db, run.model);
    if (!model) {
      refused.push({ model: String(run.model), predPath: run.predPath, reason: `no registered model ${typeof run.model === "number" ? run.model : `"${run.model}"`}` });
      continue;
    }
    try {
      const report = kind === "timeline" ? scoreTimelineFolders(goldPath, run.predPath, bootstrap) : scoreQaFiles(goldPath, run.predPath, bootstrap);
      scored.push({ model: curveModel(model), report });
      predPathOf.set(model.name, run.predPath);
    } catch (error) {
      if (!(error instanceof ScoringInputError)) throw error;
      refused.push({ model: model.name, predPath: run.predPath, reason: error.message });
    }
  }
  if (scored.length === 0) throw new ScoringInputError(`no run could be scored:\n  ${refused.map((run) => `${run.model} (${run.predPath}): ${run.reason}`).join("\n  ")}`);
  const curve = curvePoints(scored);
  refused.push(...curve.refused.map((run) => ({ ...run, predPath: predPathOf.get(run.model) ?? null })));
  if (curve.points.length === 0) throw new ScoringInputError(`no run belongs on a curve of ${curve.base.name}'s fine-tunes:\n  ${refused.map((run) => run.reason).join("\n  ")}`);
  const title = `${curve.metrics.join(" and ")} over training-set size (fine-tunes of ${curve.base.name})`;
  const rows = curve.points.flatMap((point) => (point.value === null ? [] : [{ model: point.model, rows: point.training_rows, metric: point.metric, value: point.value, ...(point.ci ? { low: point.ci[0], high: point.ci[1] } : {}) }]));
  const unit = kind === "timeline" ? "letters" : "notes";
  const svg = await trainingCurveChart(rows, title, `value (95% bootstrap interval over ${unit})`);
  return { kind, gold: goldPath, ...curve, refused, bootstrap: { resamples: bootstrap.resamples, seed: bootstrap.seed, level: 0.95 }, chart: { title, svg } };
}

function curveModel(model: ModelRow): CurveRun["model"] {
  return { name: model.name, fingerprint: model.fingerprint, lineage: modelLineage(model) };
}
