import { SettingsSchema, type Settings } from "../../src-shared/api.ts";
import type { Db } from "../store/db.ts";
import { getSetting, setSetting } from "../store/settings.ts";

export const DEFAULT_SETTINGS: Settings = {
  reviewer: "",
  extraction: { parallel: 1, contexts: null, contextSize: 8192, maxTokens: 4096, gpu: "auto" },
  export: { bom: false, excludeUngrounded: false, folder: null },
};

export function readSettings(db: Db): Settings {
  const stored = SettingsSchema.safeParse(getSetting(db, "app"));
  return stored.success ? stored.data : DEFAULT_SETTINGS;
}

export function writeSettings(db: Db, settings: Settings): void {
  setSetting(db, "app", settings);
}
