/**
 * `eval curve`: registered models' predictions against one gold set, their headline metric over
 * the size of the training set each was fine-tuned on, as a self-contained HTML page with the
 * chart and a CSV of the points. A run left off the curve is named with why and the rest are
 * drawn (exit status 1); the command fails (2) only when no point is left.
 */
import { stringify } from "csv-stringify/sync";
import path from "node:path";
import { writeFileAtomically } from "../base/atomicFile.ts";
import { CliError, EXIT, type Reporter } from "../cliKit/reporter.ts";
import type { Db } from "../store/db.ts";
import type { TrainingCurve } from "../../src-shared/api.ts";
import { trainingCurve } from "./curve/trainingCurve.ts";
import { curveHtml } from "./report/htmlReport.ts";
import { bootstrapFlags } from "./scoreCommand.ts";
import { ScoringInputError } from "./scoringInputError.ts";

export type CurveFlags = { gold: string; pred: string[]; model: string[]; out: string; csv?: string; title?: string; resamples?: string; seed?: string };

export async function curveCommand(db: Db, flags: CurveFlags, reporter: Reporter): Promise<number> {
  if (flags.pred.length !== flags.model.length) throw new CliError(`give one --model per --pred, in the same order: ${flags.pred.length} --pred and ${flags.model.length} --model`);
  if (flags.pred.length < 2) throw new CliError(`eval curve needs two runs or more (--pred P --model ID, repeated), not ${flags.pred.length}`);
  let curve: TrainingCurve;
  try {
    curve = await trainingCurve(db, { goldPath: flags.gold, runs: flags.pred.map((predPath, i) => ({ predPath, model: flags.model[i] as string })), ...bootstrapFlags(flags) });
  } catch (error) {
    if (error instanceof ScoringInputError) throw new CliError(error.message);
    throw error;
  }
  for (const run of curve.refused) reporter.event({ type: "refused", ...run }, `left off the curve: ${run.reason}`);
  const htmlPath = writeFileAtomically(flags.out, (write) => write(curveHtml(curve, flags.title ?? `Over training-set size, against ${path.basename(flags.gold)}`)));
  const csvPath = writeFileAtomically(flags.csv ?? flags.out.replace(/\.html?$/i, "") + ".csv", (write) => write(curveCsv(curve)));
  reporter.event(
    { type: "summary", html: htmlPath, csv: csvPath, base: curve.base, points: curve.points, refused: curve.refused.length },
    `Wrote the curve (${new Set(curve.points.map((point) => point.model)).size} models on ${curve.base.name}) to ${htmlPath} and its points to ${csvPath}`,
  );
  // Like a batch with a failed item: the curve is written, and the status says it is not whole.
  return curve.refused.length > 0 ? EXIT.someFailed : EXIT.ok;
}

/** One row per model and metric, nothing rounded; an undefined value or interval is an empty cell. */
export function curveCsv(curve: TrainingCurve): string {
  const rows = curve.points.map((point) => [point.model, point.training_rows, point.metric, point.value ?? "", point.ci?.[0] ?? "", point.ci?.[1] ?? ""]);
  return stringify(rows, { header: true, columns: ["model", "training_rows", "metric", "value", "ci_low", "ci_high"] });
}
