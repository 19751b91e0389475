import type { ExportFormat } from "../../src-shared/api.ts";
import { LONG_CSV_COLUMNS, WIDE_CSV_COLUMNS } from "../../src-shared/csvColumns.ts";
import type { Db } from "../store/db.ts";
import { appendAudit } from "../audit/auditLog.ts";
import { fileSha256, writeFileAtomically } from "../base/atomicFile.ts";
import { csvLine } from "./cells.ts";
import { prepareLetter } from "./json/prune.ts";
import { longRows, wideRow } from "./rows.ts";
import { extractedLetters, resolveExportModel } from "./source.ts";
import { modelProvenance } from "../store/models.ts";

export type CsvFormat = Extract<ExportFormat, "csv" | "csv-wide">;

export type CsvExportOptions = {
  format: CsvFormat;
  out: string;
  patient?: string;
  model?: string;
  /** A UTF-8 byte-order mark, so that Excel opens the file as UTF-8. Default false. */
  bom?: boolean;
  /** Leave out values with no supporting text in the letter (as the other formats do). Default false. */
  excludeUngrounded?: boolean;
};

export type CsvExportResult = { path: string; rows: number; letters: number; model: string | null };

export function exportCsv(db: Db, options: CsvExportOptions): CsvExportResult {
  const model = resolveExportModel(db, options.model);
  const columns = options.format === "csv" ? LONG_CSV_COLUMNS : WIDE_CSV_COLUMNS;
  let rows = 0;
  let letters = 0;
  const target = writeFileAtomically(options.out, (write) => {
    let chunk = (options.bom ? "\uFEFF" : "") + csvLine(columns.map((column) => column.name));
    const flushAt = 1 << 16;
    for (const extracted of extractedLetters(db, model, { patient: options.patient })) {
      letters++;
      const { document, evidence } = prepareLetter(extracted, options.excludeUngrounded ?? false);
      const item = { ...extracted, document, evidence };
      const records = options.format === "csv" ? longRows(item) : [wideRow(item)];
      for (const record of records) {
        chunk += csvLine(columns.map((column) => (record as Record<string, string | number | boolean | null>)[column.name]));
        rows++;
      }
      if (chunk.length > flushAt) {
        write(chunk);
        chunk = "";
      }
    }
    write(chunk);
  });
  appendAudit(db, {
    action: "export",
    subject: `export ${options.format} ${target}`,
    details: { format: options.format, rows, letters, excludeUngrounded: options.excludeUngrounded ?? false, model: model?.name ?? null, modelProvenance: modelProvenance(model), patient: options.patient ?? null, sha256: fileSha256(target) },
  });
  return { path: target, rows, letters, model: model?.name ?? null };
}
