/**
 * Timeline extraction scored against gold, per letter, in two modes.
 *
 * Strict, exactly: a scalar field of the primary cancer is correct when the normalised strings are
 * equal (lower-case, whitespace runs collapsed, trimmed, trailing `.,;:` removed); a wrong value
 * is one false positive and one false negative. A list item (timeline event, other cancer,
 * patient fact, status update) is a true positive when it is matched one-to-one to a gold item of
 * the same section and type whose normalised value is equal and whose year and month are equal
 * where the gold gives them (an other cancer: its site in place of type and value). The
 * one-to-one matching is a maximum assignment (munkres), so no order of the items changes it.
 *
 * Relaxed: the same, except that text counts as equal at a token-sort ratio of at least
 * RELAXED_SIMILARITY (fuzzball, the Python TheFuzz's port: word order and punctuation do not
 * matter; "cancer" and "non-cancer" stay apart), and a date only needs its year where the gold
 * gives one (as the ChemoTimelines shared task relaxes dates). Among acceptable pairs the most
 * similar are matched.
 */
import { token_sort_ratio } from "fuzzball";
import { munkres } from "munkres";
import { LIST_SECTIONS, SCALAR_FIELDS, type ScalarField, type ScoredDocument, type ScoredItem } from "./timelineFile.ts";

export const RELAXED_SIMILARITY = 85;

export type Mode = "strict" | "relaxed";
export type Counts = { tp: number; fp: number; fn: number };
export type Miss = { section: string; type: string; gold: string | null; predicted: string | null };

/** One letter's counts: per section (scalars under primary_cancer), per field, per item type; and what went wrong. */
export type LetterCounts = {
  bySection: Record<string, Counts>;
  byField: Record<string, Counts>;
  byType: Record<string, Counts>;
  /** Gold values not found (predicted: the wrong value where there was one) and predicted values not in the gold. */
  misses: Miss[];
};

export function normaliseText(text: string): string {
  return text.toLowerCase().replace(/\s+/g, " ").trim().replace(/[.,;:]+$/, "").trim();
}

export function scoreLetter(gold: ScoredDocument, predicted: ScoredDocument, mode: Mode): LetterCounts {
  const result: LetterCounts = { bySection: {}, byField: {}, byType: {}, misses: [] };
  const add = (bucket: Record<string, Counts>, key: string, counts: Partial<Counts>): void => {
    const target = (bucket[key] ??= { tp: 0, fp: 0, fn: 0 });
    target.tp += counts.tp ?? 0;
    target.fp += counts.fp ?? 0;
    target.fn += counts.fn ?? 0;
  };
  for (const field of SCALAR_FIELDS) {
    const outcome = scoreScalar(field, gold.scalars[field], predicted.scalars[field], mode);
    add(result.bySection, "primary_cancer", outcome);
    add(result.byField, field, outcome);
    if (outcome.fp || outcome.fn) result.misses.push({ section: "primary_cancer", type: field, gold: gold.scalars[field] ?? null, predicted: predicted.scalars[field] ?? null });
  }
  for (const section of LIST_SECTIONS) {
    add(result.bySection, section, {});
    const goldItems = gold.lists[section];
    const predictedItems = predicted.lists[section];
    const matched = matchItems(goldItems, predictedItems, { mode });
    goldItems.forEach((item, g) => {
      const hit = matched.has(g);
      add(result.bySection, section, hit ? { tp: 1 } : { fn: 1 });
      add(result.byType, item.type, hit ? { tp: 1 } : { fn: 1 });
      if (!hit) result.misses.push({ section, type: item.type, gold: describe(item), predicted: null });
    });
    const used = new Set(matched.values());
    predictedItems.forEach((item, p) => {
      if (used.has(p)) return;
      add(result.bySection, section, { fp: 1 });
      add(result.byType, item.type, { fp: 1 });
      result.misses.push({ section, type: item.type, gold: null, predicted: describe(item) });
    });
  }
  return result;
}

function scoreScalar(field: ScalarField, gold: string | undefined, predicted: string | undefined, mode: Mode): Counts {
  if (gold === undefined) return { tp: 0, fp: predicted === undefined ? 0 : 1, fn: 0 };
  if (predicted === undefined) return { tp: 0, fp: 0, fn: 1 };
  const numeric = field === "year" || field === "month";
  return sameText(gold, predicted, numeric ? "strict" : mode) ? { tp: 1, fp: 0, fn: 0 } : { tp: 0, fp: 1, fn: 1 };
}

function sameText(gold: string, predicted: string, mode: Mode): boolean {
  const a = normaliseText(gold);
  const b = normaliseText(predicted);
  return a === b || (mode === "relaxed" && token_sort_ratio(a, b) >= RELAXED_SIMILARITY);
}

/** Timeline events with a gold date, paired by type and text alone (relaxed text, dates ignored), and how many of their dates agree. */
export type DateCounts = { withYear: number; yearRight: number; withMonth: number; monthRight: number };

/**
 * Date accuracy on matched events: the events of the primary cancer's timeline matched one-to-one
 * by type and text (the relaxed rule, dates left out of the matching), and of those whose gold
 * gives a year, how many predicted the same year; of those whose gold gives a month, how many
 * predicted the same year and month.
 */
export function dateAgreement(gold: ScoredDocument, predicted: ScoredDocument): DateCounts {
  const goldEvents = gold.lists.cancer_timeline;
  const predictedEvents = predicted.lists.cancer_timeline;
  const counts: DateCounts = { withYear: 0, yearRight: 0, withMonth: 0, monthRight: 0 };
  for (const [g, p] of matchItems(goldEvents, predictedEvents, { mode: "relaxed", ignoreDates: true })) {
    const truth = goldEvents[g] as ScoredItem;
    const guess = predictedEvents[p] as ScoredItem;
    if (truth.year === undefined) continue;
    counts.withYear++;
    if (guess.year === truth.year) counts.yearRight++;
    if (truth.month === undefined) continue;
    counts.withMonth++;
    if (guess.year === truth.year && guess.month === truth.month) counts.monthRight++;
  }
  return counts;
}

/** One letter's timeline events paired regardless of type: each pair's gold and predicted type, and the types of the events left without a partner. */
export type TypeConfusion = { pairs: [gold: string, predicted: string][]; missed: string[]; spurious: string[] };

/**
 * The primary cancer's timeline events paired one-to-one with no regard to their type, by the
 * relaxed rule otherwise (text at RELAXED_SIMILARITY or more, the year where the gold gives one),
 * so that an event the model found but filed under another type shows as that confusion rather
 * than as a miss and a false positive.
 */
export function eventTypeConfusion(gold: ScoredDocument, predicted: ScoredDocument): TypeConfusion {
  const goldEvents = gold.lists.cancer_timeline;
  const predictedEvents = predicted.lists.cancer_timeline;
  const matched = matchItems(goldEvents, predictedEvents, { mode: "relaxed", anyType: true });
  const used = new Set(matched.values());
  return {
    pairs: [...matched].map(([g, p]) => [(goldEvents[g] as ScoredItem).type, (predictedEvents[p] as ScoredItem).type]),
    missed: goldEvents.filter((_, g) => !matched.has(g)).map((item) => item.type),
    spurious: predictedEvents.filter((_, p) => !used.has(p)).map((item) => item.type),
  };
}

/** `ignoreDates`: by type and text alone; `anyType`: by text and date alone. */
type Matching = { mode: Mode; ignoreDates?: boolean; anyType?: boolean };

/** Gold index → predicted index of the pairs matched one-to-one. */
function matchItems(gold: readonly ScoredItem[], predicted: readonly ScoredItem[], { mode, ignoreDates = false, anyType = false }: Matching): Map<number, number> {
  const pairs = new Map<number, number>();
  if (gold.length === 0 || predicted.length === 0) return pairs;
  // An unacceptable pair costs more than every acceptable pair together, so the assignment takes as many acceptable pairs as exist.
  const refused = Math.min(gold.length, predicted.length) + 1;
  const costs = gold.map((g) =>
    predicted.map((p) => {
      if ((!anyType && g.type !== p.type) || (!ignoreDates && !sameDate(g, p, mode))) return refused;
      // Tie-breakers, each less than one ratio point: matching on text alone, a pair whose dates
      // agree is preferred among equally similar ones; matching across types, a pair of one type.
      const datePenalty = ignoreDates ? (g.year !== undefined && g.year !== p.year ? 0.002 : 0) + (g.month !== undefined && g.month !== p.month ? 0.001 : 0) : 0;
      const penalty = datePenalty + (anyType && g.type !== p.type ? 0.0005 : 0);
      const a = normaliseText(g.value);
      const b = normaliseText(p.value);
      if (a === b) return penalty;
      if (mode === "strict") return refused;
      const ratio = token_sort_ratio(a, b);
      return ratio >= RELAXED_SIMILARITY ? (100 - ratio) / 100 + penalty : refused;
    }),
  );
  for (const [g, p] of munkres(costs)) if (((costs[g] as number[])[p] as number) < refused) pairs.set(g, p);
  return pairs;
}

function sameDate(gold: ScoredItem, predicted: ScoredItem, mode: Mode): boolean {
  if (gold.year !== undefined && predicted.year !== gold.year) return false;
  return mode === "relaxed" || gold.month === undefined || predicted.month === gold.month;
}

function describe(item: ScoredItem): string {
  const date = item.year === undefined ? "" : ` (${item.year}${item.month === undefined ? "" : `-${String(item.month).padStart(2, "0")}`})`;
  return `${item.value}${date}`;
}
