import { ApiFailure, type evaluateApi, type Handlers } from "../../src-shared/api.ts";
import { QaFileError } from "./qaFiles.ts";
import { scoreQaFiles } from "./scoreQaFiles.ts";

export function evaluateHandlers(): Handlers<typeof evaluateApi> {
  return {
    "eval.scoreQaFiles": ({ goldPath, predPath, intervals, resamples, seed }) => {
      try {
        return scoreQaFiles(goldPath, predPath, { intervals, resamples, seed });
      } catch (error) {
        if (error instanceof QaFileError) throw new ApiFailure("invalid-input", error.message);
        throw error;
      }
    },
  };
}
