import { BootstrapSettingsSchema, type QaMetrics, type QaReport } from "../../src-shared/api.ts";
import { checkByContract, numberFlag } from "../cliKit/contractFlags.ts";
import { CliError, EXIT, type Reporter } from "../cliKit/reporter.ts";
import { QaFileError } from "./qaFiles.ts";
import { scoreQaFiles } from "./scoreQaFiles.ts";

export type ScoreFlags = { gold: string; pred: string; intervals?: boolean; resamples?: string; seed?: string };

/** `eval score`: the report as a table for people; with --json, the report as the last line. */
export function scoreCommand(flags: ScoreFlags, reporter: Reporter): number {
  const settings = checkByContract(BootstrapSettingsSchema, {
    resamples: { flag: "--resamples", value: numberFlag("--resamples", flags.resamples) },
    seed: { flag: "--seed", value: numberFlag("--seed", flags.seed) },
  });
  let report: QaReport;
  try {
    report = scoreQaFiles(flags.gold, flags.pred, { intervals: flags.intervals ?? false, ...settings });
  } catch (error) {
    if (error instanceof QaFileError) throw new CliError(error.message);
    throw error;
  }
  reporter.event({ type: "summary", ...report }, humanReport(report));
  return EXIT.ok;
}

function humanReport(report: QaReport): string {
  const rows = [...Object.entries(report.by_kind), ["overall", report.overall] as const].map(([kind, metrics]) => row(kind, metrics as QaMetrics));
  const header = ["kind", "n", "accuracy", "balanced acc.", "macro-F1", "micro-F1", "invalid"].map((cell, i) => (i === 0 ? cell.padEnd(12) : cell.padStart(i === 1 ? 8 : i === 6 ? 9 : 22)));
  const notes = [
    report.missing_predictions > 0 ? `${report.missing_predictions} gold item(s) had no prediction (scored as invalid answers)` : null,
    report.predictions_without_gold > 0 ? `${report.predictions_without_gold} prediction(s) match no gold id (left out)` : null,
    report.bootstrap ? `intervals: ${report.bootstrap.level * 100}% percentile bootstrap, ${report.bootstrap.resamples} resamples of notes, seed ${report.bootstrap.seed}` : null,
  ].filter((line) => line !== null);
  return [header.join(""), ...rows, ...notes].join("\n");
}

function row(kind: string, metrics: QaMetrics): string {
  const cell = (value: number, interval: [number, number] | undefined): string =>
    (interval ? `${value.toFixed(3)} [${interval[0].toFixed(3)}, ${interval[1].toFixed(3)}]` : value.toFixed(3)).padStart(22);
  return [
    kind.padEnd(12),
    String(metrics.n).padStart(8),
    cell(metrics.accuracy, metrics.accuracy_ci),
    cell(metrics.balanced_accuracy, metrics.balanced_accuracy_ci),
    cell(metrics.macro_f1, metrics.macro_f1_ci),
    cell(metrics.micro_f1, metrics.micro_f1_ci),
    String(metrics.invalid_predictions).padStart(9),
  ].join("");
}
