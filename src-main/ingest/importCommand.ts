import path from "node:path";
import type { Db } from "../store/db.ts";
import { shardLabel } from "../extract/shards.ts";
import { importPaths, type ImportOptions } from "./importToStore.ts";
import { CliError, EXIT, shardFlag, type Reporter } from "../cliKit/reporter.ts";

export type ImportFlags = { pattern?: string; textColumn?: string; patientColumn?: string; dateColumn?: string; shard?: string };

/** A progress line (stderr) every this many letters read, or this long, whichever comes first. */
const PROGRESS_EVERY_ITEMS = 10_000;
const PROGRESS_EVERY_MS = 30_000;

export async function importCommand(db: Db, paths: string[], flags: ImportFlags, reporter: Reporter): Promise<number> {
  const shard = shardFlag(flags.shard);
  const started = performance.now();
  const last = { read: 0, at: started };
  const options: ImportOptions = {
    ...(shard ? { shard } : {}),
    onProgress(read, so) {
      const now = performance.now();
      if (read - last.read < PROGRESS_EVERY_ITEMS && now - last.at < PROGRESS_EVERY_MS) return;
      Object.assign(last, { read, at: now });
      const perSecond = Math.round(read / ((now - started) / 1000));
      const others = shard ? `, ${so.inOtherShards} left to other shards` : "";
      reporter.progress(`Read ${read} so far (${perSecond}/s): ${so.imported} imported, ${so.duplicates} already in the store${others}, ${so.problems} problem(s)`);
    },
  };
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
