import { create } from "zustand";
import type { ApiInput, ClusterSettings, ConnectResult, FinetuneStatus } from "../../src-shared/api.ts";
import { call, errorMessage } from "../api.ts";
import { reportError } from "./toast.ts";

/** How often the selected running job is looked at on the cluster (each look is an SSH login). */
export const POLL_MS = 10_000;

export type SubmitRequest = ApiInput<"finetune.submit">;

type FinetuneState = {
  /** The cluster section as stored (null until loaded). */
  cluster: ClusterSettings | null;
  savingCluster: boolean;
  clusterError: string | null;
  clusterSaved: boolean;
  connecting: boolean;
  connection: ConnectResult | null;
  connectError: string | null;

  jobs: FinetuneStatus[];
  jobsLoaded: boolean;
  selectedJobId: number | null;
  /** The last look at the cluster for the selected job failed: why, and when it was tried. */
  pollError: { message: string; at: string } | null;
  polledAt: string | null;
  submitting: boolean;
  submitError: string | null;
  cancelling: boolean;
  cancelError: string | null;

  loadCluster(): Promise<void>;
  saveCluster(cluster: ClusterSettings): Promise<boolean>;
  connect(acceptFingerprint?: string): Promise<void>;
  loadJobs(): Promise<void>;
  select(jobId: number | null): void;
  poll(): Promise<void>;
  submit(request: SubmitRequest): Promise<boolean>;
  cancel(jobId: number): Promise<boolean>;
  /** The page is shown (polling runs) or left (it stops). */
  setActive(active: boolean): void;
};

let timer: ReturnType<typeof setTimeout> | undefined;
let active = false;

function clearTimer(): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
}

/** Looks again in POLL_MS while the page is shown and the selected job still runs. */
function schedulePoll(get: () => FinetuneState): void {
  clearTimer();
  const { jobs, selectedJobId } = get();
  if (!active || jobs.find((job) => job.jobId === selectedJobId)?.state !== "running") return;
  timer = setTimeout(() => {
    timer = undefined;
    void get().poll();
  }, POLL_MS);
}

function withJob(jobs: FinetuneStatus[], job: FinetuneStatus): FinetuneStatus[] {
  return jobs.some((one) => one.jobId === job.jobId) ? jobs.map((one) => (one.jobId === job.jobId ? job : one)) : [job, ...jobs];
}

export const useFinetune = create<FinetuneState>((set, get) => ({
  cluster: null,
  savingCluster: false,
  clusterError: null,
  clusterSaved: false,
  connecting: false,
  connection: null,
  connectError: null,
  jobs: [],
  jobsLoaded: false,
  selectedJobId: null,
  pollError: null,
  polledAt: null,
  submitting: false,
  submitError: null,
  cancelling: false,
  cancelError: null,

  async loadCluster() {
    try {
      set({ cluster: (await call("settings.get", {})).cluster, clusterSaved: false, clusterError: null });
    } catch (error) {
      reportError(error);
    }
  },

  async saveCluster(cluster) {
    set({ savingCluster: true, clusterError: null, clusterSaved: false });
    try {
      // The other sections as stored now, so saving here never undoes the Settings screen.
      const current = await call("settings.get", {});
      const saved = await call("settings.set", { ...current, cluster });
      set({ cluster: saved.cluster, clusterSaved: true });
      return true;
    } catch (error) {
      set({ clusterError: errorMessage(error) });
      return false;
    } finally {
      set({ savingCluster: false });
    }
  },

  async connect(acceptFingerprint) {
    set({ connecting: true, connectError: null, connection: null });
    try {
      set({ connection: await call("finetune.connect", acceptFingerprint === undefined ? {} : { acceptFingerprint }) });
    } catch (error) {
      set({ connectError: errorMessage(error) });
    } finally {
      set({ connecting: false });
    }
  },

  async loadJobs() {
    try {
      const jobs = await call("finetune.list", {});
      const selected = get().selectedJobId;
      const keep = selected !== null && jobs.some((job) => job.jobId === selected);
      set({ jobs, jobsLoaded: true });
      if (!keep) get().select(jobs[0]?.jobId ?? null);
      else if (jobs.find((job) => job.jobId === selected)?.state === "running") void get().poll();
    } catch (error) {
      reportError(error);
    }
  },

  select(jobId) {
    clearTimer();
    set({ selectedJobId: jobId, pollError: null, polledAt: null, cancelError: null });
    // A running job is looked at on the cluster at once; a closed one is only read.
    if (jobId !== null && get().jobs.find((job) => job.jobId === jobId)?.state === "running") void get().poll();
  },

  async poll() {
    const jobId = get().selectedJobId;
    if (jobId === null) return;
    clearTimer();
    try {
      const job = await call("finetune.get", { jobId, poll: true });
      if (get().selectedJobId === jobId) set({ pollError: null, polledAt: new Date().toISOString() });
      set({ jobs: withJob(get().jobs, job) });
    } catch (error) {
      // The cluster may be away for a while: say so, show what was copied home, and try again.
      if (get().selectedJobId === jobId) set({ pollError: { message: errorMessage(error), at: new Date().toISOString() } });
      try {
        set({ jobs: withJob(get().jobs, await call("finetune.get", { jobId, poll: false })) });
      } catch (again) {
        reportError(again);
      }
    }
    if (get().selectedJobId === jobId) schedulePoll(get);
  },

  async submit(request) {
    set({ submitting: true, submitError: null });
    try {
      const job = await call("finetune.submit", request);
      set({ jobs: withJob(get().jobs, job) });
      get().select(job.jobId);
      return true;
    } catch (error) {
      set({ submitError: errorMessage(error) });
      // A failed upload or sbatch still leaves its job row, naming what went wrong.
      void get().loadJobs();
      return false;
    } finally {
      set({ submitting: false });
    }
  },

  async cancel(jobId) {
    set({ cancelling: true, cancelError: null });
    try {
      const job = await call("finetune.cancel", { jobId });
      set({ jobs: withJob(get().jobs, job) });
      schedulePoll(get);
      return true;
    } catch (error) {
      set({ cancelError: errorMessage(error) });
      return false;
    } finally {
      set({ cancelling: false });
    }
  },

  setActive(now) {
    active = now;
    if (now) schedulePoll(get);
    else clearTimer();
  },
}));
