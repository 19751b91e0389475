/**
 * Text comparison for the patient timeline: when do two letters report the same event?
 *
 * Deliberately explainable, no embeddings: each value becomes a bag of weighted tokens
 * (dates, drug names and numbers weigh more than ordinary words, because they are what makes one
 * event different from a similar one), and two values are compared by a blend of Dice and
 * containment (overlap coefficient) over those weights. Three vetoes block a merge whatever the
 * score, because they are exactly the near-duplicates that must stay apart:
 *   - numbers:  both values state numbers and share none ("cycle 1" vs "cycle 6", "80 mg" vs
 *               "40 mg"), unless both name the same day-level date (the same dated event restated
 *               with another count, e.g. "TCHP, cycle 1 29/03/2021" vs "TCHP x 6 cycles, 29/03/2021 - 12/07/2021");
 *   - dates:    both values name dates in their text and no pair is compatible;
 *   - actions:  both values name a treatment action and they differ (started vs stopped).
 * Pure functions, no state.
 */

export type TextDate = { year: number; month?: number; day?: number };

export type Features = {
  /** Weighted tokens: normalised token → weight. */
  tokens: Map<string, number>;
  /** Pure numbers in the text (not part of a date). */
  numbers: Set<string>;
  /** Dates written in the text. */
  dates: TextDate[];
  /** Treatment actions named (start, stop, reduce, increase). */
  actions: Set<string>;
};

export const WEIGHTS = { date: 3, drug: 3, number: 2, word: 1 } as const;

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12,
};
const MONTH_NAME = "(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\\.?";

/** Words that carry no identity. Negations (no, not) are kept on purpose: they change meaning. */
const STOPWORDS = new Set(
  ("a an the of on in at to from for by with and or as is was were be been being has have had this that these those " +
    "which who we he she his her him they their it its i our us there then than now also after before since into " +
    "following until up per").split(" "),
);

/** Regimen acronyms and drugs the suffix rule below does not catch. */
const REGIMENS = new Set(
  ("folfox folfiri folfirinox capox xelox tchp tch fec ec ac chop rchop abvd beacopp bep gemcarbo ecf ecx flot cmf " +
    "cisplatin carboplatin oxaliplatin capecitabine fluorouracil 5fu gemcitabine zoledronic denosumab tamoxifen " +
    "letrozole anastrozole exemestane goserelin leuprorelin bicalutamide enzalutamide abiraterone pemetrexed " +
    "docetaxel paclitaxel trastuzumab pertuzumab pembrolizumab nivolumab ipilimumab atezolizumab durvalumab " +
    "osimertinib temozolomide cyclophosphamide doxorubicin epirubicin etoposide irinotecan vinorelbine").split(" "),
);
/** Suffixes of generic drug names (antibodies, kinase inhibitors, platins, taxanes ...). */
const DRUG_SUFFIX = /(?:mab|nib|platin|taxel|rubicin|trexed|citabine|ciclib|parib|lisib|limus|fosfamide|tecan|relin|lutamide|trozole|mustine)$/;

/** Treatment actions; two values naming actions from different classes are different events. */
const ACTIONS: [string, RegExp][] = [
  ["start", /^(start|started|starting|commenc\w*|began|begin\w*|initiat\w*|restart\w*|resum\w*)$/],
  ["stop", /^(stop|stopped|stopping|discontinu\w*|withh[oe]ld\w*|held|ceas\w*|suspend\w*|paus\w*)$/],
  ["reduce", /^(reduc\w*|decreas\w*|de-escalat\w*|lowered)$/],
  ["increase", /^(increas\w*|escalat\w*)$/],
];

function twoDigitYear(yy: number): number {
  return yy < 50 ? 2000 + yy : 1900 + yy;
}

function validDate(year: number, month?: number, day?: number): TextDate | null {
  if (year < 1900 || year > 2100) return null;
  if (month !== undefined && (month < 1 || month > 12)) return null;
  if (day !== undefined && (day < 1 || day > 31)) return null;
  const out: TextDate = { year };
  if (month !== undefined) out.month = month;
  if (day !== undefined) out.day = day;
  return out;
}

/** Lower-cased, with export artefacts (literal \n \t \r, lost-character `?`) turned into spaces. */
export function cleanText(text: string): string {
  return text
    .replace(/\\[ntr]/g, " ")
    .toLowerCase()
    .replace(/[?\u2018\u2019\u201c\u201d]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Finds the dates written in a text (the formats letters use) and blanks them out of it. */
export function extractDates(cleaned: string): { dates: TextDate[]; rest: string } {
  const dates: TextDate[] = [];
  let rest = cleaned;
  const take = (pattern: RegExp, build: (m: RegExpExecArray) => TextDate | null) => {
    rest = rest.replace(pattern, (...args: unknown[]) => {
      const match = args.slice(0, -2) as unknown as RegExpExecArray;
      const date = build(match);
      if (!date) return match[0];
      dates.push(date);
      return " ";
    });
  };
  // 2021-2-10
  take(/\b(\d{4})-(\d{1,2})-(\d{1,2})\b/g, (m) => validDate(Number(m[1]), Number(m[2]), Number(m[3])));
  // 29/03/2021, 21/06/21 (UK day-first)
  take(/\b(\d{1,2})\/(\d{1,2})\/(\d{4}|\d{2})\b/g, (m) => {
    const y = m[3] ?? "";
    return validDate(y.length === 2 ? twoDigitYear(Number(y)) : Number(y), Number(m[2]), Number(m[1]));
  });
  // 24th Feb 2021
  take(new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)? ${MONTH_NAME},? (\\d{4})\\b`, "g"), (m) =>
    validDate(Number(m[3]), MONTHS[m[2] ?? ""], Number(m[1])),
  );
  // March 2013, Dec 2022
  take(new RegExp(`\\b${MONTH_NAME},? (\\d{4})\\b`, "g"), (m) => validDate(Number(m[2]), MONTHS[m[1] ?? ""]));
  // a year on its own
  take(/\b(19\d{2}|20\d{2})\b/g, (m) => validDate(Number(m[1])));
  return { dates, rest };
}

/** Light, predictable stemming: plural and verb endings, so "cycles"/"cycle", "reduced"/"reduce" meet. */
export function stem(word: string): string {
  let w = word;
  for (const suffix of ["ations", "ation", "ing", "ed", "es", "s"]) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 4 && !(suffix === "s" && /(ss|us|is)$/.test(w))) {
      w = w.slice(0, -suffix.length);
      break;
    }
  }
  if (w.endsWith("e") && w.length >= 5) w = w.slice(0, -1);
  return w;
}

function dateToken(date: TextDate): string {
  return date.month === undefined ? `@${date.year}` : `@${date.year}-${String(date.month).padStart(2, "0")}`;
}

function isDrug(word: string): boolean {
  return REGIMENS.has(word) || (word.length >= 6 && DRUG_SUFFIX.test(word));
}

export function features(text: string): Features {
  const { dates, rest } = extractDates(cleanText(text));
  const tokens = new Map<string, number>();
  const numbers = new Set<string>();
  const actions = new Set<string>();
  const add = (token: string, weight: number) => tokens.set(token, Math.max(tokens.get(token) ?? 0, weight));
  for (const date of dates) add(dateToken(date), WEIGHTS.date);
  const raw = rest.match(/[a-z0-9]+(?:\.[0-9]+)?/g) ?? [];
  for (let word of raw) {
    // "C4" is letter shorthand for "cycle 4".
    const cycle = /^c(\d{1,2})$/.exec(word);
    if (cycle) {
      add("cycl", WEIGHTS.word);
      word = cycle[1] ?? word;
    }
    if (/^\d+(\.\d+)?$/.test(word)) {
      const number = String(Number(word));
      numbers.add(number);
      add(`#${number}`, WEIGHTS.number);
      continue;
    }
    if (word.length < 2 || STOPWORDS.has(word)) continue;
    for (const [action, pattern] of ACTIONS) if (pattern.test(word)) actions.add(action);
    if (isDrug(word)) add(word, WEIGHTS.drug);
    else add(stem(word), WEIGHTS.word);
  }
  return { tokens, numbers, dates, actions };
}

function weight(tokens: Map<string, number>): number {
  let sum = 0;
  for (const w of tokens.values()) sum += w;
  return sum;
}

function datesCompatible(a: TextDate, b: TextDate): boolean {
  return a.year === b.year && (a.month === undefined || b.month === undefined || a.month === b.month);
}

function sameDay(a: TextDate, b: TextDate): boolean {
  return a.day !== undefined && a.year === b.year && a.month === b.month && a.day === b.day;
}

/** Why two values must not be merged, or null when nothing forbids it. */
export function veto(a: Features, b: Features): "numbers" | "dates" | "actions" | null {
  if (a.dates.length > 0 && b.dates.length > 0 && !a.dates.some((x) => b.dates.some((y) => datesCompatible(x, y)))) return "dates";
  if (a.actions.size > 0 && b.actions.size > 0 && ![...a.actions].some((x) => b.actions.has(x))) return "actions";
  if (a.numbers.size > 0 && b.numbers.size > 0 && ![...a.numbers].some((x) => b.numbers.has(x))) {
    const anchored = a.dates.some((x) => b.dates.some((y) => sameDay(x, y)));
    if (!anchored) return "numbers";
  }
  return null;
}

/**
 * Similarity in [0, 1]: the mean of weighted Dice (both wordings alike) and weighted containment
 * (the shorter wording found inside the longer: later letters summarise, "docetaxel reduced 20%
 * from C4 for diarrhoea" restates a long earlier sentence). Containment alone would let a
 * one-word value match anything that mentions it; Dice alone punishes every summary.
 */
export function similarity(a: Features, b: Features): number {
  const wa = weight(a.tokens);
  const wb = weight(b.tokens);
  if (wa === 0 || wb === 0) return 0;
  let shared = 0;
  for (const [token, w] of a.tokens) {
    const other = b.tokens.get(token);
    if (other !== undefined) shared += Math.min(w, other);
  }
  const dice = (2 * shared) / (wa + wb);
  const containment = shared / Math.min(wa, wb);
  return (dice + containment) / 2;
}

/** Similarity, or 0 when a veto applies. */
export function matchScore(a: Features, b: Features): number {
  return veto(a, b) ? 0 : similarity(a, b);
}

/** Normalised token set (no weights), for "is one wording a refinement of the other". */
export function tokenSet(text: string): Set<string> {
  return new Set(features(text).tokens.keys());
}
