import { z } from "zod";
import { endpoint, id } from "./endpoint.ts";

/** A training set's card (card.json), as the builder (src-main/datasets/buildDataset.ts) writes it. */
export type DatasetCard = {
  name: string;
  created_at: string;
  /** "contains-real" as soon as one real letter is in it: such a set never goes to a cloud provider. */
  origin: "synthetic" | "contains-real";
  source: "letters" | "qa";
  prompt_version: string;
  base_model: { name: string; fingerprint: string };
  settings: { test_fraction: number; seed: number; max_tokens: number; include_flagged: boolean; letter_types: string[] | null; include_reviewed: boolean; min_difficulty: number | null };
  counts: {
    rows: number;
    train: number;
    test: number;
    excluded: number;
    /** QA: pairs left out to give each kind the same count. */
    balanced_away: number;
    by_letter_type: Record<string, number>;
    by_event_type: Record<string, number>;
    by_qa_kind: Record<string, number>;
  };
  tokens: { min: number; median: number; p90: number; max: number; mean: number } | null;
  files: Record<string, { rows: number; sha256: string }>;
  /** Rows left out, by id, with the reason (over the maximum length: the count and the maximum). */
  excluded: { id: string; reason: string }[];
};

export type DatasetSummary = {
  name: string;
  origin: "synthetic" | "contains-real";
  /** Where train.jsonl, test.jsonl and card.json are. */
  folder: string;
  card: DatasetCard;
};

/** A set's name is also its folder's. */
export const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

/** What a training set is built from; the CLI's `dataset build` flags are checked against the same fields. */
export const DatasetBuildSchema = z.strictObject({
  name: z.string().trim().regex(DATASET_NAME, "use letters, digits, dots, dashes and underscores, up to 80 (a folder is named after it)"),
  /** The base model, without an adapter: its tokenizer and chat template count the tokens. */
  baseModelId: id,
  /** letters: letter → timeline rows; qa: question → answer rows, balanced by kind. */
  source: z.enum(["letters", "qa"]).default("letters"),
  /** QA: only pairs at least this hard. */
  minDifficulty: z.number().int().min(1).max(10).default(1),
  /** Share of letters held out for testing. */
  testFraction: z.number().min(0).lt(1, "a share from 0 up to (not including) 1").default(0.1),
  seed: z.number().int().min(1).max(2 ** 31 - 1).default(1),
  /** Rows longer than this are reported by id and left out, never cut. */
  maxTokens: z.number().int().min(1).max(1_000_000).default(12_000),
  /** Letters: also real letters whose review is finished, with their corrections (the set then holds real letters). */
  includeReviewed: z.boolean().default(false),
  /** Also letters the validator flagged (default: accepted only). */
  includeFlagged: z.boolean().default(false),
  /** Only letters of these types; empty: every type. */
  letterTypes: z.array(z.string().trim().min(1).max(80)).max(100).default([]),
});
export type DatasetBuildRequest = z.output<typeof DatasetBuildSchema>;

export const datasetsApi = {
  "datasets.list": endpoint<DatasetSummary[]>()(z.strictObject({})),
  /** Builds a training set from the studio's letters (or their QA pairs) with the base model's tokenizer; returns its card. */
  "datasets.build": endpoint<DatasetSummary>()(DatasetBuildSchema),
} as const;
