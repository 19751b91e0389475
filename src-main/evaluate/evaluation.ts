/**
 * One or two models scored against a gold set of whichever kind the gold is (a QA file, a folder
 * of timeline documents, a folder of n2c2 files), with intervals, the comparison of two, and the
 * charts: what the Evaluation screen shows and `eval report` writes.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { MISSED_EVENT, SPURIOUS_EVENT, type ChartSvg, type EvaluationView, type EventTypeConfusion } from "../../src-shared/api.ts";
import { qaHeadline, timelineHeadline, type NamedFigure } from "../../src-shared/comparisonFigures.ts";
import { scoreCohortFolders } from "./cohort/cohortScore.ts";
import { compareQaScorings, compareScoredLetters } from "./compare.ts";
import { goldKind } from "./goldFiles.ts";
import { confusionHeatmap, forestPlot, intervalChart, type IntervalRow } from "./report/charts.ts";
import { qaReport, QaScoring } from "./qaScore.ts";
import { readQaSet } from "./scoreQaFiles.ts";
import { ScoringInputError } from "./scoringInputError.ts";
import { scoreLetters, timelineReport, type ScoredFolder } from "./timeline/scoreTimelineFolders.ts";

export type EvaluationRequest = { goldPath: string; predPaths: string[]; names?: string[] | undefined; resamples?: number; seed?: number };

export async function evaluateModels(request: EvaluationRequest): Promise<EvaluationView> {
  const { goldPath, predPaths } = request;
  for (const given of [goldPath, ...predPaths]) if (!existsSync(given)) throw new ScoringInputError(`${given}: no such file or folder`);
  const names = request.names ?? predPaths.map((pred) => path.basename(pred).replace(/\.jsonl$/, ""));
  if (names.length !== predPaths.length) throw new ScoringInputError(`give one name per prediction set (${predPaths.length}), not ${names.length}`);
  if (new Set(names).size !== names.length) throw new ScoringInputError(`the two models need different names, not "${names[0]}" twice`);
  const bootstrap = { intervals: true, ...(request.resamples === undefined ? {} : { resamples: request.resamples }), ...(request.seed === undefined ? {} : { seed: request.seed }) };
  const pairNames = [names[0], names[1]] as [string, string];

  const kind = goldKind(goldPath);
  if (kind === "cohort") {
    return { kind: "cohort", gold: goldPath, models: predPaths.map((pred, i) => ({ name: names[i] as string, report: scoreCohortFolders(goldPath, pred) })), comparison: null, charts: [] };
  }
  // Each model's predictions are read and scored once; its report and the comparison both use them.
  if (kind === "timeline") {
    const scored = predPaths.map((pred) => scoreLetters(goldPath, pred));
    const models = scored.map((folder, i) => ({ name: names[i] as string, report: timelineReport(folder, bootstrap) }));
    const comparison = scored.length === 2 ? compareScoredLetters((scored[0] as ScoredFolder).letters, (scored[1] as ScoredFolder).letters, { a: pairNames[0], b: pairNames[1] }, bootstrap) : null;
    const sections = ["overall", ...Object.keys(models[0]?.report.strict.by_section ?? {})];
    const rows = models.flatMap(({ name, report }) =>
      sections.map((section) => {
        const prf = section === "overall" ? report.strict.overall : report.strict.by_section[section];
        return { figure: section, series: name, value: prf?.f1 ?? 0, ...(prf?.f1_ci ? { low: prf.f1_ci[0], high: prf.f1_ci[1] } : {}) };
      }),
    );
    const charts: ChartSvg[] = [await chart("Strict F1 by section", intervalChart(rows, "Strict F1 by section", "F1 (95% bootstrap interval over letters)"))];
    if (comparison) {
      const title = `${comparison.models.a} − ${comparison.models.b}: F1`;
      charts.push(await chart(title, forestPlot(forestRows(timelineHeadline(comparison)), title, "difference in F1 (95% paired-bootstrap interval)")));
    }
    for (const { name, report } of models) charts.push(await confusionChart(name, report.event_type_confusion));
    return { kind: "timeline", gold: goldPath, models, comparison, charts };
  }
  const scorings = predPaths.map((pred) => {
    const { gold, predictions } = readQaSet(goldPath, pred);
    return new QaScoring(gold, predictions);
  });
  const models = scorings.map((scoring, i) => ({ name: names[i] as string, report: qaReport(scoring, bootstrap) }));
  const comparison = scorings.length === 2 ? compareQaScorings(scorings[0] as QaScoring, scorings[1] as QaScoring, { a: pairNames[0], b: pairNames[1] }, bootstrap) : null;
  const rows = models.flatMap(({ name, report }) =>
    [...Object.entries(report.by_kind), ["overall", report.overall] as const].map(([kind, scores]) => ({
      figure: kind,
      series: name,
      value: scores?.balanced_accuracy ?? 0,
      ...(scores?.balanced_accuracy_ci ? { low: scores.balanced_accuracy_ci[0], high: scores.balanced_accuracy_ci[1] } : {}),
    })),
  );
  const charts: ChartSvg[] = [await chart("Balanced accuracy by question kind", intervalChart(rows, "Balanced accuracy by question kind", "balanced accuracy (95% bootstrap interval over notes)"))];
  if (comparison) {
    const title = `${comparison.models.a} − ${comparison.models.b}`;
    charts.push(await chart(title, forestPlot(forestRows(qaHeadline(comparison)), title, "difference (95% paired-bootstrap interval)")));
  }
  return { kind: "qa", gold: goldPath, models, comparison, charts };
}

async function chart(title: string, svg: Promise<string>): Promise<ChartSvg> {
  return { title, svg: await svg };
}

/** A model's event-type confusion matrix (timelineScore.ts's eventTypeConfusion, pooled) as a heatmap. */
export function confusionChart(model: string, confusion: EventTypeConfusion): Promise<ChartSvg> {
  const title = `${model}: event types, gold × predicted`;
  const matrix = { rows: [...confusion.types, SPURIOUS_EVENT], columns: [...confusion.types, MISSED_EVENT], counts: (row: string, column: string) => confusion.counts[row]?.[column] ?? 0 };
  return chart(title, confusionHeatmap(matrix, title, { rows: "gold type", columns: "predicted type" }));
}

function forestRows(figures: NamedFigure[]): IntervalRow[] {
  return figures
    .filter(([, paired]) => paired.difference !== null)
    .map(([name, paired]) => ({ figure: name, value: paired.difference as number, ...(paired.difference_ci ? { low: paired.difference_ci[0], high: paired.difference_ci[1] } : {}) }));
}
