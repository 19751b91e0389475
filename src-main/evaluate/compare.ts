/**
 * Two models against the same gold, side by side: every figure for A and for B, A − B with its
 * 95% paired-bootstrap interval (the same resamples of notes or letters for both) and the share
 * of resamples in which the difference changes sign. What a results section needs to say whether
 * one model is better than another, and how sure that is.
 */
import path from "node:path";
import type { QaComparison, TimelineComparison } from "../../src-shared/api.ts";
import { DEFAULT_RESAMPLES, DEFAULT_SEED, pairedBootstrap } from "./bootstrap.ts";
import { readQaSet } from "./scoreQaFiles.ts";
import { QA_METRICS, QaScoring } from "./qaScore.ts";
import { pooled, prf, scoreLetters, total, type ScoredLetter } from "./timeline/scoreTimelineFolders.ts";
import type { Mode } from "./timeline/timelineScore.ts";

export type CompareOptions = { resamples?: number; seed?: number; level?: number; names?: [string, string] };

function settings(options: CompareOptions) {
  return { resamples: options.resamples ?? DEFAULT_RESAMPLES, seed: options.seed ?? DEFAULT_SEED, level: options.level ?? 0.95 };
}

function names(paths: readonly [string, string], options: CompareOptions): { a: string; b: string } {
  const [a, b] = options.names ?? [path.basename(paths[0]), path.basename(paths[1])];
  return { a, b };
}

export function compareQaFiles(goldPath: string, predPaths: [string, string], options: CompareOptions & { criteriaPath?: string | undefined } = {}): QaComparison {
  const [a, b] = predPaths.map((pred) => {
    const { gold, predictions } = readQaSet(goldPath, pred, options.criteriaPath);
    return new QaScoring(gold, predictions);
  }) as [QaScoring, QaScoring];
  return compareQaScorings(a, b, names(predPaths, options), options);
}

/** Two models' predictions of one gold set, each read and scored already, compared on the same resamples of notes. */
export function compareQaScorings(a: QaScoring, b: QaScoring, models: { a: string; b: string }, options: CompareOptions = {}): QaComparison {
  const groups = [...a.kinds.map(String), "overall"];
  const flatten = (scoring: QaScoring, weights?: Uint32Array): Record<string, number> =>
    Object.fromEntries(scoring.metrics(weights).flatMap((metrics, index) => QA_METRICS.map((metric) => [`${groups[index]}.${metric}`, metrics[metric]])));
  const run = settings(options);
  const figures = pairedBootstrap(a.notes, (weights) => ({ a: flatten(a, weights), b: flatten(b, weights) }), run);
  const group = (name: string) => Object.fromEntries(QA_METRICS.map((metric) => [metric, figures[`${name}.${metric}`]])) as QaComparison["overall"];
  return {
    models,
    by_kind: Object.fromEntries(a.kinds.map((kind) => [kind, group(kind)])),
    overall: group("overall"),
    bootstrap: { ...run, unit: "note" },
  };
}

export function compareTimelineFolders(goldDir: string, predDirs: [string, string], options: CompareOptions = {}): TimelineComparison {
  return compareScoredLetters(scoreLetters(goldDir, predDirs[0]).letters, scoreLetters(goldDir, predDirs[1]).letters, names(predDirs, options), options);
}

/** Two models' letters of one gold set, each scored already, compared on the same resamples of letters. */
export function compareScoredLetters(a: ScoredLetter[], b: ScoredLetter[], models: { a: string; b: string }, options: CompareOptions = {}): TimelineComparison {
  const sections = [...new Set(a.flatMap((letter) => Object.keys(letter.strict.bySection)))];
  const f1s = (letters: typeof a, weights?: Uint32Array): Record<string, number | null> => {
    const out: Record<string, number | null> = {};
    for (const mode of ["strict", "relaxed"] as const satisfies readonly Mode[]) {
      const counts = letters.map((letter) => letter[mode]);
      out[`${mode}.overall`] = prf(pooled(counts, total, weights)).f1;
      for (const section of sections) out[`${mode}.${section}`] = prf(pooled(counts, (letter) => letter.bySection[section], weights)).f1;
    }
    return out;
  };
  const run = settings(options);
  const figures = pairedBootstrap(a.length, (weights) => ({ a: f1s(a, weights), b: f1s(b, weights) }), run);
  const mode = (name: Mode) => ({
    overall: figures[`${name}.overall`] as TimelineComparison["strict"]["overall"],
    by_section: Object.fromEntries(sections.map((section) => [section, figures[`${name}.${section}`]])) as TimelineComparison["strict"]["by_section"],
  });
  return { models, strict: mode("strict"), relaxed: mode("relaxed"), bootstrap: { ...run, unit: "letter" } };
}
