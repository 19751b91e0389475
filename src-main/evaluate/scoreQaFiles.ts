import type { QaReport } from "../../src-shared/api.ts";
import { readQaGold, readQaPredictions } from "./qaFiles.ts";
import { scoreQa, type QaScoreOptions } from "./qaScore.ts";

/** A QA prediction file scored against its gold file: what `eval score` and the app's call both run. */
export function scoreQaFiles(goldPath: string, predPath: string, options: QaScoreOptions): QaReport {
  return scoreQa(readQaGold(goldPath), readQaPredictions(predPath), options);
}
