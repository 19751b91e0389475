/** `eval gold add|list|show`, and the `--gold-set NAME` that scoring commands take in place of `--gold PATH`. */
import { CliError, EXIT, type Reporter } from "../../cliKit/reporter.ts";
import type { GoldSetSummary } from "../../../src-shared/api/goldSets.ts";
import { GoldSourceSchema } from "../../../src-shared/api/goldSets.ts";
import { DATASET_NAME } from "../../../src-shared/api/datasets.ts";
import type { Db } from "../../store/db.ts";
import { ScoringInputError } from "../scoringInputError.ts";
import { createGoldSet, goldSetDetail, goldSetOnDisk, goldSetSummaries } from "./goldSets.ts";

export type GoldAddFlags = { from: string; dataset?: string; gold?: string; letters?: string; includeFlagged?: boolean };

const SOURCES = GoldSourceSchema.options.map((option) => option.shape.from.value);

export function goldAddCommand(db: Db, dataDir: string, name: string, flags: GoldAddFlags, reporter: Reporter): number {
  if (!DATASET_NAME.test(name)) throw new CliError(`gold set name "${name}": use letters, digits, dots, dashes and underscores, up to 80 (a folder is named after it)`);
  const needs: Partial<Record<string, [keyof GoldAddFlags, string]>> = { dataset: ["dataset", "--dataset NAME (a training set: its test split)"], files: ["gold", "--gold PATH (a folder of timeline .json or n2c2 .xml files, or a QA .jsonl/.csv file)"] };
  const need = needs[flags.from];
  if (need && flags[need[0]] === undefined) throw new CliError(`--from ${flags.from} needs ${need[1]}`);
  const parsed = GoldSourceSchema.safeParse({
    from: flags.from,
    ...(flags.from === "synthetic" || flags.from === "synthetic-qa" ? { includeFlagged: flags.includeFlagged ?? false } : {}),
    ...(flags.from === "dataset" ? { dataset: flags.dataset } : {}),
    ...(flags.from === "files" ? { gold: flags.gold, ...(flags.letters === undefined ? {} : { letters: flags.letters }) } : {}),
  });
  if (!parsed.success) throw new CliError(`--from: one of ${SOURCES.join(", ")}, not "${flags.from}"`);
  try {
    const set = createGoldSet(db, dataDir, name, parsed.data);
    for (const note of set.notes) reporter.progress(`  ${note}`);
    reporter.event({ type: "summary", ...set }, describe(set));
    return EXIT.ok;
  } catch (error) {
    if (error instanceof ScoringInputError) throw new CliError(error.message);
    throw error;
  }
}

export function goldListCommand(db: Db, reporter: Reporter): number {
  const sets = goldSetSummaries(db);
  for (const set of sets) reporter.event({ type: "gold-set", ...set }, describe(set));
  if (sets.length === 0) reporter.progress("No gold sets yet: oncotimeline eval gold add NAME --from synthetic|synthetic-qa|reviewed|dataset|files");
  return EXIT.ok;
}

export function goldShowCommand(db: Db, name: string, reporter: Reporter): number {
  const set = withCliErrors(() => goldSetDetail(db, name));
  const leaked = set.itemsList.filter((item) => item.leakedInto.length > 0);
  const lines = [describe(set), ...set.notes.map((note) => `  note: ${note}`), ...leaked.map((item) => `  LEAKED ${item.name}: its letter is a training row of ${item.leakedInto.join(", ")}`)];
  reporter.event({ type: "summary", ...set }, lines.join("\n"));
  return EXIT.ok;
}

/** `--gold PATH` or `--gold-set NAME`, exactly one: the gold path the scorers read, and the stored set when named. */
export function goldFlags(flags: { gold?: string | undefined; goldSet?: string | undefined }, db: () => Db): { goldPath: string; set: GoldSetSummary | null } {
  if ((flags.gold === undefined) === (flags.goldSet === undefined)) throw new CliError("give the gold as --gold PATH or --gold-set NAME (one of them)");
  if (flags.gold !== undefined) return { goldPath: flags.gold, set: null };
  const set = withCliErrors(() => goldSetOnDisk(db(), flags.goldSet as string));
  return { goldPath: set.goldPath, set };
}

function withCliErrors<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof ScoringInputError) throw new CliError(error.message);
    throw error;
  }
}

function describe(set: GoldSetSummary): string {
  const letters = set.withLetter === set.items ? "" : `, ${set.items - set.withLetter} without their letter (scoring only)`;
  const leaked = set.leaked > 0 ? `; ${set.leaked} LEAKED into a training set (eval gold show ${set.name})` : "";
  return `Gold set ${set.name}: ${set.items} ${set.kind} item(s) from ${set.origin}${letters}${leaked}. Gold: ${set.goldPath}`;
}
