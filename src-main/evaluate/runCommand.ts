/**
 * `eval run`: a model run over a gold set of letters, end to end: the letters imported into the
 * store (those already there are not imported twice), extracted with the model exactly as
 * `extract` does (a resumable job: a stopped run goes on where it stopped), the model's
 * extractions written beside as timeline documents, and scored against the gold.
 */
import type { Db } from "../store/db.ts";
import { CliError, EXIT, type Reporter } from "../cliKit/reporter.ts";
import { runExtractCommand, type ExtractFlags } from "../extract/extractCommand.ts";
import { importCommand } from "../ingest/importCommand.ts";
import { writePredictions } from "./predictions.ts";
import { scoreCommand } from "./scoreCommand.ts";
import { goldFlags } from "./gold/goldCommand.ts";
import { isFolder } from "./goldFiles.ts";

export type EvalRunFlags = Omit<ExtractFlags, "shard" | "out"> & { gold?: string; letters?: string; goldSet?: string; predictions: string };

export async function evalRunCommand(db: Db, flags: EvalRunFlags, reporter: Reporter): Promise<number> {
  const { gold: goldFlag, letters: lettersFlag, goldSet, predictions, ...extractFlags } = flags;
  const { gold, letters } = goldAndLetters(db, goldFlag, lettersFlag, goldSet);
  if (!isFolder(gold)) throw new CliError(`--gold ${gold} is not a folder of timelines: for a QA gold file add --qa`);
  const imported = await importCommand(db, [letters], {}, reporter);
  const extracted = await runExtractCommand(db, extractFlags, reporter);
  const written = writePredictions(db, extracted.model, gold, predictions);
  const unmatched = [...written.notImported.map((stem) => `${stem} (no letter of that name imported)`), ...written.notExtracted.map((stem) => `${stem} (not extracted)`), ...written.ambiguous.map((stem) => `${stem} (several letters of that name)`)];
  reporter.event(
    { type: "predictions", model: extracted.model.name, folder: predictions, ...written },
    `Wrote ${written.written + written.failed} prediction(s) of ${extracted.model.name} to ${predictions} (${written.failed} from failed extractions)${unmatched.length > 0 ? `; none for ${unmatched.join(", ")}` : ""}. Grounding: ${written.grounding.grounded} of ${written.grounding.values} extracted values found in their letter${written.grounding.rate === null ? "" : ` (${(written.grounding.rate * 100).toFixed(1)}%)`}`,
  );
  const scored = scoreCommand({ gold, pred: predictions }, reporter);
  // A letter whose extraction failed (in this run or an earlier one) or that has no prediction: some items failed.
  return Math.max(imported, extracted.code, scored) === EXIT.ok && unmatched.length === 0 && written.failed === 0 ? EXIT.ok : EXIT.someFailed;
}

/** --gold and --letters, or a stored gold set of the kind the run takes (timelines; QA for eval run --qa) whose every item has its letter. */
export function goldAndLetters(db: Db, gold: string | undefined, letters: string | undefined, goldSet: string | undefined, kind: "timeline" | "qa" = "timeline"): { gold: string; letters: string } {
  if (goldSet !== undefined && (gold !== undefined || letters !== undefined)) throw new CliError("give --gold-set NAME, or --gold DIR with --letters DIR, not both");
  const resolved = goldFlags({ gold, goldSet }, () => db);
  if (resolved.set === null) {
    if (letters === undefined) throw new CliError("--gold DIR needs --letters DIR (the letters to run the model over)");
    return { gold: resolved.goldPath, letters };
  }
  const { set } = resolved;
  if (set.kind !== kind) throw new CliError(`gold set ${set.name} holds ${set.kind} items: ${kind === "qa" ? "eval run --qa asks QA questions" : "eval run extracts timelines (eval run --qa asks QA questions)"}`);
  if (set.withLetter < set.items) throw new CliError(`gold set ${set.name}: ${set.items - set.withLetter} of its ${set.items} items have no letter to run the model over (it was made from files without --letters)`);
  return { gold: set.goldPath, letters: set.lettersDir };
}
