import { ApiFailure, type evaluateApi, type Handlers } from "../../src-shared/api.ts";
import { ScoringInputError } from "./scoringInputError.ts";
import { scoreCohortFolders } from "./cohort/cohortScore.ts";
import { compareQaFiles, compareTimelineFolders } from "./compare.ts";
import { trainingCurve } from "./curve/trainingCurve.ts";
import { evaluateModels } from "./evaluation.ts";
import type { ServiceContext } from "../serviceContext.ts";
import { scoreQaFiles } from "./scoreQaFiles.ts";
import { scoreTimelineFolders } from "./timeline/scoreTimelineFolders.ts";

export function evaluateHandlers({ db }: Pick<ServiceContext, "db">): Handlers<typeof evaluateApi> {
  return {
    "eval.evaluate": (request) => refusingBadInput(() => evaluateModels(request)),
    "eval.trainingCurve": ({ goldPath, runs, resamples, seed }) => refusingBadInput(() => trainingCurve(db, { goldPath, runs: runs.map((run) => ({ predPath: run.predPath, model: run.modelId })), resamples, seed })),
    "eval.scoreQaFiles": ({ goldPath, predPath, intervals, resamples, seed }) => refusingBadInput(() => scoreQaFiles(goldPath, predPath, { intervals, resamples, seed })),
    "eval.compareQaFiles": ({ goldPath, predPaths, names, resamples, seed }) => refusingBadInput(() => compareQaFiles(goldPath, predPaths, { resamples, seed, ...(names ? { names } : {}) })),
    "eval.compareTimelineFolders": ({ goldDir, predDirs, names, resamples, seed }) =>
      refusingBadInput(() => compareTimelineFolders(goldDir, predDirs, { resamples, seed, ...(names ? { names } : {}) })),
    "eval.scoreCohortFolders": ({ goldDir, predDir }) => refusingBadInput(() => scoreCohortFolders(goldDir, predDir)),
    "eval.scoreTimelineFolders": ({ goldDir, predDir, intervals, resamples, seed }) => refusingBadInput(() => scoreTimelineFolders(goldDir, predDir, { intervals, resamples, seed })),
  };
}

/** A scoring input the user can fix (a bad gold line, a missing folder) is the API's invalid-input; anything else stays as it is. */
export function refusingBadInput<T>(score: () => T): T {
  const translate = (error: unknown): never => {
    if (error instanceof ScoringInputError) throw new ApiFailure("invalid-input", error.message);
    throw error;
  };
  try {
    const result = score();
    return (result instanceof Promise ? result.catch(translate) : result) as T;
  } catch (error) {
    return translate(error);
  }
}
