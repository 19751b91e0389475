import path from "node:path";
import { DatasetBuildSchema, type DatasetBuildRequest } from "../../src-shared/api/datasets.ts";
import { checkByContract, numberFlag } from "../cliKit/contractFlags.ts";
import { CliError, EXIT, type Reporter } from "../cliKit/reporter.ts";
import { loadExtractionPrompt, loadSystemPrompt } from "../extract/prompt.ts";
import { QA_ANSWER_PROMPT_FILE } from "../extract/questionPrompt.ts";
import { resolveModel } from "../models/modelsCommand.ts";
import type { Db } from "../store/db.ts";
import { isServerModel, type ModelRow } from "../store/models.ts";
import { buildDataset, DatasetError, listDatasets, type DatasetCard } from "./buildDataset.ts";
import { TokenCounter } from "./tokenCounter.ts";

/** A build as the app's datasets.build takes it, with its base model found (by id in the app, by name or file in the CLI). */
export type TrainingSetRequest = Omit<DatasetBuildRequest, "baseModelId"> & { base: ModelRow };

/**
 * The one way a training set is built, for `dataset build` and the Datasets screen alike: the
 * request's own checks, the base model's tokenizer opened (vocabulary only) and closed, the set
 * written under the data folder's datasets/. A refusal is a DatasetError, in words for either.
 */
export async function buildTrainingSet(db: Db, dataDir: string, request: TrainingSetRequest): Promise<{ card: DatasetCard; folder: string }> {
  const { base, source } = request;
  if (request.includeReviewed && source === "qa") throw new DatasetError("including reviewed real letters takes them with their corrected timelines: it goes with letter rows (source letters), not question/answer rows");
  if (isServerModel(base)) throw new DatasetError(`the base "${base.name}" is a server model, which has no tokenizer here: choose the base model's GGUF file`);
  if (base.adapter_path !== null) throw new DatasetError(`"${base.name}" is itself a fine-tune (base + adapter): build the set for its base model, which the fine-tune is trained on`);
  const folder = path.join(dataDir, "datasets", request.name);
  const counter = await TokenCounter.open(base.path);
  try {
    const card = buildDataset(db, counter, {
      name: request.name,
      source,
      minDifficulty: request.minDifficulty,
      includeReviewed: request.includeReviewed,
      folder,
      base,
      prompt: source === "qa" ? loadSystemPrompt(QA_ANSWER_PROMPT_FILE) : loadExtractionPrompt(),
      testFraction: request.testFraction,
      seed: request.seed,
      maxTokens: request.maxTokens,
      includeFlagged: request.includeFlagged,
      letterTypes: request.letterTypes,
    });
    return { card, folder: path.resolve(folder) };
  } finally {
    await counter.close();
  }
}

export type DatasetBuildFlags = { name: string; base: string; source?: string; minDifficulty?: string; includeReviewed?: boolean; testFraction?: string; seed?: string; maxTokens?: string; includeFlagged?: boolean; letterType: string[] };

/** The flags checked against datasets.build's own schema: the CLI refuses what the app refuses, in the same words. */
const BuildFlagsSchema = DatasetBuildSchema.omit({ baseModelId: true });

export async function datasetBuildCommand(db: Db, dataDir: string, flags: DatasetBuildFlags, reporter: Reporter): Promise<number> {
  const checked = checkByContract(BuildFlagsSchema, {
    name: { flag: "--name", value: flags.name },
    source: { flag: "--source", value: flags.source },
    minDifficulty: { flag: "--min-difficulty", value: numberFlag("--min-difficulty", flags.minDifficulty) },
    testFraction: { flag: "--test-fraction", value: numberFlag("--test-fraction", flags.testFraction) },
    seed: { flag: "--seed", value: numberFlag("--seed", flags.seed) },
    maxTokens: { flag: "--max-tokens", value: numberFlag("--max-tokens", flags.maxTokens) },
  });
  const options = BuildFlagsSchema.parse({ ...checked, includeReviewed: flags.includeReviewed ?? false, includeFlagged: flags.includeFlagged ?? false, letterTypes: flags.letterType });
  const base = resolveModel(db, flags.base);
  try {
    const { card } = await buildTrainingSet(db, dataDir, { ...options, base });
    for (const item of card.excluded) reporter.progress(`  left out ${item.id}: ${item.reason}`);
    reporter.event({ type: "summary", ...card }, describe(card));
    return card.excluded.length > 0 ? EXIT.someFailed : EXIT.ok;
  } catch (error) {
    if (error instanceof DatasetError) throw new CliError(error.message);
    throw error;
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
