import { create } from "zustand";
import type { HardwareInfo, ModelEstimate, ModelSummary } from "../../src-shared/api.ts";
import { call } from "../api.ts";
import { reportError, useToasts } from "./toast.ts";

type ModelsState = {
  models: ModelSummary[];
  hardware: HardwareInfo | null;
  estimates: Record<number, ModelEstimate | string>;
  adding: boolean;
  /** A model to bring into view (the Fine-tune screen's "open the model"); its lineage is opened. */
  focusModelId: number | null;
  load(): Promise<void>;
  loadHardware(): Promise<void>;
  estimate(modelId: number): Promise<void>;
  add(path: string, name?: string, adapterPath?: string): Promise<boolean>;
  focus(modelId: number | null): void;
};

export const useModels = create<ModelsState>((set, get) => ({
  models: [],
  hardware: null,
  estimates: {},
  adding: false,
  focusModelId: null,

  async load() {
    try {
      set({ models: await call("models.list", {}) });
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
}));
