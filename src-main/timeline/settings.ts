import { ReviewSettingsSchema, type ReviewSettings } from "../../src-shared/api.ts";
import type { SettingsSection } from "../settings/section.ts";

/** An empty reviewer name means the operating system's user. */
export const reviewSettings: SettingsSection<ReviewSettings> = {
  name: "review",
  fieldPrefix: "",
  fields: ReviewSettingsSchema.shape,
  defaults: { reviewer: "" },
};
