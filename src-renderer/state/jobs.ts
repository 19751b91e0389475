import { create } from "zustand";
import type { JobDetail, JobSummary } from "../../src-shared/api.ts";
import { call } from "../api.ts";
import { reportError } from "./toast.ts";

type JobsState = {
  jobs: JobSummary[];
  /** The job shown on the Extraction page: the newest, or the one just started. */
  current: JobDetail | null;
  busy: boolean;
  load(): Promise<void>;
  start(modelId: number, retryFailed: boolean): Promise<void>;
  control(action: "pause" | "resume" | "cancel"): Promise<void>;
  refresh(): Promise<void>;
};

const POLL_MS = 1000;
let timer: ReturnType<typeof setTimeout> | undefined;

/** Polls jobs.get about once a second while the current job runs, and stops when it does not. */
function schedulePoll(get: () => JobsState): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
  if (get().current?.state !== "running") return;
  timer = setTimeout(() => {
    timer = undefined;
    void get().refresh();
  }, POLL_MS);
}

export const useJobs = create<JobsState>((set, get) => ({
  jobs: [],
  current: null,
  busy: false,

  async load() {
    try {
      const jobs = await call("jobs.list", { limit: 50, kind: "extract" });
      set({ jobs });
      const newest = jobs[0];
      if (newest && get().current?.id !== newest.id) set({ current: await call("jobs.get", { id: newest.id }) });
      schedulePoll(get);
    } catch (error) {
      reportError(error);
    }
  },

  async refresh() {
    const current = get().current;
    if (!current) return;
    try {
      const detail = await call("jobs.get", { id: current.id });
      set({ current: detail, jobs: get().jobs.map((job) => (job.id === detail.id ? detail : job)) });
    } catch (error) {
      reportError(error);
    }
    schedulePoll(get);
  },

  async start(modelId, retryFailed) {
    set({ busy: true });
    try {
      const job = await call("jobs.startExtraction", { modelId, retryFailed });
      set({ current: { ...job, errors: [] }, jobs: [job, ...get().jobs.filter((j) => j.id !== job.id)] });
      await get().refresh();
    } catch (error) {
      reportError(error);
    } finally {
      set({ busy: false });
    }
  },

  async control(action) {
    const current = get().current;
    if (!current) return;
    set({ busy: true });
    try {
      const name = action === "pause" ? "jobs.pause" : action === "resume" ? "jobs.resume" : "jobs.cancel";
      // Resuming may go on under another job id: follow the job the answer names.
      const job = await call(name, { id: current.id });
      set({ current: { ...job, errors: job.id === current.id ? current.errors : [] } });
      await get().refresh();
    } catch (error) {
      reportError(error);
    } finally {
      set({ busy: false });
    }
  },
}));
