/**
 * A question about one letter, put to a model the way the QA training rows put it (the
 * distillation study's format): the QA answering system prompt, the letter then the question as
 * the user's message, and a reply of one JSON object `{answer, source}` generated under its own
 * small schema. Training rows (datasets/examples.ts), `eval run --qa` and `eval screen` all build
 * the message here, so a model is asked exactly as it was trained.
 */
import { z } from "zod";
import { toGenerationSchema } from "../../src-shared/generationSchema.ts";
import type { OutputSchema } from "./engineFactory.ts";

/** The prompt a model answering questions about a letter runs with (QA training rows carry it as their system message). */
export const QA_ANSWER_PROMPT_FILE = "qa-answer-system.v1.txt";

const QUESTION_MARK = "\n\nQuestion: ";

export function qaUserMessage(letterText: string, question: string): string {
  return `${letterText}${QUESTION_MARK}${question}`;
}

/** A QA row's user message split back into its letter and question (the question follows the last marker), for gold sets and leakage checks. */
export function splitQaUserMessage(content: string): { letter: string; question: string } | null {
  const at = content.lastIndexOf(QUESTION_MARK);
  return at < 0 ? null : { letter: content.slice(0, at), question: content.slice(at + QUESTION_MARK.length) };
}

/**
 * Bounded so a grammar can generate it: an answer is "Yes", "No", "N/A" or a number; a source is
 * a short quote (the prompt asks for "as short as will do").
 */
const QaReplySchema = z.object({ answer: z.string().max(40), source: z.string().max(400) });
export type QaReply = z.infer<typeof QaReplySchema>;

export const QA_ANSWER_OUTPUT: OutputSchema = { name: "qa_answer", schema: toGenerationSchema(QaReplySchema) };

/** The model's text as {answer, source}, or why it is not one. */
export function parseQaReply(text: string): { ok: true; reply: QaReply } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `the reply is not JSON: ${(error as Error).message} (starts ${JSON.stringify(text.slice(0, 60))})` };
  }
  // The grammar bounds lengths; a server without a grammar may not, so only the shape is required here.
  const parsed = z.object({ answer: z.string(), source: z.string() }).safeParse(value);
  if (!parsed.success) return { ok: false, error: `the reply is not {answer, source}: ${parsed.error.issues.map((issue) => `${issue.path.join(".") || "reply"}: ${issue.message}`).join("; ")}` };
  return { ok: true, reply: parsed.data };
}
