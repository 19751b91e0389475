import { z } from "zod";
import { endpoint, id, nonEmpty } from "./endpoint.ts";

export type ExportResult = { format: string; paths: string[]; rows: number; letters: number; sha256: string | null };

export const ExportFormatSchema = z.enum(["csv", "csv-wide", "json", "redcap", "fhir"]);
export type ExportFormat = z.infer<typeof ExportFormatSchema>;

/** The export screen's defaults. */
export const ExportSettingsSchema = z.strictObject({ bom: z.boolean(), excludeUngrounded: z.boolean(), folder: z.string().nullable() });
export type ExportSettings = z.infer<typeof ExportSettingsSchema>;

export const exportApi = {
  "export.run": endpoint<ExportResult>()(
    z.strictObject({
      format: ExportFormatSchema,
      out: nonEmpty,
      patient: z.string().trim().min(1).optional(),
      modelId: id.optional(),
      bom: z.boolean().default(false),
      excludeUngrounded: z.boolean().default(false),
    }),
  ),
  /** Shows a file this session exported in the system's file manager (desktop app only). */
  "export.reveal": endpoint<{ shown: boolean }>()(z.strictObject({ path: nonEmpty })),
} as const;
