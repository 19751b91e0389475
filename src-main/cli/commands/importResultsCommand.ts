import type { Db } from "../../store/db.ts";
import { importResults } from "../../extract/resultsFile.ts";
import { EXIT, type Reporter } from "../reporter.ts";

export async function importResultsCommand(db: Db, files: string[], reporter: Reporter): Promise<number> {
  const summary = await importResults(db, files, (event) => {
    if (event.type === "problem") reporter.event(event, `problem: ${event.source}: ${event.message}`);
    else reporter.event(event);
  });
  reporter.event(
    { type: "summary", ...summary },
    `Merged ${summary.imported} result(s); ${summary.unchanged} already present; ${summary.keptExisting} failed result(s) not applied over an existing good one; ${summary.problems} problem(s).`,
  );
  return summary.problems > 0 ? EXIT.someFailed : EXIT.ok;
}
