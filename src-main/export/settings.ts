import { ExportSettingsSchema, type ExportSettings } from "../../src-shared/api.ts";
import type { SettingsSection } from "../settings/section.ts";

/** Folder null: the data folder. */
export const exportSettings: SettingsSection<ExportSettings> = {
  name: "export",
  fieldPrefix: "export.",
  fields: ExportSettingsSchema.shape,
  defaults: { bom: false, excludeUngrounded: false, folder: null },
};
