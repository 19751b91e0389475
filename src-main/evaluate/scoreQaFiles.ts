import type { QaReport } from "../../src-shared/api.ts";
import { applyThreshold, readCriteria } from "./criteria.ts";
import type { QaLabel } from "./qaAnswer.ts";
import { readQaGold, readQaPredictions } from "./qaFiles.ts";
import { scoreQa, type QaGoldItem, type QaScoreOptions } from "./qaScore.ts";
import { ScoringInputError } from "./scoringInputError.ts";

/**
 * A gold file and one model's predictions as scored: with a criteria file, the numbers of every
 * item that names a criterion become met / not met by its threshold, gold and prediction alike.
 */
export function readQaSet(goldPath: string, predPath: string, criteriaPath?: string): { gold: QaGoldItem[]; predictions: Map<string, QaLabel | null> } {
  const gold = readQaGold(goldPath);
  const predictions = readQaPredictions(predPath);
  if (criteriaPath === undefined) return { gold, predictions };
  const criteria = readCriteria(criteriaPath);
  const unknown = [...new Set(gold.flatMap((item) => (item.criterion !== undefined && !criteria.has(item.criterion) ? [item.criterion] : [])))];
  if (unknown.length > 0) throw new ScoringInputError(`${goldPath}: criteria not in ${criteriaPath}: ${unknown.join(", ")}`);
  const judged = gold.map((item) => {
    const threshold = item.criterion === undefined ? undefined : criteria.get(item.criterion);
    if (!threshold) return item;
    const predicted = predictions.get(item.id);
    if (predicted !== undefined && predicted !== null) predictions.set(item.id, applyThreshold(predicted, threshold));
    return { ...item, answer: applyThreshold(item.answer, threshold) };
  });
  return { gold: judged, predictions };
}

/** A QA prediction file scored against its gold file: what `eval score` and the app's call both run. */
export function scoreQaFiles(goldPath: string, predPath: string, options: QaScoreOptions & { criteriaPath?: string | undefined }): QaReport {
  const { gold, predictions } = readQaSet(goldPath, predPath, options.criteriaPath);
  return scoreQa(gold, predictions, options);
}
