import { create } from "zustand";
import type { Settings, SettingsView } from "../../src-shared/api.ts";
import { call } from "../api.ts";
import { reportError, useToasts } from "./toast.ts";

type SettingsState = {
  settings: SettingsView | null;
  info: { version: string; dataDir: string; letters: number; user: string } | null;
  load(): Promise<void>;
  save(next: Settings): Promise<boolean>;
};

export const useSettings = create<SettingsState>((set) => ({
  settings: null,
  info: null,
  async load() {
    try {
      const [settings, info] = await Promise.all([call("settings.get", {}), call("app.info", {})]);
      set({ settings, info });
    } catch (error) {
      reportError(error);
    }
  },
  async save(next) {
    try {
      set({ settings: await call("settings.set", next) });
      useToasts.getState().show("info", "Settings saved.");
      return true;
    } catch (error) {
      reportError(error);
      return false;
    }
  },
}));
