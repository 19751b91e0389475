const MONTHS: Record<string, number> = {
  jan: 1, january: 1, feb: 2, february: 2, mar: 3, march: 3, apr: 4, april: 4, may: 5, jun: 6, june: 6,
  jul: 7, july: 7, aug: 8, august: 8, sep: 9, sept: 9, september: 9, oct: 10, october: 10,
  nov: 11, november: 11, dec: 12, december: 12,
};

const ISO = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ]\d{1,2}:\d{2}.*)?$/;
const DAY_FIRST = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})$/;
const DAY_MONTH_NAME = /^(\d{1,2})(?:st|nd|rd|th)?[\s-]+(?:of\s+)?([a-z]+)\.?,?[\s-]+(\d{4}|\d{2})$/i;
const MONTH_NAME_DAY = /^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$/i;

/**
 * A full calendar date as ISO YYYY-MM-DD, or null. Numeric dates are UK day-first (15/03/24 is
 * 15 March 2024); two-digit years follow POSIX strptime (00–68 → 20xx, 69–99 → 19xx). Partial
 * dates ("March 2024", "2024-03") and impossible ones (31/02/2024) give null: a letter date is a day.
 */
export function parseLetterDate(s: string): string | null {
  const input = s.trim();
  let m = ISO.exec(input);
  if (m) return isoDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = DAY_FIRST.exec(input);
  if (m) return isoDate(fullYear(m[3] ?? ""), Number(m[2]), Number(m[1]));
  m = DAY_MONTH_NAME.exec(input);
  if (m) return isoDate(fullYear(m[3] ?? ""), monthNumber(m[2] ?? ""), Number(m[1]));
  m = MONTH_NAME_DAY.exec(input);
  if (m) return isoDate(Number(m[3]), monthNumber(m[1] ?? ""), Number(m[2]));
  return null;
}

function fullYear(digits: string): number {
  const year = Number(digits);
  if (digits.length !== 2) return year;
  return year <= 68 ? 2000 + year : 1900 + year;
}

function monthNumber(name: string): number {
  return MONTHS[name.toLowerCase()] ?? 0;
}

function isoDate(year: number, month: number, day: number): string | null {
  // Years outside this range are typos or not dates at all (e.g. a reference number).
  if (year < 1900 || year > 2199 || month < 1 || month > 12 || day < 1) return null;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return null;
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}
