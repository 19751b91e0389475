import { create } from "zustand";
import type { HardwareInfo, ModelDownload, ModelEstimate, ModelSummary, SecretsStatus } from "../../src-shared/api.ts";
import { call } from "../api.ts";
import { reportError, useToasts } from "./toast.ts";

export type DownloadRequest = { uri?: string; sha256?: string; name?: string };

type ModelsState = {
  models: ModelSummary[];
  /** False until models.list first answered (the Letters screen's first-run panel waits for it). */
  modelsLoaded: boolean;
  hardware: HardwareInfo | null;
  estimates: Record<number, ModelEstimate | string>;
  adding: boolean;
  /** A model to bring into view (the Fine-tune screen's "open the model"); its lineage is opened. */
  focusModelId: number | null;
  /** This process's base-model downloads (models.downloads), newest first. */
  downloads: ModelDownload[];
  startingDownload: boolean;
  /** Where the Hugging Face token is set (never its value). */
  secrets: SecretsStatus | null;
  /** The Letters screen's "Get a base model": bring the download section into view once. */
  focusDownload: boolean;
  load(): Promise<void>;
  loadHardware(): Promise<void>;
  estimate(modelId: number): Promise<void>;
  add(path: string, name?: string, adapterPath?: string): Promise<boolean>;
  focus(modelId: number | null): void;
  loadDownloads(): Promise<void>;
  download(request: DownloadRequest): Promise<boolean>;
  cancelDownload(id: number): Promise<void>;
  loadSecrets(): Promise<void>;
  saveToken(value: string): Promise<boolean>;
  removeToken(): Promise<void>;
  requestDownloadFocus(value: boolean): void;
};

const POLL_MS = 1000;
let timer: ReturnType<typeof setTimeout> | undefined;
const isActive = (download: ModelDownload) => download.state === "running" || download.state === "verifying";

/** Polls models.downloads once a second while a download runs or is being checked, and stops when none is. */
function schedulePoll(get: () => ModelsState): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
  if (!get().downloads.some(isActive)) return;
  timer = setTimeout(() => {
    timer = undefined;
    void get().loadDownloads();
  }, POLL_MS);
}

export const useModels = create<ModelsState>((set, get) => ({
  models: [],
  modelsLoaded: false,
  hardware: null,
  estimates: {},
  adding: false,
  focusModelId: null,
  downloads: [],
  startingDownload: false,
  secrets: null,
  focusDownload: false,

  async load() {
    try {
      set({ models: await call("models.list", {}), modelsLoaded: true });
    } catch (error) {
      reportError(error);
    }
  },

  async loadHardware() {
    try {
      set({ hardware: await call("models.hardware", {}) });
    } catch (error) {
      reportError(error);
    }
  },

  async estimate(modelId) {
    try {
      const value = await call("models.estimate", { modelId });
      set({ estimates: { ...get().estimates, [modelId]: value } });
    } catch (error) {
      // Shown in the model's row: an estimate failing is about that model, not a global error.
      set({ estimates: { ...get().estimates, [modelId]: error instanceof Error ? error.message : String(error) } });
    }
  },

  async add(path, name, adapterPath) {
    set({ adding: true });
    try {
      const model = await call("models.add", { path, ...(name ? { name } : {}), ...(adapterPath ? { adapterPath } : {}) });
      useToasts.getState().show("info", `Model “${model.name}” passed its test load and is registered.`);
      await get().load();
      // A fine-tune added by hand is brought into view with what is known of it.
      if (model.adapterPath !== null) set({ focusModelId: model.id });
      void get().estimate(model.id);
      return true;
    } catch (error) {
      reportError(error);
      return false;
    } finally {
      set({ adding: false });
    }
  },

  focus(modelId) {
    set({ focusModelId: modelId });
  },

  async loadDownloads() {
    try {
      const before = new Map(get().downloads.map((download) => [download.id, download.state]));
      const downloads = await call("models.downloads", {});
      set({ downloads });
      // A download that has just been registered: its model joins the list.
      const registered = downloads.filter((download) => download.state === "registered" && before.has(download.id) && before.get(download.id) !== "registered");
      if (registered.length > 0) {
        await get().load();
        for (const download of registered) {
          if (download.modelId === null) continue;
          const name = get().models.find((model) => model.id === download.modelId)?.name ?? download.uri;
          useToasts.getState().show("info", `Model “${name}” is downloaded, checked and registered.`);
          void get().estimate(download.modelId);
        }
      }
    } catch (error) {
      reportError(error);
    }
    schedulePoll(get);
  },

  async download(request) {
    set({ startingDownload: true });
    try {
      const started = await call("models.download", request);
      set({ downloads: [started, ...get().downloads.filter((download) => download.id !== started.id)] });
      schedulePoll(get);
      return true;
    } catch (error) {
      reportError(error);
      return false;
    } finally {
      set({ startingDownload: false });
    }
  },

  async cancelDownload(id) {
    try {
      const cancelled = await call("models.cancelDownload", { id });
      set({ downloads: get().downloads.map((download) => (download.id === id ? cancelled : download)) });
    } catch (error) {
      reportError(error);
    }
    schedulePoll(get);
  },

  async loadSecrets() {
    try {
      set({ secrets: await call("secrets.status", {}) });
    } catch (error) {
      reportError(error);
    }
  },

  async saveToken(value) {
    try {
      set({ secrets: await call("secrets.set", { name: "huggingface-token", value }) });
      useToasts.getState().show("info", "Hugging Face token saved, encrypted by the operating system.");
      return true;
    } catch (error) {
      reportError(error);
      return false;
    }
  },

  async removeToken() {
    try {
      set({ secrets: await call("secrets.delete", { name: "huggingface-token" }) });
    } catch (error) {
      reportError(error);
    }
  },

  requestDownloadFocus(value) {
    set({ focusDownload: value });
  },
}));
