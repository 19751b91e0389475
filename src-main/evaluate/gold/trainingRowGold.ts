/**
 * A training row (src-main/datasets/trainingRow.ts, examples.ts) read back as gold: its user
 * message is the letter (QA rows: the letter, then the question) and its assistant message the
 * gold. One reading for rows made in memory (the studio's letters, reviewed letters) and rows read
 * from a built set's test.jsonl, so every gold set made from training material agrees.
 */
import type { TrainingRow } from "../../datasets/trainingRow.ts";
import { splitQaUserMessage } from "../../extract/questionPrompt.ts";
import { letterSha256, type GoldItem } from "./goldItem.ts";

export function timelineRowGold(name: string, row: TrainingRow): GoldItem {
  return { name, note: null, letter: row.messages[1].content, gold: JSON.parse(row.messages[2].content) as unknown };
}

/**
 * `note`: the letter's name (the bootstrap resamples notes, so a letter's questions move
 * together); null where the row does not name it (a built set's rows): then one from its text.
 */
export function qaRowGold(name: string, note: string | null, kind: string, row: TrainingRow): GoldItem {
  const split = splitQaUserMessage(row.messages[1].content);
  if (!split) throw new Error(`${name}: the user message has no "Question:" after the letter`);
  note ??= `note-${letterSha256(split.letter).slice(0, 12)}`;
  const reply = JSON.parse(row.messages[2].content) as { answer: unknown; source?: unknown };
  return { name, note, letter: split.letter, gold: { id: name, note_id: note, kind, question: split.question, answer: reply.answer, source: reply.source ?? "" } };
}
