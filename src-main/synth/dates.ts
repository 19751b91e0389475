/**
 * Date shifting for the "from an expert example" mode (docs/domain.md §3): every date in a letter and in
 * its gold timeline moves by the same number of months, so the pair stays consistent.
 *
 * Pure functions, no I/O. Each date keeps the way it was written: separators, zero padding,
 * two- or four-digit year, month name spelt out or abbreviated (and its case), ordinal suffix
 * (recomputed for the new day: "3rd" can become "28th"). A day that does not exist in the new
 * month is clamped to its last day (31/01/2021 + 1 month = 28/02/2021).
 *
 * Formats handled (UK letters, numeric dates day first): 15/03/2024, 15/03/24, 15.03.2019,
 * 15-3-2019, 2012-5-1, 2019/03, 03/2019, March 2013, Mar-2019, Sept. 2019, 3rd Feb 2021,
 * 3rd of February 2021, March 3rd, 2019, "April to June 2023" (both months), day and month
 * without a year ("12 March"), a capitalised month name on its own ("review in November"; "May"
 * on its own is left alone, it is more often the verb), and a bare four-digit year ("in 2019").
 *
 * A bare year has no month to move, so it moves by whole years: the shift rounded to the nearest
 * year, halves away from zero (`yearOnlyShift`). shiftDocumentDates moves year-only items of the
 * gold the same way, so a "2019" in the letter and `year: 2019` in the gold stay in step. Shifts
 * that are a multiple of 12 months keep every date exactly in step.
 *
 * Two-digit years are read as 20yy below TWO_DIGIT_PIVOT and 19yy from it, and written back as two
 * digits (31/12/99 + 1 month = 31/01/00).
 */
import type { TimelineDocument } from "../../src-shared/timeline.ts";

/** Two-digit years below this are 20yy, the rest 19yy. */
export const TWO_DIGIT_PIVOT = 50;

const MONTH_FULL = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const MONTH_ALT = "(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";
const ORD = "(st|nd|rd|th)?";
const MONTH_CAPITALISED = "(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?|JAN(?:UARY)?|FEB(?:RUARY)?|MAR(?:CH)?|APR(?:IL)?|MAY|JUNE?|JULY?|AUG(?:UST)?|SEP(?:T(?:EMBER)?)?|OCT(?:OBER)?|NOV(?:EMBER)?|DEC(?:EMBER)?)";
const NOT_WORD_BEFORE = "(?<![\\p{L}\\p{N}])";
const NOT_LETTER_AFTER = "(?!\\p{L})";
/** A bare year followed by one of these is a quantity ("2000 mg"), not a date. */
const UNIT_AFTER = "(?!\\s*(?:mg|mcg|µg|ug|g\\b|g/|kg|ml|mL|l\\b|L\\b|cGy|Gy|units?|U\\b|U/|IU|iu|%|mmol|micromol|umol|µmol|nmol|pmol|cells|copies|ng|pg|kcal|kBq|MBq|mm|cm|m2|patients|x\\s?10))";

export function monthIndex(name: string): number {
  const i = MONTH_FULL.findIndex((full) => full.slice(0, 3).toLowerCase() === name.slice(0, 3).toLowerCase());
  if (i < 0) throw new Error(`Not a month name: ${name}`);
  return i + 1;
}

/** Year and month moved by `months` (month 1-12). */
export function shiftYearMonth(year: number, month: number, months: number): { year: number; month: number } {
  const total = year * 12 + (month - 1) + Math.trunc(months);
  return { year: Math.floor(total / 12), month: (((total % 12) + 12) % 12) + 1 };
}

/** How many years a date with no month moves: the shift in years, rounded, halves away from zero. */
export function yearOnlyShift(months: number): number {
  const m = Math.trunc(months);
  return Math.sign(m) * Math.floor(Math.abs(m) / 12 + 0.5);
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  return [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] as number;
}

function expandYear(text: string): number {
  if (text.length !== 2) return Number(text);
  const yy = Number(text);
  return yy < TWO_DIGIT_PIVOT ? 2000 + yy : 1900 + yy;
}

function writeYear(original: string, year: number): string {
  return original.length === 2 ? String(((year % 100) + 100) % 100).padStart(2, "0") : String(year);
}

/** Day or month: zero-padded unless the date writes a day or month with one digit ("2012-5-1"). */
function writeNumber(value: number, unpadded: boolean): string {
  return unpadded ? String(value) : String(value).padStart(2, "0");
}

function ordinal(day: number): string {
  if (day % 100 >= 11 && day % 100 <= 13) return "th";
  return ({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[day % 10] ?? "th";
}

function writeOrdinal(original: string, day: number): string {
  const suffix = ordinal(day);
  return original === original.toUpperCase() ? suffix.toUpperCase() : suffix;
}

function writeMonthName(original: string, month: number): string {
  const full = MONTH_FULL[month - 1] as string;
  const lower = original.toLowerCase();
  // "May" is both the name and its abbreviation: read as spelt out.
  const spelt = lower === "may" || (lower.length > 3 && MONTH_FULL.some((name) => name.toLowerCase() === lower));
  let name: string;
  if (spelt) name = full;
  else if (lower === "sept" && month === 9) name = "Sept";
  else name = full.slice(0, 3);
  if (original.length > 1 && original === original.toUpperCase()) return name.toUpperCase();
  if (original === original.toLowerCase()) return name.toLowerCase();
  return name;
}

type Part = "day" | "ord" | "month" | "monthName" | "year";
type Rule = { regex: RegExp; parts: Partial<Record<Part, number>>; kind: "full" | "monthYear" | "dayMonth" | "monthOnly" | "yearOnly"; check?: (text: string, start: number) => boolean };

const RULES: Rule[] = [
  // 3rd Feb 2021, 3rd of February 2021, March 2013, Mar-2019, Sept. 2019
  {
    regex: new RegExp(`${NOT_WORD_BEFORE}(?:(\\d{1,2})${ORD}\\s+(?:of\\s+)?)?${MONTH_ALT}${NOT_LETTER_AFTER}\\.?[\\s,/-]+(\\d{4})(?!\\d)`, "giud"),
    parts: { day: 1, ord: 2, monthName: 3, year: 4 },
    kind: "full",
  },
  // March 3rd, 2019 / March 3 2019
  {
    regex: new RegExp(`${NOT_WORD_BEFORE}${MONTH_ALT}${NOT_LETTER_AFTER}\\.?\\s+(\\d{1,2})${ORD},?\\s+(\\d{4})(?!\\d)`, "giud"),
    parts: { monthName: 1, day: 2, ord: 3, year: 4 },
    kind: "full",
  },
  // 15/03/2019, 15/03/19, 15.03.2019, 15-3-2019
  { regex: /(?<![\d./-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d])(?![./-]\d)/dg, parts: { day: 1, month: 3, year: 4 }, kind: "full" },
  // 2012-5-1, 2019-03-15, 2019/03
  { regex: /(?<![\d./-])((?:19|20)\d{2})([/-])(\d{1,2})(?:\2(\d{1,2}))?(?![\d])(?![./-]\d)/dg, parts: { year: 1, month: 3, day: 4 }, kind: "full" },
  // 03/2019, 3-2019
  { regex: /(?<![\d./-])(\d{1,2})[/-]((?:19|20)\d{2})(?![\d])(?![./-]\d)/dg, parts: { month: 1, year: 2 }, kind: "monthYear" },
  // 12 March, 3rd of Feb (no year)
  {
    regex: new RegExp(`${NOT_WORD_BEFORE}(\\d{1,2})${ORD}\\s+(?:of\\s+)?${MONTH_CAPITALISED}${NOT_LETTER_AFTER}(?!\\.?[\\s,/-]+\\d{4})`, "gud"),
    parts: { day: 1, ord: 2, monthName: 3 },
    kind: "dayMonth",
  },
  // a capitalised month name on its own: "in November", "April to June 2023" (April)
  {
    regex: /(?<![\p{L}\p{N}])(January|February|March|April|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)(?!\p{L})/dgu,
    parts: { monthName: 1 },
    kind: "monthOnly",
  },
  // a bare four-digit year
  { regex: new RegExp(`(?<![\\p{L}\\p{N}])(?<!\\d[.,])((?:19|20)\\d{2})(?![.,]?\\d)${UNIT_AFTER}`, "gud"), parts: { year: 1 }, kind: "yearOnly" },
];

type Found = { start: number; end: number; replacements: { start: number; end: number; text: string }[] };

/** Literal "\n"/"\t" export artefacts read as whitespace, keeping every offset. */
function scanText(text: string): string {
  return text.replace(/\\[ntr]/g, "  ");
}

function shiftMatch(rule: Rule, match: RegExpExecArray, months: number): Found | null {
  const indices = match.indices;
  if (!indices) return null;
  const get = (part: Part): { text: string; start: number; end: number } | null => {
    const group = rule.parts[part];
    if (group === undefined) return null;
    const span = indices[group];
    const text = match[group];
    return span && text !== undefined ? { text, start: span[0], end: span[1] } : null;
  };
  const day = get("day");
  const ord = get("ord");
  const monthNum = get("month");
  const monthName = get("monthName");
  const year = get("year");
  const out: Found["replacements"] = [];
  const unpadded = [day, monthNum].some((part) => part !== null && part.text.length === 1);

  if (rule.kind === "yearOnly") {
    if (!year) return null;
    out.push({ start: year.start, end: year.end, text: writeYear(year.text, expandYear(year.text) + yearOnlyShift(months)) });
  } else {
    const month = monthNum ? Number(monthNum.text) : monthName ? monthIndex(monthName.text) : null;
    if (month === null || month < 1 || month > 12) return null;
    const dayValue = day ? Number(day.text) : null;
    if (dayValue !== null && (dayValue < 1 || dayValue > 31)) return null;
    // Day and month without a year: a leap year, so 29 February stays possible.
    const yearValue = year ? expandYear(year.text) : 2000;
    if (dayValue !== null && dayValue > daysInMonth(yearValue, month)) return null;
    const moved = shiftYearMonth(yearValue, month, months);
    if (year) out.push({ start: year.start, end: year.end, text: writeYear(year.text, moved.year) });
    if (monthNum) out.push({ start: monthNum.start, end: monthNum.end, text: writeNumber(moved.month, unpadded) });
    if (monthName) out.push({ start: monthName.start, end: monthName.end, text: writeMonthName(monthName.text, moved.month) });
    if (day && dayValue !== null) {
      const newDay = Math.min(dayValue, daysInMonth(moved.year, moved.month));
      out.push({ start: day.start, end: day.end, text: writeNumber(newDay, unpadded) });
      if (ord) out.push({ start: ord.start, end: ord.end, text: writeOrdinal(ord.text, newDay) });
    }
  }
  return { start: match.index, end: match.index + match[0].length, replacements: out };
}

/** Every date found in the text, as non-overlapping matches with their shifted parts. */
function findShifts(text: string, months: number): Found[] {
  const scan = scanText(text);
  const found: (Found & { rule: number })[] = [];
  RULES.forEach((rule, ruleIndex) => {
    rule.regex.lastIndex = 0;
    for (const match of scan.matchAll(rule.regex)) {
      const shifted = shiftMatch(rule, match, months);
      if (shifted) found.push({ ...shifted, rule: ruleIndex });
    }
  });
  // Longest first at each position, then earlier rules; overlapping shorter matches are parts of a longer date.
  found.sort((a, b) => a.start - b.start || b.end - a.end || a.rule - b.rule);
  let lastEnd = -1;
  return found.filter((item) => {
    if (item.start < lastEnd) return false;
    lastEnd = item.end;
    return true;
  });
}

/** The text with every date moved by `months` (negative moves back); everything else unchanged. */
export function shiftDates(text: string, months: number): string {
  if (!Number.isInteger(months)) throw new RangeError(`shiftDates: months must be an integer, got ${months}.`);
  if (months === 0) return text;
  const replacements = findShifts(text, months)
    .flatMap((found) => found.replacements)
    .sort((a, b) => a.start - b.start);
  let out = "";
  let at = 0;
  for (const r of replacements) {
    out += text.slice(at, r.start) + r.text;
    at = r.end;
  }
  return out + text.slice(at);
}

type Dated = { year?: number | undefined; month?: number | undefined };

function shiftDated<T extends Dated>(item: T, months: number): T {
  if (item.year === undefined) return item;
  if (item.month === undefined) return { ...item, year: item.year + yearOnlyShift(months) };
  const moved = shiftYearMonth(item.year, item.month, months);
  return { ...item, year: moved.year, month: moved.month };
}

function shiftStrings<T>(node: T, months: number): T {
  if (typeof node === "string") return shiftDates(node, months) as T;
  if (Array.isArray(node)) return node.map((item: unknown) => shiftStrings(item, months)) as T;
  if (node !== null && typeof node === "object") {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, key === "type" ? value : shiftStrings(value, months)])) as T;
  }
  return node;
}

/**
 * The gold document moved by `months`: every year/month field (the primary cancer, its events,
 * other cancers) and every date written inside a text value, the same way shiftDates moves the
 * letter, so values stay verbatim substrings of the shifted letter.
 */
export function shiftDocumentDates(doc: TimelineDocument, months: number): TimelineDocument {
  if (!Number.isInteger(months)) throw new RangeError(`shiftDocumentDates: months must be an integer, got ${months}.`);
  const texts = shiftStrings(doc, months);
  return {
    ...texts,
    primary_cancer: {
      ...shiftDated(texts.primary_cancer, months),
      cancer_timeline: texts.primary_cancer.cancer_timeline.map((event) => shiftDated(event, months)),
    },
    other_cancers: texts.other_cancers.map((cancer) => shiftDated(cancer, months)),
  };
}
