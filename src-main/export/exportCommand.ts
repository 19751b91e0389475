import type { Db } from "../store/db.ts";
import { API } from "../../src-shared/api.ts";
import { runExport } from "./runExport.ts";
import { checkByContract } from "../cliKit/contractFlags.ts";
import { CliError, EXIT, type Reporter } from "../cliKit/reporter.ts";

export type ExportFlags = { format: string; out: string; patient?: string; model?: string; bom?: boolean; excludeUngrounded?: boolean };

export function exportCommand(db: Db, flags: ExportFlags, reporter: Reporter): number {
  // Format and patient are the app's export.run fields: its schema judges them.
  const { format, patient } = checkByContract(API["export.run"].input, {
    format: { flag: "--format", value: flags.format },
    patient: { flag: "--patient", value: flags.patient },
  });
  if (format === undefined) throw new CliError("--format is required");
  const exported = runExport(db, { ...flags, format, patient });
  switch (exported.format) {
    case "json": {
      const result = exported.result;
      reporter.event(
        { type: "summary", ...result },
        `Wrote ${result.letters} letter(s) (${result.extracted} extracted) and ${result.patients} patient timeline(s) to ${result.path}` +
          (result.droppedUngrounded ? `; ${result.droppedUngrounded} ungrounded value(s) left out` : ""),
      );
      break;
    }
    case "redcap": {
      const result = exported.result;
      for (const item of result.skipped) reporter.event({ type: "skipped", ...item }, `skipped letter ${item.letterId} (${item.source}): ${item.reason}`);
      reporter.event(
        { type: "summary", ...result, skipped: result.skipped.length },
        `Wrote ${result.records} REDCap record(s), ${result.rows} row(s): ${result.dictionary} (upload first) and ${result.import}` +
          (result.skipped.length ? `; ${result.skipped.length} letter(s) skipped` : ""),
      );
      break;
    }
    case "fhir": {
      const result = exported.result;
      for (const item of result.skipped) reporter.event({ type: "skipped", ...item }, `skipped letter ${item.letterId} (${item.source}): ${item.reason}`);
      reporter.event(
        { type: "summary", ...result, skipped: result.skipped.length },
        `Wrote ${result.bundles} FHIR bundle(s), ${result.resources} resources, to ${result.folder}${result.skipped.length ? `; ${result.skipped.length} letter(s) skipped` : ""}`,
      );
      break;
    }
    default: {
      const result = exported.result;
      reporter.event(
        { type: "summary", ...result },
        `Wrote ${result.rows} row(s) for ${result.letters} letter(s) to ${result.path}${result.model ? ` (model ${result.model})` : ""}`,
      );
    }
  }
  return EXIT.ok;
}
