import path from "node:path";
import type { ImportFileResult, ImportReport } from "../../src-shared/api.ts";
import type { Db } from "../store/db.ts";
import { importPaths, type ImportEvent } from "./importToStore.ts";

/** Per-file results: a CSV or JSONL file's rows are summed into one line for the file. */
export async function importWithReport(db: Db, paths: string[], stagingFolder?: string): Promise<ImportReport> {
  const files = new Map<string, ImportFileResult>();
  const label = (source: string) => {
    const file = source.replace(/:\d+$/, "");
    return stagingFolder && file.startsWith(stagingFolder + path.sep) ? file.slice(stagingFolder.length + 1) : file;
  };
  const entry = (source: string) => {
    const key = label(source);
    let found = files.get(key);
    if (!found) files.set(key, (found = { source: key, status: "duplicate", letters: 0, message: null }));
    return found;
  };
  const onEvent = (event: ImportEvent) => {
    const file = entry(event.source);
    if (event.type === "imported") {
      file.letters++;
      if (file.status !== "problem") file.status = "imported";
    } else if (event.type === "problem") {
      file.status = "problem";
      file.message = file.message ? `${file.message}; ${event.message}` : event.message;
    } else if (event.type === "skipped") {
      file.status = "skipped";
      file.message = event.reason;
    }
  };
  const summary = await importPaths(db, paths, {}, onEvent);
  return { imported: summary.imported, duplicates: summary.duplicates, problems: summary.problems, files: [...files.values()] };
}
