import path from "node:path";
import type { Db } from "../../store/db.ts";
import { shardLabel } from "../../extract/shards.ts";
import { importPaths, type ImportOptions } from "../../ingest/importToStore.ts";
import { CliError, EXIT, shardFlag, type Reporter } from "../reporter.ts";

export type ImportFlags = { pattern?: string; textColumn?: string; patientColumn?: string; dateColumn?: string; shard?: string };

export async function importCommand(db: Db, paths: string[], flags: ImportFlags, reporter: Reporter): Promise<number> {
  const shard = shardFlag(flags.shard);
  const options: ImportOptions = shard ? { shard } : {};
  if (flags.pattern !== undefined) {
    try {
      options.fileNamePattern = new RegExp(flags.pattern);
    } catch (error) {
      throw new CliError(`--pattern is not a valid regular expression: ${(error as Error).message}`);
    }
  }
  const columns = { text: flags.textColumn, patient: flags.patientColumn, date: flags.dateColumn };
  if (Object.values(columns).some((value) => value !== undefined)) {
    options.columns = Object.fromEntries(Object.entries(columns).filter(([, value]) => value !== undefined));
  }
  const skippedByExtension = new Map<string, number>();
  const summary = await importPaths(db, paths, options, (event) => {
    if (event.type === "problem") reporter.event(event, `problem: ${event.source}: ${event.message}`);
    else if (event.type === "skipped") {
      reporter.event(event);
      const extension = path.extname(event.source).toLowerCase() || "(none)";
      skippedByExtension.set(extension, (skippedByExtension.get(extension) ?? 0) + 1);
    }
    else if (event.type === "duplicate") reporter.event(event, `already imported: ${event.source} (letter ${event.letterId})`);
    else reporter.event(event);
  });
  reporter.event(
    { type: "summary", ...summary },
    `Imported ${summary.imported} letter(s)` +
      (shard ? ` of shard ${shardLabel(shard)} (${summary.inOtherShards} left to the other shards)` : "") +
      `; ${summary.duplicates} already in the store; ${summary.problems} problem(s).` +
      (summary.skipped > 0
        ? ` Skipped ${summary.skipped} file(s) of other types in the folders (${[...skippedByExtension].map(([ext, n]) => `${ext} ×${n}`).join(", ")}).`
        : ""),
  );
  return summary.problems > 0 ? EXIT.someFailed : EXIT.ok;
}
