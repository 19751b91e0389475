/**
 * `eval report`: the scores of one or two models against a gold set (QA file or timeline folder)
 * as a self-contained HTML report with its charts, and every number as CSV beside it. Intervals
 * are always drawn (a report without them would invite over-reading a difference).
 */
import path from "node:path";
import { writeFileAtomically } from "../base/atomicFile.ts";
import { CliError, EXIT, type Reporter } from "../cliKit/reporter.ts";
import { compareQaFiles, compareTimelineFolders } from "./compare.ts";
import { figuresCsv } from "./report/figuresCsv.ts";
import { qaReportHtml, timelineReportHtml } from "./report/htmlReport.ts";
import { bootstrapFlags, isFolder } from "./scoreCommand.ts";
import { scoreQaFiles } from "./scoreQaFiles.ts";
import { ScoringInputError } from "./scoringInputError.ts";
import { scoreTimelineFolders } from "./timeline/scoreTimelineFolders.ts";

export type ReportFlags = { gold: string; pred: string[]; names?: string; out: string; csv?: string; title?: string; resamples?: string; seed?: string };

export async function reportCommand(flags: ReportFlags, reporter: Reporter): Promise<number> {
  if (flags.pred.length < 1 || flags.pred.length > 2) throw new CliError(`eval report takes --pred once or twice (one model, or two to compare), not ${flags.pred.length} time(s)`);
  const names = flags.names?.split(",").map((name) => name.trim()) ?? flags.pred.map((pred) => path.basename(pred).replace(/\.jsonl$/, ""));
  if (names.length !== flags.pred.length || names.some((name) => name === "")) throw new CliError(`--names ${flags.names}: give one name per --pred, separated by commas`);
  const bootstrap = { ...bootstrapFlags(flags), intervals: true };
  const title = flags.title ?? `Evaluation against ${path.basename(flags.gold)}`;
  const pair = flags.pred.length === 2 ? ([flags.pred[0], flags.pred[1]] as [string, string]) : undefined;
  const pairNames = pair ? ([names[0], names[1]] as [string, string]) : undefined;
  let html: string;
  let numbers: Record<string, unknown>;
  try {
    if (isFolder(flags.gold)) {
      const models = flags.pred.map((pred, index) => ({ name: names[index] as string, report: scoreTimelineFolders(flags.gold, pred, bootstrap) }));
      const comparison = pair && pairNames ? compareTimelineFolders(flags.gold, pair, { ...bootstrap, names: pairNames }) : undefined;
      html = await timelineReportHtml({ title, gold: flags.gold, models, ...(comparison ? { comparison } : {}) });
      numbers = { ...Object.fromEntries(models.map((model) => [model.name, model.report])), ...(comparison ? { comparison } : {}) };
    } else {
      const models = flags.pred.map((pred, index) => ({ name: names[index] as string, report: scoreQaFiles(flags.gold, pred, bootstrap) }));
      const comparison = pair && pairNames ? compareQaFiles(flags.gold, pair, { ...bootstrap, names: pairNames }) : undefined;
      html = await qaReportHtml({ title, gold: flags.gold, models, ...(comparison ? { comparison } : {}) });
      numbers = { ...Object.fromEntries(models.map((model) => [model.name, model.report])), ...(comparison ? { comparison } : {}) };
    }
  } catch (error) {
    if (error instanceof ScoringInputError) throw new CliError(error.message);
    throw error;
  }
  const htmlPath = writeFileAtomically(flags.out, (write) => write(html));
  const csvPath = writeFileAtomically(flags.csv ?? flags.out.replace(/\.html?$/i, "") + ".csv", (write) => write(figuresCsv(numbers)));
  reporter.event({ type: "summary", html: htmlPath, csv: csvPath }, `Wrote the report to ${htmlPath} and every figure to ${csvPath}`);
  return EXIT.ok;
}
