import { z } from "zod";
import { endpoint } from "./endpoint.ts";
import { ExportSettingsSchema } from "./export.ts";
import { ExtractionSettingsSchema } from "./extract.ts";
import { ReviewSettingsSchema } from "./timeline.ts";

/** Each capability declares its own section; this is how the settings screen sees them together. */
export const SettingsSchema = z.strictObject({
  ...ReviewSettingsSchema.shape,
  extraction: ExtractionSettingsSchema,
  export: ExportSettingsSchema,
});
export type Settings = z.infer<typeof SettingsSchema>;

export const settingsApi = {
  "settings.get": endpoint<Settings>()(z.strictObject({})),
  "settings.set": endpoint<Settings>()(SettingsSchema),
} as const;
