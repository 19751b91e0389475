/**
 * `eval run --qa`: a model answers a QA gold set's questions, each asked of its letter as the QA
 * training rows ask it (extract/questionPrompt.ts), and the answers are scored as `eval score`
 * scores them. The predictions file is the run's journal (answerJournal.ts): each answer is on
 * disk as it arrives, a rerun asks only what is not there yet, a failed question is written with
 * answer null and its reason (an invalid answer; `--retry-failed` asks it again), and a question
 * whose letter is missing is named and left out (scored as a missing prediction).
 */
import { CliError, EXIT, type Reporter } from "../../cliKit/reporter.ts";
import { withStopSignals } from "../../cliKit/stopSignals.ts";
import type { Db } from "../../store/db.ts";
import { isFolder } from "../goldFiles.ts";
import { readQaGold } from "../qaFiles.ts";
import type { QaGoldItem } from "../qaScore.ts";
import { goldAndLetters } from "../runCommand.ts";
import { scoreCommand } from "../scoreCommand.ts";
import { ScoringInputError } from "../scoringInputError.ts";
import { openAnswerJournal } from "./answerJournal.ts";
import { askQuestions, type Question } from "./askQuestions.ts";
import { readNoteLetter } from "./letterFiles.ts";
import { openQuestionEngine, type QuestionEngineFlags } from "./qaEngine.ts";

export type QaRunFlags = QuestionEngineFlags & { gold?: string; letters?: string; goldSet?: string; predictions: string };

export async function qaRunCommand(db: Db, flags: QaRunFlags, reporter: Reporter): Promise<number> {
  const { gold: goldFlag, letters: lettersFlag, goldSet, predictions, ...engineFlags } = flags;
  const { gold: goldPath, letters } = goldAndLetters(db, goldFlag, lettersFlag, goldSet, "qa");
  if (isFolder(goldPath)) throw new CliError(`--qa: --gold ${goldPath} is a folder; a QA gold set is one file (.jsonl or .csv). Without --qa, eval run extracts timelines`);
  if (!isFolder(letters)) throw new CliError(`--letters ${letters}: not a folder`);
  if (isFolder(predictions)) throw new CliError(`--qa: --predictions ${predictions} is a folder; give the file the answers are written to (.jsonl)`);
  const gold = readGold(goldPath);

  const letterTexts = new Map<string, string>();
  const missingLetters: string[] = [];
  for (const noteId of new Set(gold.map((item) => item.noteId))) {
    const letter = await readNoteLetter(letters, noteId);
    if ("text" in letter) letterTexts.set(noteId, letter.text);
    else {
      const skipped = gold.filter((item) => item.noteId === noteId).length;
      missingLetters.push(noteId);
      reporter.event({ type: "problem", note_id: noteId, questions: skipped, message: letter.problem }, `  note ${noteId}: ${letter.problem}; its ${skipped} question(s) are not asked (scored as missing answers)`);
    }
  }

  let journal;
  try {
    journal = openAnswerJournal(predictions, { dropFailed: flags.retryFailed ?? false });
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const { earlier, cut } = journal;
  if (earlier.size > 0 || cut.incompleteLine || cut.failedDropped > 0) {
    const notes = [cut.incompleteLine ? "removed an incomplete last line" : "", cut.failedDropped > 0 ? `asking ${cut.failedDropped} failed question(s) again` : ""].filter(Boolean);
    reporter.event({ type: "restored", answered: earlier.size, ...cut }, `Going on from ${predictions}: ${earlier.size} question(s) answered already${notes.length > 0 ? `; ${notes.join("; ")}` : ""}`);
  }
  const questions: Question[] = gold.flatMap((item) => {
    const letterText = letterTexts.get(item.noteId);
    return letterText === undefined || earlier.has(item.id) ? [] : [{ key: item.id, letterText, question: item.question as string }];
  });

  let answered = 0;
  let failed = 0;
  let stopped = false;
  if (questions.length > 0) {
    const { engine, model } = await openQuestionEngine(db, engineFlags, reporter).catch((error: unknown) => {
      journal.close();
      throw error;
    });
    reporter.event({ type: "start", model: model.name, engine: engine.description, questions: questions.length, answered_before: earlier.size }, undefined);
    reporter.progress(`Asking ${questions.length} question(s) with ${engine.description}`);
    const noteOf = new Map(gold.map((item) => [item.id, item.noteId]));
    try {
      await withStopSignals({ stopping: () => reporter.progress("Stopping after the questions in flight (Ctrl-C again to stop now)...") }, async (signal) => {
        await askQuestions(
          engine,
          questions,
          (question, answer) => {
            const line = "error" in answer ? { id: question.key, answer: null, source: null, grounded: null, error: answer.error } : { id: question.key, ...answer };
            journal.append(line);
            if ("error" in answer) failed++;
            else answered++;
            const position = `[${answered + failed}/${questions.length}]`;
            reporter.event(
              { type: "answer", note_id: noteOf.get(question.key), ...line },
              undefined,
            );
            reporter.progress("error" in answer ? `${position} ${question.key}: FAILED: ${answer.error}` : `${position} ${question.key}: ${JSON.stringify(answer.answer)}${answer.grounded === false ? " (quote not found in the letter)" : ""}`);
          },
          signal,
        );
        stopped = signal.aborted;
      });
    } finally {
      journal.close();
      await engine.close();
    }
  } else journal.close();

  const failedBefore = [...earlier.values()].filter((line) => typeof line.error === "string").length;
  reporter.event(
    { type: "answers", file: predictions, asked: answered + failed, answered, failed, answered_before: earlier.size, failed_before: failedBefore, missing_letters: missingLetters, stopped },
    `Wrote ${answered + failed} answer(s) to ${predictions} (${failed} failed)${earlier.size > 0 ? `; ${earlier.size} were there already` : ""}${missingLetters.length > 0 ? `; no letter for note(s) ${missingLetters.join(", ")}` : ""}${stopped ? ". Stopped early: run the same command again to continue." : ""}`,
  );
  if (failed + failedBefore > 0) reporter.progress("Ask the failed questions again with: --retry-failed");
  const scored = scoreCommand({ gold: goldPath, pred: predictions }, reporter);
  return scored === EXIT.ok && failed + failedBefore === 0 && missingLetters.length === 0 && !stopped ? EXIT.ok : EXIT.someFailed;
}

/** The gold, every line of which must carry its question: a model cannot be asked a bare answer. */
function readGold(goldPath: string): (QaGoldItem & { question: string })[] {
  let gold: QaGoldItem[];
  try {
    gold = readQaGold(goldPath);
  } catch (error) {
    if (error instanceof ScoringInputError) throw new CliError(error.message);
    throw error;
  }
  const without = gold.filter((item) => item.question === undefined || item.question.trim() === "").map((item) => item.id);
  if (without.length > 0) throw new CliError(`${goldPath}: ${without.length} item(s) have no question to ask: ${without.slice(0, 20).join(", ")}${without.length > 20 ? ", ..." : ""}`);
  return gold as (QaGoldItem & { question: string })[];
}
