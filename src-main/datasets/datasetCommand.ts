import path from "node:path";
import { CliError, EXIT, positiveInt, type Reporter } from "../cliKit/reporter.ts";
import { loadExtractionPrompt, loadSystemPrompt } from "../extract/prompt.ts";
import { resolveModel } from "../models/modelsCommand.ts";
import type { Db } from "../store/db.ts";
import { isServerModel } from "../store/models.ts";
import { buildDataset, DatasetError, listDatasets, type DatasetCard } from "./buildDataset.ts";
import { TokenCounter } from "./tokenCounter.ts";

/** The prompt a model answering questions about a letter runs with (QA training rows carry it as their system message). */
export const QA_ANSWER_PROMPT_FILE = "qa-answer-system.v1.txt";

export type DatasetBuildFlags = { name: string; base: string; source?: string; minDifficulty?: string; includeReviewed?: boolean; testFraction?: string; seed?: string; maxTokens?: string; includeFlagged?: boolean; letterType: string[] };

export async function datasetBuildCommand(db: Db, dataDir: string, flags: DatasetBuildFlags, reporter: Reporter): Promise<number> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/.test(flags.name)) throw new CliError(`--name ${flags.name}: use letters, digits, dots, dashes and underscores (a folder is named after it)`);
  const testFraction = flags.testFraction === undefined ? 0.1 : Number(flags.testFraction);
  if (!(testFraction >= 0 && testFraction < 1)) throw new CliError(`--test-fraction ${flags.testFraction}: a share from 0 up to (not including) 1`);
  const source = flags.source ?? "letters";
  if (source !== "letters" && source !== "qa") throw new CliError(`--source ${source}: letters (letter → timeline rows) or qa (question → answer rows)`);
  const minDifficulty = flags.minDifficulty === undefined ? 1 : Number(flags.minDifficulty);
  if (!Number.isInteger(minDifficulty) || minDifficulty < 1 || minDifficulty > 10) throw new CliError(`--min-difficulty ${flags.minDifficulty}: a whole number from 1 to 10`);
  if (flags.includeReviewed && source === "qa") throw new CliError("--include-reviewed takes real letters with their corrected timelines: it goes with --source letters");
  const base = resolveModel(db, flags.base);
  if (isServerModel(base)) throw new CliError(`--base ${flags.base}: a server model has no tokenizer here; give the base model's GGUF file`);
  const counter = await TokenCounter.open(base.path);
  try {
    const card = buildDataset(db, counter, {
      name: flags.name,
      source,
      minDifficulty,
      includeReviewed: flags.includeReviewed ?? false,
      folder: path.join(dataDir, "datasets", flags.name),
      base,
      prompt: source === "qa" ? loadSystemPrompt(QA_ANSWER_PROMPT_FILE) : loadExtractionPrompt(),
      testFraction,
      seed: flags.seed === undefined ? 1 : (positiveInt("--seed", flags.seed) as number),
      maxTokens: flags.maxTokens === undefined ? 12_000 : (positiveInt("--max-tokens", flags.maxTokens) as number),
      includeFlagged: flags.includeFlagged ?? false,
      letterTypes: flags.letterType,
    });
    for (const item of card.excluded) reporter.progress(`  left out ${item.id}: ${item.reason}`);
    reporter.event({ type: "summary", ...card }, describe(card));
    return card.excluded.length > 0 ? EXIT.someFailed : EXIT.ok;
  } catch (error) {
    if (error instanceof DatasetError) throw new CliError(error.message);
    throw error;
  } finally {
    await counter.close();
  }
}

export function datasetListCommand(db: Db, reporter: Reporter): number {
  const sets = listDatasets(db);
  for (const set of sets) reporter.event({ type: "dataset", name: set.name, origin: set.origin, folder: set.folder, rows: set.card.counts.rows }, `${set.name}  ${set.origin}  ${set.card.counts.train} train / ${set.card.counts.test} test  ${set.folder}`);
  if (sets.length === 0) reporter.progress("No training sets yet: oncotimeline dataset build --name NAME --base MODEL");
  return EXIT.ok;
}

export function datasetShowCommand(db: Db, name: string, reporter: Reporter): number {
  const set = listDatasets(db).find((candidate) => candidate.name === name);
  if (!set) throw new CliError(`no training set named "${name}" (oncotimeline dataset list)`);
  reporter.event({ type: "summary", ...set.card, folder: set.folder }, `${describe(set.card)}\n${JSON.stringify(set.card, null, 2)}`);
  return EXIT.ok;
}

function describe(card: DatasetCard): string {
  const tokens = card.tokens ? `; tokens per row: median ${card.tokens.median}, 90th percentile ${card.tokens.p90}, longest ${card.tokens.max}` : "";
  const balanced = card.counts.balanced_away > 0 ? `, ${card.counts.balanced_away} pairs left out to balance the kinds` : "";
  return `Training set ${card.name} (${card.source === "qa" ? "question/answer rows" : "letter → timeline rows"}): ${card.counts.train} train and ${card.counts.test} test rows (${card.counts.excluded} left out${balanced}), ${card.origin === "synthetic" ? "synthetic letters only" : "CONTAINS REAL LETTERS: for this hospital's cluster only, never a cloud provider"}, prompt ${card.prompt_version}${tokens}`;
}
