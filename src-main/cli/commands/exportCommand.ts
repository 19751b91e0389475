import type { Db } from "../../store/db.ts";
import { CSV_FORMATS, exportCsv, type CsvFormat } from "../../export/csvExport.ts";
import { exportFhir } from "../../export/fhirExport.ts";
import { exportJson } from "../../export/json/jsonExport.ts";
import { exportRedcap } from "../../export/redcap/redcapExport.ts";
import { CliError, EXIT, type Reporter } from "../reporter.ts";

export type ExportFlags = { format: string; out: string; patient?: string; model?: string; bom?: boolean; excludeUngrounded?: boolean };

export const EXPORT_FORMATS = [...CSV_FORMATS, "json", "redcap", "fhir"] as const;

export function exportCommand(db: Db, flags: ExportFlags, reporter: Reporter): number {
  const scope = { out: flags.out, patient: flags.patient, model: flags.model, excludeUngrounded: flags.excludeUngrounded };
  if (flags.format === "json") {
    const result = exportJson(db, scope);
    reporter.event(
      { type: "summary", ...result },
      `Wrote ${result.letters} letter(s) (${result.extracted} extracted) and ${result.patients} patient timeline(s) to ${result.path}` +
        (result.droppedUngrounded ? `; ${result.droppedUngrounded} ungrounded value(s) left out` : ""),
    );
    return EXIT.ok;
  }
  if (flags.format === "redcap") {
    const result = exportRedcap(db, scope);
    for (const item of result.skipped) reporter.event({ type: "skipped", ...item }, `skipped letter ${item.letterId} (${item.source}): ${item.reason}`);
    reporter.event(
      { type: "summary", ...result, skipped: result.skipped.length },
      `Wrote ${result.records} REDCap record(s), ${result.rows} row(s): ${result.dictionary} (upload first) and ${result.import}` +
        (result.skipped.length ? `; ${result.skipped.length} letter(s) skipped` : ""),
    );
    return EXIT.ok;
  }
  if (flags.format === "fhir") {
    const result = exportFhir(db, scope);
    for (const item of result.skipped) reporter.event({ type: "skipped", ...item }, `skipped letter ${item.letterId} (${item.source}): ${item.reason}`);
    reporter.event(
      { type: "summary", ...result, skipped: result.skipped.length },
      `Wrote ${result.bundles} FHIR bundle(s), ${result.resources} resources, to ${result.folder}${result.skipped.length ? `; ${result.skipped.length} letter(s) skipped` : ""}`,
    );
    return EXIT.ok;
  }
  if (!(CSV_FORMATS as readonly string[]).includes(flags.format)) {
    throw new CliError(`--format ${flags.format} is not available; choose one of: ${EXPORT_FORMATS.join(", ")}`);
  }
  const result = exportCsv(db, {
    format: flags.format as CsvFormat,
    out: flags.out,
    patient: flags.patient,
    model: flags.model,
    bom: flags.bom ?? false,
  });
  reporter.event(
    { type: "summary", ...result },
    `Wrote ${result.rows} row(s) for ${result.letters} letter(s) to ${result.path}${result.model ? ` (model ${result.model})` : ""}`,
  );
  return EXIT.ok;
}
