import { create } from "zustand";
import type { ApiInput, CostEstimate, HostedFinetuneStatus, SecretsStatus } from "../../src-shared/api.ts";
import { call, errorMessage } from "../api.ts";
import { reportError } from "./toast.ts";

export type HostedRequest = ApiInput<"finetune.hostedEstimate">;

type HostedState = {
  runs: HostedFinetuneStatus[];
  estimate: CostEstimate | null;
  /** Why no estimate could be made for the form as it stands (a set holding real letters, another base). */
  estimateError: string | null;
  secrets: SecretsStatus | null;
  submitting: boolean;
  submitError: string | null;
  /** Runs being looked at now. */
  looking: number[];
  load(): Promise<void>;
  estimateFor(request: HostedRequest): Promise<void>;
  submit(request: ApiInput<"finetune.hostedSubmit">): Promise<boolean>;
  look(jobId: number): Promise<void>;
  cancel(jobId: number): Promise<void>;
  saveKey(name: "openpipe-api-key" | "together-api-key", value: string): Promise<boolean>;
};

/**
 * Hosted fine-tuning runs (OpenPipe, Together) on the Fine-tune screen. The screen shows what was
 * last seen and looks at a provider only when asked ("Look now"); the service itself looks at
 * running runs each minute, as it does the cluster's.
 */
export const useHostedFinetune = create<HostedState>()((set, get) => {
  const replace = (run: HostedFinetuneStatus) => set({ runs: [run, ...get().runs.filter((one) => one.jobId !== run.jobId)].sort((a, b) => b.jobId - a.jobId) });
  return {
    runs: [],
    estimate: null,
    estimateError: null,
    secrets: null,
    submitting: false,
    submitError: null,
    looking: [],
    async load() {
      try {
        const [runs, secrets] = await Promise.all([call("finetune.hostedList", {}), call("secrets.status", {})]);
        set({ runs, secrets });
      } catch (error) {
        reportError(error);
      }
    },
    async estimateFor(request) {
      try {
        set({ estimate: await call("finetune.hostedEstimate", request), estimateError: null });
      } catch (error) {
        set({ estimate: null, estimateError: errorMessage(error) });
      }
    },
    async submit(request) {
      set({ submitting: true, submitError: null });
      try {
        replace(await call("finetune.hostedSubmit", request));
        return true;
      } catch (error) {
        set({ submitError: errorMessage(error) });
        return false;
      } finally {
        set({ submitting: false });
      }
    },
    async look(jobId) {
      set({ looking: [...get().looking, jobId] });
      try {
        replace(await call("finetune.hostedGet", { jobId, poll: true }));
      } catch (error) {
        reportError(error);
      } finally {
        set({ looking: get().looking.filter((one) => one !== jobId) });
      }
    },
    async cancel(jobId) {
      try {
        replace(await call("finetune.hostedCancel", { jobId }));
      } catch (error) {
        reportError(error);
      }
    },
    async saveKey(name, value) {
      try {
        set({ secrets: await call("secrets.set", { name, value }) });
        return true;
      } catch (error) {
        reportError(error);
        return false;
      }
    },
  };
});
