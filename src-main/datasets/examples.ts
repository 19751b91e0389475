/**
 * What a training set can be built from, as examples ready to become rows: the studio's letters
 * with their gold timelines (extraction), the question/answer pairs distilled from them (QA), and,
 * for training inside the hospital only and only when asked, real letters a reviewer has marked
 * reviewed, with their corrections applied. A synthetic letter stands for no real patient, so
 * it is its own group for the split (its QA pairs all fall on one side); a real letter's group
 * is its patient, so no patient is on both sides.
 */
import { qaUserMessage } from "../extract/questionPrompt.ts";
import { prepared, type Db } from "../store/db.ts";
import { trainingRow, type TrainingRow } from "./trainingRow.ts";

/** `eventTypes`: the gold timeline's event types (extraction rows; none for QA rows), for the card. */
export type Example = { id: string; group: string; letterType: string; qaKind: string | null; real: boolean; eventTypes: string[]; row: TrainingRow };

const eventTypesOf = (gold: unknown): string[] => ((gold as { primary_cancer?: { cancer_timeline?: { type: string }[] } }).primary_cancer?.cancer_timeline ?? []).map((event) => event.type);
export type ExampleSkipped = { id: string; reason: string };

type LetterRow = { id: number; content: string; gold: string; payload: string | null };

function storedLetters(db: Db, includeFlagged: boolean): LetterRow[] {
  return prepared(
    db,
    `SELECT l.id, l.content, l.gold, i.payload FROM synth_letters l JOIN job_items i ON i.id = l.item_id
     WHERE (l.status = 'accepted' OR (? AND l.status = 'flagged')) AND l.content IS NOT NULL AND l.gold IS NOT NULL ORDER BY l.id`,
  ).all(includeFlagged ? 1 : 0) as LetterRow[];
}

const letterTypeOf = (letter: LetterRow): string => (JSON.parse(letter.payload ?? "{}") as { row?: { letter_type?: string } }).row?.letter_type ?? "unknown";
const wanted = (types: readonly string[] | undefined, type: string): boolean => types === undefined || types.length === 0 || types.includes(type);

/** Extraction rows: each letter with its gold timeline. A gold that is not a valid timeline is skipped with the reason. */
export function letterExamples(db: Db, system: string, options: { includeFlagged: boolean; letterTypes?: readonly string[] | undefined }): { examples: Example[]; skipped: ExampleSkipped[] } {
  const examples: Example[] = [];
  const skipped: ExampleSkipped[] = [];
  for (const letter of storedLetters(db, options.includeFlagged)) {
    const letterType = letterTypeOf(letter);
    if (!wanted(options.letterTypes, letterType)) continue;
    const id = `synthetic-${letter.id}`;
    try {
      const gold = JSON.parse(letter.gold) as unknown;
      examples.push({ id, group: id, letterType, qaKind: null, real: false, eventTypes: eventTypesOf(gold), row: trainingRow(system, letter.content, gold as never) });
    } catch (error) {
      skipped.push({ id, reason: `gold is not a valid timeline: ${(error as Error).message.split("\n")[0]}` });
    }
  }
  return { examples, skipped };
}

type QaPairRow = { id: number; letter_id: number; kind: string; pair: string };

/**
 * QA rows, as the distillation study trained its students: the accepted pairs of the letters
 * taken, at least `minDifficulty` hard; user = the letter and the question, assistant = the
 * answer and its verbatim source as one JSON object.
 */
export function qaExamples(db: Db, system: string, options: { includeFlagged: boolean; letterTypes?: readonly string[] | undefined; minDifficulty: number }): Example[] {
  const letters = new Map(storedLetters(db, options.includeFlagged).filter((letter) => wanted(options.letterTypes, letterTypeOf(letter))).map((letter) => [letter.id, letter]));
  const pairs = prepared(db, "SELECT id, letter_id, kind, pair FROM synth_qa WHERE status = 'accepted' ORDER BY id").all() as QaPairRow[];
  return pairs.flatMap((stored) => {
    const letter = letters.get(stored.letter_id);
    const pair = JSON.parse(stored.pair) as { question: string; answer: string | number; source: string; difficulty: number; type?: string };
    if (!letter || pair.difficulty < options.minDifficulty) return [];
    const kind = pair.type ?? stored.kind;
    const answer = { answer: String(pair.answer), source: kind.startsWith("not_answerable") ? "" : pair.source };
    const row: TrainingRow = {
      messages: [
        { role: "system", content: system },
        { role: "user", content: qaUserMessage(letter.content, pair.question) },
        { role: "assistant", content: JSON.stringify(answer) },
      ],
    };
    return [{ id: `synthetic-qa-${stored.id}`, group: `synthetic-${letter.id}`, letterType: letterTypeOf(letter), qaKind: kind, real: false, eventTypes: [], row }];
  });
}

/**
 * Real letters whose review is finished, each with the reviewer's corrected timeline (of the
 * latest review where several models' results were reviewed). Grouped by patient; a letter with
 * no patient is its own group.
 */
export function reviewedLetterExamples(db: Db, system: string): { examples: Example[]; skipped: ExampleSkipped[] } {
  const rows = prepared(
    db,
    `SELECT r.letter_id, r.document, l.text, p.external_id AS patient FROM reviews r JOIN letters l ON l.id = r.letter_id LEFT JOIN patients p ON p.id = l.patient_id
     WHERE r.state = 'reviewed' AND r.updated_at = (SELECT max(o.updated_at) FROM reviews o WHERE o.letter_id = r.letter_id AND o.state = 'reviewed')
     GROUP BY r.letter_id ORDER BY r.letter_id`,
  ).all() as { letter_id: number; document: string; text: string; patient: string | null }[];
  const examples: Example[] = [];
  const skipped: ExampleSkipped[] = [];
  for (const row of rows) {
    const id = `letter-${row.letter_id}`;
    try {
      const gold = JSON.parse(row.document) as unknown;
      examples.push({ id, group: row.patient === null ? id : `patient-${row.patient}`, letterType: "real", qaKind: null, real: true, eventTypes: eventTypesOf(gold), row: trainingRow(system, row.text, gold as never) });
    } catch (error) {
      skipped.push({ id, reason: `corrected timeline is not valid: ${(error as Error).message.split("\n")[0]}` });
    }
  }
  return { examples, skipped };
}
