/**
 * A question/answer pair's answer read the study's way (docs/domain.md §6): trimmed and
 * lower-cased; yes/no; numbers compared as numbers (188 = 188.0 = 1.88e2); empty, NA, N/A and
 * none are NA. Anything else cannot be read and is `null`: an invalid answer, always wrong,
 * never turned into "no" (the study's choice, which hides failures).
 */

/** "yes", "no", "na", or a number in its canonical form ("188", "-0.5"). */
export type QaLabel = string;

const NA_WORDS = new Set(["", "na", "n/a", "none"]);
const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/;

export function readQaAnswer(value: unknown): QaLabel | null {
  if (value === null || value === undefined) return "na";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "number") return Number.isFinite(value) ? canonicalNumber(value) : null;
  if (typeof value !== "string") return null;
  const text = value.trim().toLowerCase().replace(/[.]$/, "");
  if (NA_WORDS.has(text)) return "na";
  if (text === "yes" || text === "no") return text;
  if (NUMBER.test(text)) return canonicalNumber(Number(text));
  return null;
}

/** One spelling per number: 188.0 and 188 are both "188"; -0 is "0". */
function canonicalNumber(value: number): string {
  return String(value === 0 ? 0 : value);
}
