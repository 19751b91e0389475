/**
 * QA gold and prediction files as JSON Lines or CSV (by the file's extension), for `eval score`
 * (scripts, no store needed): gold lines `{id, note_id, kind, answer, ...}` (kind boolean |
 * numeric | na-boolean | na-numeric, or the studio's names; `letter_id` is read as `note_id`; a
 * CSV has these as columns, question and source beside), prediction lines `{id, answer}` (with
 * `error`: no answer, an invalid one). A gold file with any bad line is
 * refused with every bad line named (a score over part of a gold set would mislead); an
 * unreadable predicted answer is no error: it is an invalid answer, scored as wrong.
 */
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { z } from "zod";
import { readQaAnswer, type QaLabel } from "./qaAnswer.ts";
import { QA_KIND_NAMES, type QaGoldItem } from "./qaScore.ts";
import { ScoringInputError } from "./scoringInputError.ts";

const Id = z.union([z.string().min(1), z.number()]).transform(String);
const GoldLine = z.looseObject({ id: Id, note_id: Id, kind: z.string(), answer: z.unknown(), criterion: z.string().min(1).optional(), question: z.string().optional() });
/** `error`: the model gave no answer (eval run --qa writes why); always an invalid answer, whatever `answer` holds. */
const PredictionLine = z.looseObject({ id: Id, answer: z.unknown(), error: z.string().optional() });


const MAX_LISTED = 20;

export function readQaGold(file: string): QaGoldItem[] {
  return readQaGoldRecords(file).map(({ item }) => item);
}

/** Each gold item with its line as written (question, source and any other columns kept), for a stored gold set. */
export function readQaGoldRecords(file: string): { item: QaGoldItem; record: Record<string, unknown> }[] {
  const problems: string[] = [];
  const items: { item: QaGoldItem; record: Record<string, unknown> }[] = [];
  const seen = new Map<string, number>();
  for (const { line, data } of validLines(file, GoldLine, problems, seen)) {
    const { id, note_id: noteId, kind, answer, criterion, question } = data;
    const known = QA_KIND_NAMES[kind];
    const label = readQaAnswer(answer);
    if (!known) problems.push(`line ${line}: kind "${kind}" is not boolean, numeric, na-boolean or na-numeric`);
    if (label === null) problems.push(`line ${line}: answer ${JSON.stringify(answer)} is not yes, no, a number or NA`);
    if (known && label !== null) items.push({ item: { id, noteId, kind: known, answer: label, ...(criterion === undefined ? {} : { criterion }), ...(question === undefined ? {} : { question }) }, record: data });
  }
  if (items.length === 0 && problems.length === 0) problems.push("no gold items");
  throwIfAny(file, problems);
  return items;
}

/** id → the answer as read (null: unreadable, an invalid answer). */
export function readQaPredictions(file: string): Map<string, QaLabel | null> {
  const problems: string[] = [];
  const predictions = new Map<string, QaLabel | null>();
  for (const { data } of validLines(file, PredictionLine, problems, new Map())) predictions.set(data.id, data.error === undefined ? readQaAnswer(data.answer) : null);
  throwIfAny(file, problems);
  return predictions;
}

/** The lines that parse and fit the schema; every other line, and every id seen before, is a problem. */
function* validLines<S extends z.ZodType<{ id: string }>>(file: string, schema: S, problems: string[], seen: Map<string, number>): Generator<{ line: number; data: z.output<S> }> {
  for (const { line, value } of jsonLines(file, problems)) {
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      problems.push(`line ${line}: ${parsed.error.issues.map((issue) => `${issue.path.join(".") || "line"}: ${issue.message}`).join("; ")}`);
      continue;
    }
    const { id } = parsed.data;
    if (seen.has(id)) problems.push(`line ${line}: id "${id}" is already on line ${seen.get(id)}`);
    else seen.set(id, line);
    yield { line, data: parsed.data };
  }
}

function* jsonLines(file: string, problems: string[]): Generator<{ line: number; value: unknown }> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ScoringInputError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (/\.csv$/i.test(file)) {
    yield* csvRecords(file, text);
    return;
  }
  for (const [index, raw] of text.split("\n").entries()) {
    if (raw.trim() === "") continue;
    try {
      yield { line: index + 1, value: JSON.parse(raw) as unknown };
    } catch (error) {
      problems.push(`line ${index + 1}: not valid JSON (${(error as Error).message})`);
    }
  }
}

/** A CSV's rows as the JSON lines would be: `letter_id` read as `note_id`, an empty criterion as none; line numbers as in the file. */
function* csvRecords(file: string, text: string): Generator<{ line: number; value: unknown }> {
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, bom: true, info: true }) as { record: Record<string, string>; info: { lines: number } }[];
  } catch (error) {
    throw new ScoringInputError(`${file}: not a CSV file this can read (${(error as Error).message})`);
  }
  for (const { record, info } of rows) {
    const { letter_id: letterId, criterion, ...rest } = record;
    yield {
      line: info.lines,
      value: { ...rest, ...(rest.note_id === undefined && letterId !== undefined ? { note_id: letterId } : {}), ...(criterion ? { criterion } : {}) },
    };
  }
}

function throwIfAny(file: string, problems: readonly string[]): void {
  if (problems.length === 0) return;
  const listed = problems.slice(0, MAX_LISTED).join("\n  ");
  const more = problems.length > MAX_LISTED ? `\n  ... and ${problems.length - MAX_LISTED} more` : "";
  throw new ScoringInputError(`${file}: ${problems.length} problem(s):\n  ${listed}${more}`);
}
