import { ApiFailure, type evaluateApi, type Handlers } from "../../src-shared/api.ts";
import { ScoringInputError } from "./scoringInputError.ts";
import { scoreCohortFolders } from "./cohort/cohortScore.ts";
import { compareQaFiles, compareTimelineFolders } from "./compare.ts";
import { scoreQaFiles } from "./scoreQaFiles.ts";
import { scoreTimelineFolders } from "./timeline/scoreTimelineFolders.ts";

export function evaluateHandlers(): Handlers<typeof evaluateApi> {
  return {
    "eval.scoreQaFiles": ({ goldPath, predPath, intervals, resamples, seed }) => refusingBadInput(() => scoreQaFiles(goldPath, predPath, { intervals, resamples, seed })),
    "eval.compareQaFiles": ({ goldPath, predPaths, names, resamples, seed }) => refusingBadInput(() => compareQaFiles(goldPath, predPaths, { resamples, seed, ...(names ? { names } : {}) })),
    "eval.compareTimelineFolders": ({ goldDir, predDirs, names, resamples, seed }) =>
      refusingBadInput(() => compareTimelineFolders(goldDir, predDirs, { resamples, seed, ...(names ? { names } : {}) })),
    "eval.scoreCohortFolders": ({ goldDir, predDir }) => refusingBadInput(() => scoreCohortFolders(goldDir, predDir)),
    "eval.scoreTimelineFolders": ({ goldDir, predDir, intervals, resamples, seed }) => refusingBadInput(() => scoreTimelineFolders(goldDir, predDir, { intervals, resamples, seed })),
  };
}

function refusingBadInput<T>(score: () => T): T {
  try {
    return score();
  } catch (error) {
    if (error instanceof ScoringInputError) throw new ApiFailure("invalid-input", error.message);
    throw error;
  }
}
