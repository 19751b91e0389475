import type { Db } from "../store/db.ts";
import type { ExportFormat } from "../../src-shared/api.ts";
import { exportCsv, type CsvExportResult, type CsvFormat } from "./csvExport.ts";
import { exportFhir, type FhirExportResult } from "./fhirExport.ts";
import { exportJson, type JsonExportResult } from "./json/jsonExport.ts";
import { exportRedcap, type RedcapExportResult } from "./redcap/redcapExport.ts";

/** The formats are the contract's (ExportFormatSchema), so the CLI and the app offer the same ones. */
export type ExportFormatName = ExportFormat;

export type ExportRequest = {
  format: ExportFormatName;
  out: string;
  patient?: string;
  model?: string;
  bom?: boolean;
  excludeUngrounded?: boolean;
};

export type AnyExportResult =
  | { format: CsvFormat; result: CsvExportResult }
  | { format: "json"; result: JsonExportResult }
  | { format: "redcap"; result: RedcapExportResult }
  | { format: "fhir"; result: FhirExportResult };

/** One export in any format; the CLI and the app both come through here. */
export function runExport(db: Db, request: ExportRequest): AnyExportResult {
  const scope = { out: request.out, patient: request.patient, model: request.model, excludeUngrounded: request.excludeUngrounded };
  switch (request.format) {
    case "json":
      return { format: "json", result: exportJson(db, scope) };
    case "redcap":
      return { format: "redcap", result: exportRedcap(db, scope) };
    case "fhir":
      return { format: "fhir", result: exportFhir(db, scope) };
    case "csv":
    case "csv-wide":
      return { format: request.format, result: exportCsv(db, { ...scope, format: request.format, bom: request.bom ?? false }) };
  }
}
