/**
 * Questions about letters put to a model (local or on-premise server, already opened under the
 * QA answer schema), as many at once as the engine takes. Each answer's source quote is grounded
 * in its letter as extraction values are (exact, normalised or fuzzy); a question whose generation
 * or reply fails comes back with the reason, and the others go on.
 */
import type { Engine } from "../../extract/engine.ts";
import { parseQaReply, qaUserMessage } from "../../extract/questionPrompt.ts";
import { groundValue, indexLetter, type LetterIndex } from "../../grounding/index.ts";

export type Question = { key: string; letterText: string; question: string };

/** `grounded`: the quote found in the letter; null when the model quoted nothing (its answer to a question the letter does not answer). */
export type Answer = { answer: string; source: string; grounded: boolean | null } | { error: string };

/** Letter indexes kept for the questions that follow on the same letter (questions come letter by letter). */
const INDEXES_KEPT = 32;

export async function askQuestions(engine: Engine, questions: Iterable<Question>, onAnswer: (question: Question, answer: Answer) => void, signal?: AbortSignal): Promise<void> {
  const pending = questions[Symbol.iterator]();
  const indexes = new Map<string, LetterIndex>();
  const indexOf = (text: string): LetterIndex => {
    let index = indexes.get(text);
    if (!index) {
      index = indexLetter(text);
      indexes.set(text, index);
      if (indexes.size > INDEXES_KEPT) indexes.delete(indexes.keys().next().value as string);
    }
    return index;
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      if (signal?.aborted) return;
      const next = pending.next();
      if (next.done) return;
      const question = next.value;
      onAnswer(question, await ask(engine, question, indexOf));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, engine.capacity ?? 1) }, worker));
}

async function ask(engine: Engine, { letterText, question }: Question, indexOf: (text: string) => LetterIndex): Promise<Answer> {
  let text: string;
  try {
    text = (await engine.complete(qaUserMessage(letterText, question))).text;
  } catch (error) {
    return { error: (error as Error).message };
  }
  const parsed = parseQaReply(text);
  if (!parsed.ok) return { error: parsed.error };
  const { answer, source } = parsed.reply;
  return { answer, source, grounded: source.trim() === "" ? null : groundValue(indexOf(letterText), source).grade !== "ungrounded" };
}
