import type { extractApi, Handlers } from "../../src-shared/api.ts";
import type { ServiceContext } from "../serviceContext.ts";
import { engineOpener } from "./engineFactory.ts";
import { ExtractionJobs } from "./jobControl.ts";
import { loadExtractionPrompt } from "./prompt.ts";

export function createExtractionJobs(context: ServiceContext): ExtractionJobs {
  const { db, runs, log, dataDir } = context;
  return new ExtractionJobs({ db, runs, openEngine: engineOpener(context), prompt: () => loadExtractionPrompt(), log, dataDir });
}

export function extractHandlers(jobs: ExtractionJobs): Handlers<typeof extractApi> {
  return {
    "jobs.startExtraction": ({ modelId, retryFailed }) => jobs.start(modelId, retryFailed),
  };
}
