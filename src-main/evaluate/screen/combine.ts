/**
 * How a patient's letters decide a criterion (screenCriteria.ts names the rules). Each letter's
 * answer is read the study's way (qaAnswer.ts): for a yes/no criterion "yes" or "no", for a
 * numeric one a number, judged by the threshold; NA, an unreadable answer or a failed question is
 * no answer. A patient none of whose letters answers is `unknown`, never "not met".
 */
import type { Answer } from "../questions/askQuestions.ts";
import { readQaAnswer } from "../qaAnswer.ts";
import type { ScreenCriterion } from "./screenCriteria.ts";

export type ScreenStatus = "met" | "not met" | "unknown";

/** One letter of the patient, in date order (undated first), with what the model answered (undefined: not asked). */
export type LetterAnswer<L> = { letter: L; answer: Answer | undefined };

export type Decision<L> = {
  status: ScreenStatus;
  /** The letter whose answer decided (null: unknown). */
  deciding: { letter: L; value: string; quote: string; grounded: boolean | null } | null;
  letters: number;
  answered: number;
  failed: number;
};

type Reading<L> = { letter: L; value: string; number: number | null; says: boolean; quote: string; grounded: boolean | null };

/** What one letter's answer says of the criterion; null: nothing. */
function reading<L>(criterion: ScreenCriterion, { letter, answer }: LetterAnswer<L>): Reading<L> | null {
  if (answer === undefined || "error" in answer) return null;
  const label = readQaAnswer(answer.answer);
  const base = { letter, quote: answer.source, grounded: answer.grounded };
  if (criterion.kind === "yes/no") return label === "yes" || label === "no" ? { ...base, value: label, number: null, says: label === "yes" } : null;
  if (label === null || label === "na" || label === "yes" || label === "no") return null;
  const number = Number(label);
  return { ...base, value: label, number, says: (criterion.threshold as NonNullable<ScreenCriterion["threshold"]>).test(number) };
}

export function decide<L>(criterion: ScreenCriterion, answers: readonly LetterAnswer<L>[]): Decision<L> {
  const readings = answers.map((answer) => reading(criterion, answer)).filter((r): r is Reading<L> => r !== null);
  const counts = { letters: answers.length, answered: readings.length, failed: answers.filter((a) => a.answer !== undefined && "error" in a.answer).length };
  const decided = (status: ScreenStatus, by: Reading<L> | undefined): Decision<L> => ({
    status: by === undefined ? "unknown" : status,
    deciding: by === undefined ? null : { letter: by.letter, value: by.value, quote: by.quote, grounded: by.grounded },
    ...counts,
  });
  const latest = readings.at(-1);
  switch (criterion.combine) {
    case "any": {
      const first = readings.find((r) => r.says);
      return first ? decided("met", first) : decided("not met", latest);
    }
    case "all": {
      const against = readings.find((r) => !r.says);
      return against ? decided("not met", against) : decided("met", latest);
    }
    case "max": {
      const highest = readings.reduce<Reading<L> | undefined>((best, r) => (best === undefined || (r.number as number) > (best.number as number) ? r : best), undefined);
      return decided(highest?.says ? "met" : "not met", highest);
    }
    case "latest":
      return decided(latest?.says ? "met" : "not met", latest);
  }
}
