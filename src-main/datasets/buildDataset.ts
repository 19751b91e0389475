/**
 * A training set built from the studio's synthetic letters with their gold timelines, or from
 * the question/answer pairs distilled from them (examples.ts): filtered (QA pairs also
 * by difficulty, and balanced by kind: balance.ts), each a chat row, its tokens counted with the base model's
 * own tokenizer (tokenCounter.ts), rows over the maximum reported by id and left out (never cut
 * short), split train/test by group (split.ts), written as train.jsonl and test.jsonl with a card
 * (counts, token lengths, SHA-256 of every file, origin, prompt version), and recorded in the
 * store. Every file is written whole or not at all (base/atomicFile.ts).
 */
import type { DatasetCard } from "../../src-shared/api/datasets.ts";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileSha256, writeFileAtomically } from "../base/atomicFile.ts";
import { nowIso, prepared, type Db } from "../store/db.ts";
import type { ModelRow } from "../store/models.ts";
import { balanceBy } from "./balance.ts";
import { letterExamples, qaExamples, reviewedLetterExamples, type Example } from "./examples.ts";
import { splitByGroup } from "./split.ts";
import type { TokenCounter } from "./tokenCounter.ts";

export type DatasetOptions = {
  name: string;
  /** letters: extraction rows (letter → timeline); qa: question/answer rows. */
  source: "letters" | "qa";
  /** QA: pairs at least this hard (1-10). */
  minDifficulty: number;
  /** Letters: also real letters whose review is finished, corrections applied (for training inside the hospital only). */
  includeReviewed: boolean;
  folder: string;
  base: ModelRow;
  prompt: { text: string; version: string };
  testFraction: number;
  seed: number;
  maxTokens: number;
  includeFlagged: boolean;
  letterTypes?: readonly string[] | undefined;
};

export type { DatasetCard };

export class DatasetError extends Error {}

export function buildDataset(db: Db, counter: TokenCounter, options: DatasetOptions): DatasetCard {
  if (prepared(db, "SELECT 1 FROM datasets WHERE name = ?").get(options.name)) throw new DatasetError(`a training set named "${options.name}" exists already: choose another name`);
  if (existsSync(options.folder)) throw new DatasetError(`${options.folder} exists already: a training set is written to a new folder`);
  const excluded: DatasetCard["excluded"] = [];
  let examples: Example[];
  let balancedAway = 0;
  if (options.source === "qa") {
    const all = qaExamples(db, options.prompt.text, options);
    examples = balanceBy(all, (example) => example.qaKind ?? "", options.seed);
    balancedAway = all.length - examples.length;
  } else {
    const found = letterExamples(db, options.prompt.text, options);
    const reviewed = options.includeReviewed ? reviewedLetterExamples(db, options.prompt.text) : { examples: [], skipped: [] };
    examples = [...found.examples, ...reviewed.examples];
    excluded.push(...found.skipped, ...reviewed.skipped);
  }
  if (examples.length === 0) {
    throw new DatasetError(
      options.source === "qa"
        ? "no accepted question/answer pair matches: distil pairs in the studio first (oncotimeline synth qa)"
        : `no synthetic letter with gold matches${options.includeReviewed ? " and no real letter's review is finished" : ""}: generate letters in the studio first (oncotimeline synth generate)`,
    );
  }
  const kept: (Example & { tokens: number })[] = [];
  for (const example of examples) {
    const tokens = counter.count(example.row);
    if (tokens > options.maxTokens) {
      excluded.push({ id: example.id, reason: `${tokens} tokens, over the maximum of ${options.maxTokens}` });
      continue;
    }
    kept.push({ ...example, tokens });
  }
  if (kept.length === 0) throw new DatasetError(`every matching example was left out: ${excluded.slice(0, 5).map((item) => `${item.id} (${item.reason})`).join("; ")}`);
  const { train, test } = splitByGroup(kept, (item) => item.group, options.testFraction, options.seed);

  mkdirSync(options.folder, { recursive: true });
  const files: DatasetCard["files"] = {};
  for (const [file, rows] of [["train.jsonl", train], ["test.jsonl", test]] as const) {
    const target = writeFileAtomically(path.join(options.folder, file), (write) => {
      for (const item of rows) write(`${JSON.stringify({ ...item.row, metadata: { id: item.id, letter_type: item.letterType, ...(item.qaKind ? { qa_kind: item.qaKind } : {}), tokens: item.tokens } })}\n`);
    });
    files[file] = { rows: rows.length, sha256: fileSha256(target) };
  }
  const count = (values: string[]) => Object.fromEntries([...new Set(values)].sort().map((value) => [value, values.filter((other) => other === value).length]));
  const lengths = kept.map((item) => item.tokens).sort((a, b) => a - b);
  const at = (share: number) => lengths[Math.min(lengths.length - 1, Math.floor(share * lengths.length))] as number;
  // By construction: the origin is read from the rows written, not from what was asked for.
  const origin = kept.some((item) => item.real) ? "contains-real" : "synthetic";
  const card: DatasetCard = {
    name: options.name,
    created_at: nowIso(),
    origin,
    source: options.source,
    prompt_version: options.prompt.version,
    base_model: { name: options.base.name, fingerprint: options.base.fingerprint },
    settings: { test_fraction: options.testFraction, seed: options.seed, max_tokens: options.maxTokens, include_flagged: options.includeFlagged, letter_types: options.letterTypes?.length ? [...options.letterTypes] : null, include_reviewed: options.includeReviewed, min_difficulty: options.source === "qa" ? options.minDifficulty : null },
    counts: {
      rows: kept.length,
      train: train.length,
      test: test.length,
      excluded: excluded.length,
      balanced_away: balancedAway,
      by_letter_type: count(kept.map((item) => item.letterType)),
      by_event_type: count(kept.flatMap((item) => item.eventTypes)),
      by_qa_kind: count(kept.flatMap((item) => (item.qaKind ? [item.qaKind] : []))),
    },
    tokens: { min: lengths[0] as number, median: at(0.5), p90: at(0.9), max: lengths.at(-1) as number, mean: lengths.reduce((a, b) => a + b, 0) / lengths.length },
    files,
    excluded,
  };
  writeFileAtomically(path.join(options.folder, "card.json"), (write) => write(`${JSON.stringify(card, null, 2)}\n`));
  prepared(db, "INSERT INTO datasets (name, origin, folder, card, created_at) VALUES (?, ?, ?, ?, ?)").run(options.name, origin, path.resolve(options.folder), JSON.stringify(card), card.created_at);
  return card;
}

export function listDatasets(db: Db): { name: string; origin: string; folder: string; card: DatasetCard }[] {
  return (prepared(db, "SELECT name, origin, folder, card FROM datasets ORDER BY id").all() as { name: string; origin: string; folder: string; card: string }[]).map((row) => ({ ...row, card: JSON.parse(row.card) as DatasetCard }));
}
