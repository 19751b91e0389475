/**
 * `eval report`: the scores of one or two models against a gold set (QA file, timeline or n2c2 folder)
 * as a self-contained HTML report with its charts, and every number as CSV beside it. Intervals
 * are always drawn (a report without them would invite over-reading a difference).
 */
import path from "node:path";
import { writeFileAtomically } from "../base/atomicFile.ts";
import { CliError, EXIT, type Reporter } from "../cliKit/reporter.ts";
import type { EvaluationView } from "../../src-shared/api.ts";
import { evaluateModels } from "./evaluation.ts";
import { figuresCsv } from "./report/figuresCsv.ts";
import { reportHtml } from "./report/htmlReport.ts";
import { bootstrapFlags } from "./scoreCommand.ts";
import { ScoringInputError } from "./scoringInputError.ts";

export type ReportFlags = { gold: string; pred: string[]; names?: string; out: string; csv?: string; title?: string; resamples?: string; seed?: string };

export async function reportCommand(flags: ReportFlags, reporter: Reporter): Promise<number> {
  if (flags.pred.length < 1 || flags.pred.length > 2) throw new CliError(`eval report takes --pred once or twice (one model, or two to compare), not ${flags.pred.length} time(s)`);
  const names = flags.names?.split(",").map((name) => name.trim());
  let view: EvaluationView;
  try {
    view = await evaluateModels({ goldPath: flags.gold, predPaths: flags.pred, names, ...bootstrapFlags(flags) });
  } catch (error) {
    if (error instanceof ScoringInputError) throw new CliError(error.message);
    throw error;
  }
  const html = reportHtml(view, flags.title ?? `Evaluation against ${path.basename(flags.gold)}`);
  const numbers = { ...Object.fromEntries(view.models.map((model) => [model.name, model.report])), ...(view.comparison ? { comparison: view.comparison } : {}) };
  const htmlPath = writeFileAtomically(flags.out, (write) => write(html));
  const csvPath = writeFileAtomically(flags.csv ?? flags.out.replace(/\.html?$/i, "") + ".csv", (write) => write(figuresCsv(numbers)));
  reporter.event({ type: "summary", html: htmlPath, csv: csvPath }, `Wrote the report to ${htmlPath} and every figure to ${csvPath}`);
  return EXIT.ok;
}
