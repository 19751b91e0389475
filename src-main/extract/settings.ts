import { ExtractionSettingsSchema, type ExtractionSettings } from "../../src-shared/api.ts";
import type { SettingsSection } from "../settings/section.ts";

/** One letter at a time on the GPU when there is one; contexts null: chosen for the machine. */
export const extractionSettings: SettingsSection<ExtractionSettings> = {
  name: "extraction",
  fieldPrefix: "extraction.",
  fields: ExtractionSettingsSchema.shape,
  defaults: { parallel: 1, contexts: null, contextSize: 8192, maxTokens: 4096, gpu: "auto" },
};
