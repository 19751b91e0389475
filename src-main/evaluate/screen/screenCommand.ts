/**
 * `eval screen`: cohort screening (trial eligibility). Every criterion of the criteria file is
 * asked of every letter of every patient in the store by the model (the QA engine path of eval
 * run --qa: local unless --server is given), and each patient's letters decide it by the
 * criterion's rule (combine.ts): one row per patient × criterion, with the deciding letter, its
 * quote and value, written as CSV. Answers are kept in a journal beside the table (one line per
 * letter × criterion, synced as it arrives), so a rerun asks only what is not answered yet. With
 * --gold, a folder of n2c2 files, the screening is scored by the cohort scoring (cohortScore.ts).
 */
import path from "node:path";
import type { CohortReport } from "../../../src-shared/api.ts";
import { writeFileAtomically } from "../../base/atomicFile.ts";
import { CliError, EXIT, type Reporter } from "../../cliKit/reporter.ts";
import { withStopSignals } from "../../cliKit/stopSignals.ts";
import { csvLine } from "../../export/cells.ts";
import type { Db } from "../../store/db.ts";
import { letterChecksum, listLetters, sourceLabel, type LetterRow } from "../../store/letters.ts";
import { resolveModel } from "../../models/modelsCommand.ts";
import { scoreCohort } from "../cohort/cohortScore.ts";
import { N2C2_CRITERIA } from "../cohort/n2c2.ts";
import { openAnswerJournal, type JournalLine } from "../questions/answerJournal.ts";
import { askQuestions, type Answer, type Question } from "../questions/askQuestions.ts";
import { openQuestionEngine, type QuestionEngineFlags } from "../questions/qaEngine.ts";
import { humanCohortReport } from "../scoreCommand.ts";
import { ScoringInputError } from "../scoringInputError.ts";
import { decide, type Decision, type ScreenStatus } from "./combine.ts";
import { readScreenCriteria, type ScreenCriterion } from "./screenCriteria.ts";

export type ScreenFlags = QuestionEngineFlags & { criteria: string; out: string; answers?: string; gold?: string };

const differentModel = (answersFile: string, answered: string, asked: string) =>
  `${answersFile} holds the answers of model "${answered}", not "${asked}": give this model its own --answers file (or --out), so the two are not mixed in one table`;

export const SCREEN_COLUMNS = ["patient", "criterion", "status", "value", "letter_id", "letter", "letter_date", "quote", "grounded", "letters", "answered", "failed"] as const;

type Row = { patient: string; criterion: ScreenCriterion; decision: Decision<LetterRow> };

export async function screenCommand(db: Db, flags: ScreenFlags, reporter: Reporter): Promise<number> {
  const { criteria: criteriaFile, out, gold, answers: answersFlag, ...engineFlags } = flags;
  const criteria = asCliError(() => readScreenCriteria(criteriaFile));
  const all = listLetters(db);
  const letters = all.filter((letter) => letter.patient !== null);
  if (letters.length === 0) throw new CliError("no letters of a known patient in the store: import letters first (the patient comes from the file name, or a column)");
  if (letters.length < all.length) reporter.event({ type: "problem", message: `${all.length - letters.length} letter(s) have no patient and are not screened` }, `  ${all.length - letters.length} letter(s) have no patient and are not screened`);

  const answersFile = answersFlag ?? `${out.replace(/\.csv$/i, "")}.answers.jsonl`;
  const journal = asCliError(() => openAnswerJournal(answersFile, { dropFailed: engineFlags.retryFailed ?? false }));
  const keyOf = new Map(letters.map((letter) => [letter.id, letterChecksum(letter.text)]));
  const key = (letter: LetterRow, criterion: ScreenCriterion) => `${keyOf.get(letter.id)}:${criterion.id}`;
  // An answer counts for this run only if it was to the same question (an edited question is asked again).
  const cached = (letter: LetterRow, criterion: ScreenCriterion): JournalLine | undefined => {
    const line = journal.earlier.get(key(letter, criterion));
    return line?.question === criterion.question ? line : undefined;
  };
  const answers = new Map<string, JournalLine>();
  const questions: (Question & { letter: LetterRow; criterion: ScreenCriterion })[] = [];
  for (const letter of letters) {
    for (const criterion of criteria) {
      const line = cached(letter, criterion);
      if (line) answers.set(key(letter, criterion), line);
      else questions.push({ key: key(letter, criterion), letterText: letter.text, question: criterion.question, letter, criterion });
    }
  }
  const cachedModels = new Set([...answers.values()].map((line) => line.model));
  let model = cachedModels.size === 1 ? String([...cachedModels][0]) : null;
  const tally = { asked: 0, failed: 0, cached: answers.size, stopped: false };
  if (cachedModels.size > 1) throw new CliError(`${answersFile} holds answers of several models (${[...cachedModels].join(", ")}): give each model its own --answers file`);

  // Every answer cached: no engine is needed, but the model asked for must be the one that answered.
  // A local model's name is known without loading it; a server's or an adapter's only once opened.
  const nameKnownUnopened = engineFlags.server === undefined && engineFlags.adapter === undefined;
  if (questions.length === 0 && model !== null && nameKnownUnopened) {
    const requested = resolveModel(db, engineFlags.model).name;
    if (requested !== model) {
      journal.close();
      throw new CliError(differentModel(answersFile, model, requested));
    }
  }
  if (questions.length === 0 && (model === null || nameKnownUnopened)) journal.close();
  else {
    const opened = await openQuestionEngine(db, engineFlags, reporter).catch((error: unknown) => {
      journal.close();
      throw error;
    });
    const { engine } = opened;
    try {
      if (model !== null && model !== opened.model.name) {
        throw new CliError(differentModel(answersFile, model, opened.model.name));
      }
      model = opened.model.name;
      reporter.event({ type: "start", model, engine: engine.description, questions: questions.length, cached: answers.size, patients: new Set(letters.map((l) => l.patient)).size, letters: letters.length, criteria: criteria.length });
      reporter.progress(`Asking ${questions.length} question(s) (${letters.length} letter(s) × ${criteria.length} criteria, ${answers.size} answered before) with ${engine.description}`);
      const byKey = new Map(questions.map((question) => [question.key, question]));
      await withStopSignals({ stopping: () => reporter.progress("Stopping after the questions in flight (Ctrl-C again to stop now)...") }, async (signal) => {
        await askQuestions(
          engine,
          questions,
          (question, answer) => {
            const { letter, criterion } = byKey.get(question.key) as (typeof questions)[number];
            const line: JournalLine = { id: question.key, letter_id: letter.id, criterion: criterion.id, model, question: criterion.question, ...journalAnswer(answer) };
            journal.append(line);
            answers.set(question.key, line);
            tally.asked++;
            if ("error" in answer) tally.failed++;
            const position = `[${tally.asked}/${questions.length}]`;
            reporter.event({ type: "answer", patient: letter.patient, letter_id: letter.id, criterion: criterion.id, ...journalAnswer(answer) });
            reporter.progress(`${position} ${letter.patient} ${sourceLabel(letter.source_path, letter.source_row)} ${criterion.id}: ${"error" in answer ? `FAILED: ${answer.error}` : JSON.stringify(answer.answer)}`);
          },
          signal,
        );
        tally.stopped = signal.aborted;
      });
    } finally {
      journal.close();
      await engine.close();
    }
  }

  const rows = decideAll(letters, criteria, (letter, criterion) => answerOf(answers.get(key(letter, criterion))));
  writeTable(out, rows);
  const failedBefore = [...answers.values()].filter((line) => typeof line.error === "string").length - tally.failed;
  const byCriterion = Object.fromEntries(criteria.map((criterion) => [criterion.id, countStatuses(rows.filter((row) => row.criterion.id === criterion.id))]));
  const score = gold === undefined ? undefined : scoreScreening(gold, criteria, rows);
  reporter.event(
    {
      type: "summary",
      model,
      table: out,
      answers_file: answersFile,
      patients: new Set(rows.map((row) => row.patient)).size,
      letters: letters.length,
      criteria: criteria.length,
      asked: tally.asked,
      failed: tally.failed + failedBefore,
      cached: tally.cached,
      stopped: tally.stopped,
      by_criterion: byCriterion,
      ...(score === undefined ? {} : { score }),
    },
    humanSummary(out, answersFile, byCriterion, tally, failedBefore, score),
  );
  return tally.failed + failedBefore > 0 || tally.stopped ? EXIT.someFailed : EXIT.ok;
}

/** Input that cannot be used (the criteria file, a damaged answers file, the gold) stops the command with its message (exit 2). */
function asCliError<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof ScoringInputError || (error instanceof Error && !(error instanceof CliError))) throw new CliError(error.message);
    throw error;
  }
}

function journalAnswer(answer: Answer): Record<string, unknown> {
  return "error" in answer ? { answer: null, source: null, grounded: null, error: answer.error } : answer;
}

function answerOf(line: JournalLine | undefined): Answer | undefined {
  if (line === undefined) return undefined;
  if (typeof line.error === "string") return { error: line.error };
  return { answer: String(line.answer ?? ""), source: String(line.source ?? ""), grounded: typeof line.grounded === "boolean" ? line.grounded : null };
}

/** Letters come in the store's order (patient, date, id), so each patient's are consecutive and dated in order. */
function decideAll(letters: readonly LetterRow[], criteria: readonly ScreenCriterion[], answerFor: (letter: LetterRow, criterion: ScreenCriterion) => Answer | undefined): Row[] {
  const byPatient = new Map<string, LetterRow[]>();
  for (const letter of letters) {
    const patient = letter.patient as string;
    byPatient.set(patient, [...(byPatient.get(patient) ?? []), letter]);
  }
  return [...byPatient].flatMap(([patient, own]) => criteria.map((criterion) => ({ patient, criterion, decision: decide(criterion, own.map((letter) => ({ letter, answer: answerFor(letter, criterion) }))) })));
}

function writeTable(out: string, rows: readonly Row[]): void {
  try {
    writeFileAtomically(out, (write) => {
      write(csvLine(SCREEN_COLUMNS));
      for (const { patient, criterion, decision } of rows) {
        const by = decision.deciding;
        write(csvLine([patient, criterion.id, decision.status, by?.value, by?.letter.id, by ? sourceLabel(by.letter.source_path, by.letter.source_row) : null, by?.letter.letter_date, by?.quote, by?.grounded ?? null, decision.letters, decision.answered, decision.failed]));
      }
    });
  } catch (error) {
    throw new CliError(`--out ${out}: cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

function countStatuses(rows: readonly Row[]): Record<ScreenStatus, number> {
  const counts: Record<ScreenStatus, number> = { met: 0, "not met": 0, unknown: 0 };
  for (const row of rows) counts[row.decision.status]++;
  return counts;
}

/**
 * The screening against n2c2 gold: a gold file `<patient>.xml` is that patient's screening; the
 * criteria whose id is an n2c2 criterion are scored, each unknown an invalid answer.
 */
function scoreScreening(goldDir: string, criteria: readonly ScreenCriterion[], rows: readonly Row[]): CohortReport {
  const scored = criteria.map((criterion) => criterion.id).filter((id) => (N2C2_CRITERIA as readonly string[]).includes(id));
  if (scored.length === 0) throw new CliError(`--gold ${goldDir}: none of the criteria is an n2c2 criterion (${N2C2_CRITERIA.join(", ")}), so there is nothing to score`);
  const labels = new Map<string, Record<string, "met" | "not met" | null>>();
  for (const row of rows) {
    const patient = labels.get(row.patient) ?? {};
    patient[row.criterion.id] = row.decision.status === "unknown" ? null : row.decision.status;
    labels.set(row.patient, patient);
  }
  const report = asCliError(() =>
    scoreCohort(
      goldDir,
      (file) => {
        const patient = path.basename(file, path.extname(file));
        const own = labels.get(patient);
        return own ? { labels: own } : { missing: `${file}: no patient ${patient} in the store (every criterion scored as an invalid answer)` };
      },
      scored,
    ),
  );
  const unscored = criteria.filter((criterion) => !scored.includes(criterion.id)).map((criterion) => criterion.id);
  if (unscored.length > 0) report.notes.push(`not n2c2 criteria, not scored: ${unscored.join(", ")}`);
  return report;
}

function humanSummary(out: string, answersFile: string, byCriterion: Record<string, Record<ScreenStatus, number>>, tally: { asked: number; failed: number; cached: number; stopped: boolean }, failedBefore: number, score: CohortReport | undefined): string {
  const header = `${"criterion".padEnd(20)}${"met".padStart(8)}${"not met".padStart(9)}${"unknown".padStart(9)}`;
  const lines = Object.entries(byCriterion).map(([id, counts]) => `${id.padEnd(20)}${String(counts.met).padStart(8)}${String(counts["not met"]).padStart(9)}${String(counts.unknown).padStart(9)}`);
  const failed = tally.failed + failedBefore;
  return [
    `Wrote ${out} (one row per patient × criterion). Asked ${tally.asked} question(s), ${tally.cached} answered before (${answersFile}), ${failed} failed${failed > 0 ? " (ask them again with --retry-failed)" : ""}.${tally.stopped ? " Stopped early: run the same command again to continue." : ""}`,
    header,
    ...lines,
    ...(score ? ["", "Against the gold:", humanCohortReport(score)] : []),
  ].join("\n");
}
