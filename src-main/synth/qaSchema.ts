/**
 * One question/answer pair distilled from a synthetic letter (docs/domain.md §4): an eligibility-style
 * question of one of four kinds, its answer ("Yes"/"No", a number, or "N/A" for the
 * not-answerable kinds), the note section, a source quote (checked to be verbatim in the letter
 * by qa.ts, not here: the schema does not know the letter), difficulty 1-10 and an explanation.
 */
import { z } from "zod";

export const QA_KINDS = ["yes_no", "numeric", "not_answerable_yes_no", "not_answerable_numeric"] as const;
export type QaKind = (typeof QA_KINDS)[number];

const text = (max: number) => z.string().trim().min(1).max(max);

const common = {
  question: text(400),
  section: text(80),
  source: z.string().min(1).max(2000),
  difficulty: z.number().int().min(1).max(10),
  explanation: text(1000),
};

/** Numbers sometimes arrive as strings ("1.3"); a number-shaped string is taken, anything else is not. */
const numericAnswer = z.union([z.number().finite(), z.string().trim().regex(/^-?\d+(\.\d+)?$/).transform(Number)]);

export const QaPairSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("yes_no"), answer: z.enum(["Yes", "No"]), ...common }),
  z.strictObject({ type: z.literal("numeric"), answer: numericAnswer, ...common }),
  z.strictObject({ type: z.literal("not_answerable_yes_no"), answer: z.literal("N/A"), ...common }),
  z.strictObject({ type: z.literal("not_answerable_numeric"), answer: z.literal("N/A"), ...common }),
]);

export type QaPair = z.infer<typeof QaPairSchema>;
