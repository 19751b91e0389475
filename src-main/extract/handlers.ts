import type { extractApi, Handlers } from "../../src-shared/api.ts";
import type { ServiceContext } from "../serviceContext.ts";
import { engineOpener } from "./engineFactory.ts";
import { ExtractionJobs } from "./jobControl.ts";
import { loadExtractionPrompt } from "./prompt.ts";

export function createExtractionJobs(context: ServiceContext): ExtractionJobs {
  const { db, log, dataDir } = context;
  return new ExtractionJobs({ db, openEngine: engineOpener(context), prompt: () => loadExtractionPrompt(), log, dataDir });
}

export function extractHandlers(jobs: ExtractionJobs): Handlers<typeof extractApi> {
  return {
    "jobs.list": ({ limit }) => jobs.list(limit),
    "jobs.get": ({ id }) => jobs.detail(id),
    "jobs.startExtraction": ({ modelId, retryFailed }) => jobs.start(modelId, retryFailed),
    "jobs.pause": ({ id }) => jobs.pause(id),
    "jobs.resume": ({ id }) => jobs.resume(id),
    "jobs.cancel": ({ id }) => jobs.cancel(id),
  };
}
