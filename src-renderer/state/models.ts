import { create } from "zustand";
import type { HardwareInfo, ModelEstimate, ModelSummary } from "../../src-shared/api.ts";
import { call } from "../api.ts";
import { reportError, useToasts } from "./toast.ts";

type ModelsState = {
  models: ModelSummary[];
  hardware: HardwareInfo | null;
  estimates: Record<number, ModelEstimate | string>;
  adding: boolean;
  load(): Promise<void>;
  loadHardware(): Promise<void>;
  estimate(modelId: number): Promise<void>;
  add(path: string, name?: string): Promise<boolean>;
};

export const useModels = create<ModelsState>((set, get) => ({
  models: [],
  hardware: null,
  estimates: {},
  adding: false,

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

  async add(path, name) {
    set({ adding: true });
    try {
      const model = await call("models.add", { path, ...(name ? { name } : {}) });
      useToasts.getState().show("info", `Model “${model.name}” passed its test load and is registered.`);
      await get().load();
      void get().estimate(model.id);
      return true;
    } catch (error) {
      reportError(error);
      return false;
    } finally {
      set({ adding: false });
    }
  },
}));
