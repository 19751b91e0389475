/**
 * One training example in the chat format fine-tuning services and TRL read (docs/domain.md §5):
 * system = the extraction prompt the model will run with, user = the letter, assistant = the gold
 * timeline as the grammar-constrained extractor emits it: every key in the schema's own order, an
 * absent optional value as null (the grammar makes the model write each key), and no whitespace
 * between tokens.
 */
import { asEmitted, TIMELINE_GENERATION_SCHEMA } from "../../src-shared/generationSchema.ts";
import { TimelineDocumentSchema, type TimelineDocument } from "../../src-shared/timeline.ts";

export type ChatMessage = { role: "system" | "user" | "assistant"; content: string };
export type TrainingRow = { messages: [ChatMessage, ChatMessage, ChatMessage] };

export function assistantJson(gold: TimelineDocument): string {
  return JSON.stringify(asEmitted(TimelineDocumentSchema.parse(gold), TIMELINE_GENERATION_SCHEMA));
}

export function trainingRow(system: string, letter: string, gold: TimelineDocument): TrainingRow {
  return {
    messages: [
      { role: "system", content: system },
      { role: "user", content: letter },
      { role: "assistant", content: assistantJson(gold) },
    ],
  };
}
