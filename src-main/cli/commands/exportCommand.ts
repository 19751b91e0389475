import type { Db } from "../../store/db.ts";
import { CSV_FORMATS, exportCsv, type CsvFormat } from "../../export/csvExport.ts";
import { CliError, EXIT, type Reporter } from "../reporter.ts";

export type ExportFlags = { format: string; out: string; patient?: string; model?: string; bom?: boolean };

export function exportCommand(db: Db, flags: ExportFlags, reporter: Reporter): number {
  if (!(CSV_FORMATS as readonly string[]).includes(flags.format)) {
    throw new CliError(`--format ${flags.format} is not available yet; choose one of: ${CSV_FORMATS.join(", ")}`);
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
