import { z } from "zod";
import { endpoint, id } from "./endpoint.ts";
import { DATASET_NAME } from "./datasets.ts";

export type GoldSetKind = "timeline" | "qa" | "cohort";

/** A stored gold set: what it holds, where from, and where it is written out for scoring. */
export type GoldSetSummary = {
  id: number;
  name: string;
  kind: GoldSetKind;
  /** synthetic, synthetic-qa, reviewed, dataset or files. */
  source: string;
  /** Where the items came from, in words. */
  origin: string;
  items: number;
  /** Items with their letter's text (only those can be run through a model). */
  withLetter: number;
  /** Items whose letter is also a row of a training set's train split. */
  leaked: number;
  /** The gold as the scorers read it: a folder (timelines, cohorts) or a .jsonl file (QA). */
  goldPath: string;
  /** The letters beside, X.txt for each gold X (QA: for each note). */
  lettersDir: string;
  /** What the reader noticed (types outside the schema, letters missing, items left out). */
  notes: string[];
  createdAt: string;
};

export type GoldSetDetail = GoldSetSummary & { itemsList: { name: string; note: string | null; hasLetter: boolean; leakedInto: string[] }[] };

/** A model's extractions of a timeline set's letters, written as prediction files to score. */
export type GoldSetPredictions = {
  /** The folder of timeline documents, one per gold letter extracted. */
  predPath: string;
  model: string;
  written: number;
  /** From failed extractions: their raw output, scored as what it parses to. */
  failed: number;
  /** Gold letters not imported into the store yet, or imported but not extracted with this model yet. */
  notImported: string[];
  notExtracted: string[];
};

export const GoldSourceSchema = z.discriminatedUnion("from", [
  z.strictObject({ from: z.literal("synthetic"), includeFlagged: z.boolean().default(false) }),
  z.strictObject({ from: z.literal("synthetic-qa"), includeFlagged: z.boolean().default(false) }),
  z.strictObject({ from: z.literal("reviewed") }),
  z.strictObject({ from: z.literal("dataset"), dataset: z.string().trim().min(1) }),
  z.strictObject({ from: z.literal("files"), gold: z.string().trim().min(1), letters: z.string().trim().min(1).optional() }),
]);

const GoldSetName = z.string().trim().regex(DATASET_NAME, "use letters, digits, dots, dashes and underscores, up to 80 (a folder is named after it)");

export const goldSetsApi = {
  "goldSets.list": endpoint<GoldSetSummary[]>()(z.strictObject({})),
  /** Stores a gold set from the studio, reviewed letters, a training set's test split, or files, and writes it out for scoring. */
  "goldSets.create": endpoint<GoldSetSummary>()(z.strictObject({ name: GoldSetName, source: GoldSourceSchema })),
  /** A set with each item and the training sets its letter leaked into. */
  "goldSets.show": endpoint<GoldSetDetail>()(z.strictObject({ name: z.string().trim().min(1) })),
  /** Writes the model's extractions of a timeline set's letters under the set's folder, to score them (the letters imported and extracted first). */
  "goldSets.predictions": endpoint<GoldSetPredictions>()(z.strictObject({ name: z.string().trim().min(1), modelId: id })),
} as const;
