import { BootstrapSettingsSchema, type CohortReport, type Prf, type QaMetrics, type QaReport, type TimelineReport } from "../../src-shared/api.ts";
import { scoreCohortFolders } from "./cohort/cohortScore.ts";
import { goldKind } from "./goldFiles.ts";
import { checkByContract, numberFlag } from "../cliKit/contractFlags.ts";
import { CliError, EXIT, type Reporter } from "../cliKit/reporter.ts";
import { ScoringInputError } from "./scoringInputError.ts";
import { scoreQaFiles } from "./scoreQaFiles.ts";
import { scoreTimelineFolders } from "./timeline/scoreTimelineFolders.ts";

export type ScoreFlags = { gold: string; pred: string; intervals?: boolean; criteria?: string; resamples?: string; seed?: string };

/** `eval score`: QA files, or timeline folders when --gold is a folder; a table for people, with --json the report as the last line. */
export function scoreCommand(flags: ScoreFlags, reporter: Reporter): number {
  // The app's default (intervals on) is not the command's.
  const options = { ...bootstrapFlags(flags), intervals: flags.intervals ?? false };
  try {
    const kind = goldKind(flags.gold);
    if (kind === "cohort") {
      const report = scoreCohortFolders(flags.gold, flags.pred);
      reporter.event({ type: "summary", ...report }, humanCohortReport(report));
    } else if (kind === "timeline") {
      const report = scoreTimelineFolders(flags.gold, flags.pred, options);
      reporter.event({ type: "summary", ...report }, humanTimelineReport(report));
    } else {
      const report = scoreQaFiles(flags.gold, flags.pred, { ...options, criteriaPath: flags.criteria });
      reporter.event({ type: "summary", ...report }, humanQaReport(report));
    }
  } catch (error) {
    if (error instanceof ScoringInputError) throw new CliError(error.message);
    throw error;
  }
  return EXIT.ok;
}

/** --resamples and --seed, checked by the contract's schema (the app's calls refuse the same values). */
export function bootstrapFlags(flags: { resamples?: string | undefined; seed?: string | undefined }): { resamples?: number; seed?: number } {
  const { resamples, seed } = checkByContract(BootstrapSettingsSchema, {
    resamples: { flag: "--resamples", value: numberFlag("--resamples", flags.resamples) },
    seed: { flag: "--seed", value: numberFlag("--seed", flags.seed) },
  });
  return { ...(resamples === undefined ? {} : { resamples }), ...(seed === undefined ? {} : { seed }) };
}


function humanTimelineReport(report: TimelineReport): string {
  const figure = (value: number | null): string => (value === null ? "—" : value.toFixed(3));
  const line = (name: string, strict: Prf | undefined, relaxed: Prf | undefined): string =>
    [name.padEnd(16), ...[strict, relaxed].map((prf) => (prf ? `${String(prf.tp).padStart(6)}${String(prf.fp).padStart(6)}${String(prf.fn).padStart(6)}${figure(prf.precision).padStart(8)}${figure(prf.recall).padStart(8)}${(figure(prf.f1) + (prf.f1_ci ? ` [${prf.f1_ci[0].toFixed(3)}, ${prf.f1_ci[1].toFixed(3)}]` : "")).padStart(22)}` : ""))].join("  ");
  const columns = `${"tp".padStart(6)}${"fp".padStart(6)}${"fn".padStart(6)}${"prec.".padStart(8)}${"recall".padStart(8)}${"F1".padStart(22)}`;
  const header = `${"".padEnd(16)}  ${"strict".padEnd(56)}  relaxed\n${"".padEnd(16)}  ${columns}  ${columns}`;
  const sections = Object.keys(report.strict.by_section);
  const rows = [line("overall", report.strict.overall, report.relaxed.overall), ...sections.map((section) => line(section, report.strict.by_section[section], report.relaxed.by_section[section]))];
  const { json_validity: validity } = report;
  return [
    `${report.letters} letter(s); prediction JSON valid for ${validity.valid} (${(validity.rate * 100).toFixed(1)}%), not JSON ${validity.invalid}, missing ${validity.missing}`,
    header,
    ...rows,
    `macro F1 over letters: strict ${figure(report.strict.macro_f1)}, relaxed ${figure(report.relaxed.macro_f1)} (relaxed: text at a token-sort ratio of ${report.relaxed_similarity} or more, dates to the year)`,
    `date accuracy on events matched by type and text: year ${figure(report.date_accuracy.year_accuracy)} (${report.date_accuracy.events_with_year} events), year and month ${figure(report.date_accuracy.month_accuracy)} (${report.date_accuracy.events_with_month})`,
    ...(report.predictions_without_gold > 0 ? [`${report.predictions_without_gold} prediction file(s) have no gold file (left out)`] : []),
  ].join("\n");
}

export function humanCohortReport(report: CohortReport): string {
  const figure = (value: number | null): string => (value === null ? "—" : value.toFixed(3));
  const header = `${"criterion".padEnd(18)}${"n".padStart(5)}${"accuracy".padStart(10)}${"bal. acc.".padStart(11)}${"micro-F1".padStart(10)}${"F1 met".padStart(9)}${"invalid".padStart(9)}`;
  const rows = Object.entries(report.by_criterion).map(
    ([criterion, scores]) =>
      `${criterion.padEnd(18)}${String(scores.n).padStart(5)}${figure(scores.accuracy).padStart(10)}${figure(scores.balanced_accuracy).padStart(11)}${figure(scores.micro_f1).padStart(10)}${figure(scores.f1_met).padStart(9)}${String(scores.invalid_predictions).padStart(9)}`,
  );
  const { n2c2_overall: overall, mean_over_criteria: mean } = report;
  return [
    `${report.patients} patient(s)`,
    header,
    ...rows,
    `mean over the criteria (the distillation study's figure): balanced accuracy ${figure(mean.balanced_accuracy)}, micro-F1 ${figure(mean.micro_f1)}`,
    `n2c2 overall micro-F1 (counts pooled over criteria and patients, F1 of met and not met averaged): ${figure(overall.micro_f1)} (met ${figure(overall.met.f1)}, not met ${figure(overall.not_met.f1)})`,
    ...report.notes,
  ].join("\n");
}

function humanQaReport(report: QaReport): string {
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
