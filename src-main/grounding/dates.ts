import type { GroundedValue } from "../../src-shared/evidence.ts";
import type { LetterIndex } from "./letterIndex.ts";

/** A date written in the letter; `year` is two digits where the letter wrote two ("15/03/19"). */
export type DateMention = { start: number; end: number; year: number; twoDigitYear: boolean; month: number | null };

const MONTH_NAME = "(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const ORDINAL = "(?:st|nd|rd|th)?";

/**
 * The date formats UK letters use, each with where its year and month are. Numeric dates are
 * read day first (15/03/2019 is 15 March), as UK letters write them. A month name needs a
 * four-digit year ("Mar 19" could be the 19th); a bare year needs four digits.
 */
const PATTERNS: { regex: RegExp; year: number; month: number | null }[] = [
  // 3rd March 2019, 3rd of March 2019, March 3rd, 2019, Mar 2019, Sept. 2019, Jan-2019
  {
    regex: new RegExp(`(?<![\\p{L}\\p{N}])(?:\\d{1,2}${ORDINAL}\\s+(?:of\\s+)?)?${MONTH_NAME}(?!\\p{L})\\.?(?:\\s+\\d{1,2}${ORDINAL},?)?[\\s,/-]+(\\d{4})(?!\\d)`, "giu"),
    month: 1,
    year: 2,
  },
  // the first month of a range, "April" in "April to June 2023" (the span is "April" alone, so "June 2023" is found too)
  {
    regex: new RegExp(`(?<![\\p{L}\\p{N}])${MONTH_NAME}(?!\\p{L})(?=\\.?\\s*(?:to|and|until|or|-|–)\\s*${MONTH_NAME}(?!\\p{L})\\.?[\\s,/-]+(\\d{4})(?!\\d))`, "giu"),
    month: 1,
    year: 3,
  },
  // 15/03/2019, 15/03/19, 15.03.2019, 15-3-2019 (one separator throughout)
  { regex: /(?<![\d./-])\d{1,2}([/.-])(\d{1,2})\1(\d{4}|\d{2})(?!\d)/g, month: 2, year: 3 },
  // 2019-03-15, 2019-3-1, 2019/03 (not with a dot: "2019.5" is a number)
  { regex: /(?<![\d./-])((?:19|20)\d{2})([/-])(\d{1,2})(?:\2\d{1,2})?(?!\d)/g, year: 1, month: 3 },
  // 03/2019, 3-2019 (not with a dot: "1.2019" is a number)
  { regex: /(?<![\d./-])(\d{1,2})[/-]((?:19|20)\d{2})(?!\d)/g, month: 1, year: 2 },
  // 2019, but not inside a number (1.2019, 2019.5, 12,019)
  { regex: /(?<!\d[.,]?)((?:19|20)\d{2})(?![.,]?\d)/g, year: 1, month: null },
];

/** Every date in the text (the letter with export escapes already turned into whitespace). */
export function findDates(text: string): DateMention[] {
  const mentions: DateMention[] = [];
  for (const pattern of PATTERNS) {
    for (const match of text.matchAll(pattern.regex)) {
      const yearText = match[pattern.year] as string;
      const monthText = pattern.month === null ? null : (match[pattern.month] as string);
      const month = monthText === null ? null : /\d/.test(monthText) ? Number(monthText) : MONTHS.indexOf(monthText.slice(0, 3).toLowerCase()) + 1;
      if (month !== null && (month < 1 || month > 12)) continue;
      mentions.push({ start: match.index, end: match.index + match[0].length, year: Number(yearText), twoDigitYear: yearText.length === 2, month });
    }
  }
  // A bare year inside "15/03/2019" is the same date: keep only the longest of overlapping mentions.
  mentions.sort((a, b) => a.start - b.start || b.end - a.end);
  let lastEnd = -1;
  return mentions.filter((mention) => {
    if (mention.start < lastEnd) return false;
    lastEnd = mention.end;
    return true;
  });
}

export type DatedItem = { year: number; month?: number | undefined };

/**
 * Support for a year-only date of a year+month item: the month may be invented, so it is graded
 * fuzzy with this score (one of its two parts found), never exact.
 */
export const YEAR_ONLY_SCORE = 0.5;

/**
 * The letter's date that supports the item's date: exact when year and month (if given) agree;
 * fuzzy when only a bare year is written for a year+month date; a date naming another month
 * never counts. Of several, the one in the same sentence as the item's text (`near`), then the
 * closest to it, then the first in the letter.
 */
export function groundDate(index: LetterIndex, item: DatedItem, near: { start: number; end: number } | null): Pick<GroundedValue, "grade" | "span"> {
  const sameYear = index.dates.filter((date) => (date.twoDigitYear ? date.year === item.year % 100 : date.year === item.year));
  const exact = sameYear.filter((date) => item.month === undefined || date.month === item.month);
  const yearOnly = item.month === undefined ? [] : sameYear.filter((date) => date.month === null);
  const grade = exact.length > 0 ? "exact" : "fuzzy";
  const best = nearest(index, exact.length > 0 ? exact : yearOnly, near);
  if (!best) return { grade: "ungrounded", span: null };
  return { grade, span: { start: best.start, end: best.end, grade, score: grade === "exact" ? 1 : YEAR_ONLY_SCORE } };
}

function nearest(index: LetterIndex, dates: DateMention[], near: { start: number; end: number } | null): DateMention | undefined {
  if (!near) return dates[0];
  const first = sentenceOf(index, near.start);
  const last = sentenceOf(index, Math.max(near.start, near.end - 1));
  const cost = (date: DateMention) => {
    const sentence = sentenceOf(index, date.start);
    const distance = Math.max(0, near.start - date.end, date.start - near.end);
    // Outside the item's sentence(s) only counts once nothing inside is left.
    return (sentence >= first && sentence <= last ? 0 : index.text.length) + distance;
  };
  let best: DateMention | undefined;
  for (const date of dates) if (!best || cost(date) < cost(best)) best = date;
  return best;
}

/** Which sentence an offset falls in: the number of sentence breaks before it (binary search). */
function sentenceOf(index: LetterIndex, offset: number): number {
  let low = 0;
  let high = index.sentenceBreaks.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((index.sentenceBreaks[mid] as number) < offset) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** How a date is stored as evidence value: "2019" or "2019-03". */
export function formatDate(item: DatedItem): string {
  return item.month === undefined ? String(item.year) : `${item.year}-${String(item.month).padStart(2, "0")}`;
}
