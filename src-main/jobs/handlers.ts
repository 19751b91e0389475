import { ApiFailure, type Handlers, type jobsApi, type JobSummary } from "../../src-shared/api.ts";
import type { ServiceContext } from "../serviceContext.ts";
import { getJob, jobsOfKinds, type JobRow } from "./jobStore.ts";
import { baseSummary, servesKind, type JobKind } from "./jobKinds.ts";

/** Every kind of job through one set of calls; each capability that runs jobs passes its JobKind. */
export function jobsHandlers(context: ServiceContext, kinds: readonly JobKind[]): Handlers<typeof jobsApi> {
  const { db, runs } = context;
  const kindOf = (job: JobRow): JobKind => {
    const kind = kinds.find((candidate) => servesKind(candidate, job.kind));
    if (!kind) throw new ApiFailure("conflict", `job ${job.id} is a "${job.kind}" job, which this version of OncoTimeline does not run`);
    return kind;
  };
  const job = (id: number): JobRow => {
    const row = getJob(db, id);
    if (!row) throw new ApiFailure("not-found", `no job ${id}`);
    return row;
  };
  const summary = (row: JobRow): JobSummary => {
    const kind = kindOf(row);
    return kind.describe(row, baseSummary(db, runs, row, kind.inFlight));
  };
  return {
    "jobs.list": ({ limit, kind }) => {
      const names = kind === undefined ? kinds.map((candidate) => candidate.name) : [kind];
      return jobsOfKinds(db, names, limit).map(summary);
    },
    "jobs.get": ({ id }) => {
      const row = job(id);
      return { ...summary(row), errors: kindOf(row).errors(row, 1000) };
    },
    "jobs.pause": ({ id }) => {
      runs.stop(job(id).id, "pause");
      return summary(job(id));
    },
    "jobs.resume": async ({ id }) => {
      const row = runs.checkResumable(id);
      await kindOf(row).resume(row);
      return summary(job(id));
    },
    "jobs.cancel": ({ id }) => {
      runs.cancelStored(job(id).id);
      return summary(job(id));
    },
  };
}
