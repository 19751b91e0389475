import type { PairedFigure, QaComparison, TimelineComparison } from "../../src-shared/api.ts";
import { CliError, EXIT, type Reporter } from "../cliKit/reporter.ts";
import { compareQaFiles, compareTimelineFolders } from "./compare.ts";
import { isFolder } from "./goldFiles.ts";
import { bootstrapFlags } from "./scoreCommand.ts";
import { ScoringInputError } from "./scoringInputError.ts";

export type CompareFlags = { gold: string; pred: string[]; names?: string; criteria?: string; resamples?: string; seed?: string };

/** `eval compare`: A − B per figure with its paired-bootstrap interval; with --json the comparison as the last line. */
export function compareCommand(flags: CompareFlags, reporter: Reporter): number {
  if (flags.pred.length !== 2) throw new CliError(`eval compare needs --pred twice (model A, then model B), not ${flags.pred.length} time(s)`);
  const names = flags.names?.split(",").map((name) => name.trim());
  if (names !== undefined && (names.length !== 2 || names.some((name) => name === ""))) throw new CliError(`--names ${flags.names}: give two names, as A,B`);
  const options = { ...bootstrapFlags(flags), ...(names ? { names: names as [string, string] } : {}) };
  const preds = flags.pred as [string, string];
  try {
    if (isFolder(flags.gold)) {
      const comparison = compareTimelineFolders(flags.gold, preds, options);
      reporter.event({ type: "summary", ...comparison }, humanTimeline(comparison));
    } else {
      const comparison = compareQaFiles(flags.gold, preds, { ...options, criteriaPath: flags.criteria });
      reporter.event({ type: "summary", ...comparison }, humanQa(comparison));
    }
  } catch (error) {
    if (error instanceof ScoringInputError) throw new CliError(error.message);
    throw error;
  }
  return EXIT.ok;
}

function table(models: { a: string; b: string }, rows: [string, PairedFigure][], unit: string, resamples: number): string {
  const figure = (value: number | null): string => (value === null ? "—" : value.toFixed(3));
  const header = `${"".padEnd(30)}${models.a.slice(0, 12).padStart(12)}${models.b.slice(0, 12).padStart(12)}${"A - B [95% CI]".padStart(30)}${"sign changes".padStart(14)}`;
  const lines = rows.map(([name, paired]) => {
    const interval = paired.difference_ci ? ` [${paired.difference_ci[0].toFixed(3)}, ${paired.difference_ci[1].toFixed(3)}]` : "";
    const share = paired.sign_change_share === null ? "—" : `${(paired.sign_change_share * 100).toFixed(1)}%`;
    return `${name.padEnd(30)}${figure(paired.a).padStart(12)}${figure(paired.b).padStart(12)}${(figure(paired.difference) + interval).padStart(30)}${share.padStart(14)}`;
  });
  return [header, ...lines, `paired bootstrap: ${resamples} resamples of ${unit}s, the same for both models; "sign changes": resamples where A - B falls on the other side of zero`].join("\n");
}

function humanQa(comparison: QaComparison): string {
  const rows: [string, PairedFigure][] = [];
  for (const [kind, metrics] of [...Object.entries(comparison.by_kind), ["overall", comparison.overall] as const]) {
    for (const [metric, paired] of Object.entries(metrics)) rows.push([`${kind} ${metric}`, paired]);
  }
  return table(comparison.models, rows, comparison.bootstrap.unit, comparison.bootstrap.resamples);
}

function humanTimeline(comparison: TimelineComparison): string {
  const rows: [string, PairedFigure][] = [];
  for (const mode of ["strict", "relaxed"] as const) {
    rows.push([`${mode} F1 overall`, comparison[mode].overall]);
    for (const [section, paired] of Object.entries(comparison[mode].by_section)) rows.push([`${mode} F1 ${section}`, paired]);
  }
  return table(comparison.models, rows, comparison.bootstrap.unit, comparison.bootstrap.resamples);
}
