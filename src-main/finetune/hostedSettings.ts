import { HostedFinetuneSettingsSchema, type HostedFinetuneSettings } from "../../src-shared/api/finetune.ts";
import type { SettingsSection } from "../settings/section.ts";

/**
 * The hosted providers' prices per million training tokens, for the estimate before a run is
 * sent. Defaults: the published list prices for a LoRA fine-tune of an 8B model when this was
 * written (both USD 0.48); a setting, since prices change and contracts differ.
 */
export const hostedFinetuneSettings: SettingsSection<HostedFinetuneSettings> = {
  name: "hostedFinetune",
  fieldPrefix: "hostedFinetune.",
  fields: HostedFinetuneSettingsSchema.shape,
  defaults: { openpipePricePerMillionTokens: 0.48, togetherPricePerMillionTokens: 0.48 },
};
