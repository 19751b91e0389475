// A store holding training sets written as `dataset build` writes them (chat rows with their id
// and token count, a card with every file's SHA-256), without a model to count tokens: for the
// hosted fine-tuning tests, which need the rows and the card, not the tokenizer.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { DatasetCard } from "../../src-shared/api/datasets.ts";
import { openStore } from "../../src-main/store/db.ts";
import { registerModelRecord } from "../../src-main/store/models.ts";

export const BASE_FINGERPRINT = "base-fingerprint-llama-3.1-8b";

export type SetRow = { id: string; user: string; assistant: string; tokens: number };

/** `count` synthetic rows; row i's letter and answer differ, its tokens are 1000 + i. */
export function syntheticRows(count: number, prefix = "synthetic"): SetRow[] {
  return Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i + 1}`, user: `Clinic letter ${i + 1}: carcinoma of the breast, 2021.`, assistant: JSON.stringify({ primary_cancer: { site: "breast", year: 2021, n: i + 1 } }), tokens: 1000 + i }));
}

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** Writes the set's files, card and store row; the base model is registered (as a record) if it is not yet. */
export function writeTrainingSet(data: string, name: string, sets: { train: SetRow[]; test: SetRow[] }, origin: DatasetCard["origin"] = "synthetic"): void {
  const folder = path.join(data, "datasets", name);
  mkdirSync(folder, { recursive: true });
  const files: DatasetCard["files"] = {};
  for (const [file, rows] of [["train.jsonl", sets.train], ["test.jsonl", sets.test]] as const) {
    const text = rows
      .map((row) => JSON.stringify({ messages: [{ role: "system", content: "Extract the timeline." }, { role: "user", content: row.user }, { role: "assistant", content: row.assistant }], metadata: { id: row.id, letter_type: "follow_up", tokens: row.tokens } }))
      .join("\n");
    writeFileSync(path.join(folder, file), rows.length > 0 ? `${text}\n` : "");
    files[file] = { rows: rows.length, sha256: sha256(path.join(folder, file)) };
  }
  const all = [...sets.train, ...sets.test].map((row) => row.tokens).sort((a, b) => a - b);
  const card: DatasetCard = {
    name,
    created_at: new Date().toISOString(),
    origin,
    source: "letters",
    prompt_version: "test",
    base_model: { name: "llama-base", fingerprint: BASE_FINGERPRINT },
    settings: { test_fraction: 0.2, seed: 1, max_tokens: 12000, include_flagged: false, letter_types: null, include_reviewed: origin !== "synthetic", min_difficulty: null },
    counts: { rows: all.length, train: sets.train.length, test: sets.test.length, excluded: 0, balanced_away: 0, by_letter_type: { follow_up: all.length }, by_event_type: {}, by_qa_kind: {} },
    tokens: { min: all[0] ?? 0, median: all[Math.floor(all.length / 2)] ?? 0, p90: all[Math.floor(all.length * 0.9)] ?? 0, max: all.at(-1) ?? 0, mean: all.reduce((a, b) => a + b, 0) / Math.max(1, all.length) },
    files,
    excluded: [],
  };
  writeFileSync(path.join(folder, "card.json"), `${JSON.stringify(card, null, 2)}\n`);
  const db = openStore(data);
  try {
    registerModelRecord(db, { name: "llama-base", path: path.join(data, "llama-base.gguf"), bytes: 1, fingerprint: BASE_FINGERPRINT });
    db.prepare("INSERT INTO datasets (name, origin, folder, card, created_at) VALUES (?, ?, ?, ?, ?)").run(name, origin, folder, JSON.stringify(card), card.created_at);
  } finally {
    db.close();
  }
}
