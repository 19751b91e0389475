import { z } from "zod";
import { endpoint } from "./endpoint.ts";
import { ExportSettingsSchema } from "./export.ts";
import { ExtractionSettingsSchema } from "./extract.ts";
import { ClusterSettingsSchema, HostedFinetuneSettingsSchema } from "./finetune.ts";
import { ReviewSettingsSchema } from "./timeline.ts";

/** Each capability declares its own section; this is how the settings screen sees them together. */
export const SettingsSchema = z.strictObject({
  ...ReviewSettingsSchema.shape,
  extraction: ExtractionSettingsSchema,
  export: ExportSettingsSchema,
  cluster: ClusterSettingsSchema,
  hostedFinetune: HostedFinetuneSettingsSchema,
});
export type Settings = z.infer<typeof SettingsSchema>;

/**
 * A stored setting this build could not use: a value it refuses (its default is used instead) or
 * a field it does not know (written by another version; ignored). Saving the settings rewrites them.
 */
export type SettingsWarning = { setting: string; problem: "invalid" | "unknown"; message: string };
export type SettingsView = Settings & { warnings: SettingsWarning[] };

export const settingsApi = {
  "settings.get": endpoint<SettingsView>()(z.strictObject({})),
  // What settings.get returned may be sent back as it is: its warnings are ignored. A section left
  // out keeps what is stored (a client from before the section existed does not send it).
  "settings.set": endpoint<SettingsView>()(
    SettingsSchema.partial({ extraction: true, export: true, cluster: true, hostedFinetune: true }).extend({ warnings: z.array(z.unknown()).optional() }),
  ),
} as const;
