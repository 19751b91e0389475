/**
 * The rows of a cloud-safe training set as the hosted clients send them: the chat messages only
 * (our metadata stays home), each with its file and line so a row the provider refuses can be
 * named, and the token count the set was built with (what the cost estimate multiplies).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { CloudSafeDataset } from "../../datasets/cloudSafe.ts";

export type ChatMessage = { role: string; content: string };
export type TrainingRow = { split: "train" | "test"; file: string; line: number; id: string; messages: ChatMessage[]; tokens: number };

export function trainingRows(dataset: CloudSafeDataset): TrainingRow[] {
  const rows: TrainingRow[] = [];
  for (const file of dataset.files) {
    const name = path.basename(file);
    const split = name.startsWith("test") ? "test" : "train";
    readFileSync(file, "utf8")
      .split("\n")
      .forEach((text, index) => {
        if (text.trim() === "") return;
        const row = JSON.parse(text) as { messages?: ChatMessage[]; metadata?: { id?: string; tokens?: number } };
        rows.push({ split, file: name, line: index + 1, id: row.metadata?.id ?? "", messages: row.messages ?? [], tokens: row.metadata?.tokens ?? 0 });
      });
  }
  return rows;
}

/** The train split's tokens as counted with the base model's tokenizer when the set was built. */
export function trainingTokens(dataset: CloudSafeDataset): number {
  return trainingRows(dataset)
    .filter((row) => row.split === "train")
    .reduce((sum, row) => sum + row.tokens, 0);
}

/** "train.jsonl line 7 (synthetic-12)": how a refused row is named to the user. */
export function rowLabel(row: TrainingRow): string {
  return `${row.file} line ${row.line} (${row.id || "no id"})`;
}
