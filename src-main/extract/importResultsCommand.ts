import type { Db } from "../store/db.ts";
import { importResults } from "./resultsFile.ts";
import { EXIT, type Reporter } from "../cliKit/reporter.ts";

export async function importResultsCommand(db: Db, files: string[], reporter: Reporter): Promise<number> {
  const summary = await importResults(db, files, (event) => {
    if (event.type === "problem") reporter.event(event, `problem: ${event.source}: ${event.message}`);
    else if (event.type === "incomplete") reporter.event(event, `${event.source}: the last line is incomplete (its shard is still writing it?): that letter comes with a later merge`);
    else reporter.event(event);
  });
  reporter.event(
    { type: "summary", ...summary },
    `Merged ${summary.imported} result(s); ${summary.unchanged} already present; ${summary.keptExisting} failed result(s) not applied over an existing good one; ${summary.problems} problem(s)${summary.incomplete > 0 ? `; ${summary.incomplete} incomplete last line(s) left for a later merge` : ""}.`,
  );
  return summary.problems > 0 ? EXIT.someFailed : EXIT.ok;
}
