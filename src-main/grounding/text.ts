import search from "approx-string-match";
import type { EvidenceSpan, GroundedValue } from "../../src-shared/evidence.ts";
import { atWordBoundaries, normalise, type LetterIndex } from "./letterIndex.ts";

export type GroundingOptions = {
  /**
   * Lowest fuzzy score (1 - edits / value length) accepted. 0.8 allows one edit in five
   * characters: a misspelt drug name or one short word changed is found, while a paraphrase
   * (different words) stays ungrounded and so reaches a reviewer.
   */
  fuzzyThreshold?: number;
};

export const DEFAULT_FUZZY_THRESHOLD = 0.8;

/** Below this many normalised characters a couple of edits turn any short word into another. */
export const MIN_FUZZY_LENGTH = 4;

type Grounding = Pick<GroundedValue, "grade" | "span">;
const UNGROUNDED: Grounding = { grade: "ungrounded", span: null };

function findAtBoundaries(haystack: string, needle: string): number {
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    if (atWordBoundaries(haystack, at, at + needle.length)) return at;
  }
  return -1;
}

const EDGE_PUNCTUATION = /^[\s.,;:]+|[\s.,;:]+$/g;

/** Grades, best first: exact, normalised, fuzzy (score below 1), else ungrounded. */
export function groundValue(index: LetterIndex, value: string, options: GroundingOptions = {}): Grounding {
  const trimmed = value.trim();
  if (trimmed.length === 0) return UNGROUNDED;
  const exact = findAtBoundaries(index.text, trimmed);
  if (exact >= 0) return found(exact, exact + trimmed.length, "exact", 1);

  const needle = normalise(trimmed).normalised.replace(EDGE_PUNCTUATION, "");
  if (needle.length === 0) return UNGROUNDED;
  const at = findAtBoundaries(index.normalised, needle);
  if (at >= 0) return found(index.starts[at] as number, index.ends[at + needle.length - 1] as number, "normalised", 1);

  const fuzzy = fuzzyMatch(index.normalised, needle, options.fuzzyThreshold ?? DEFAULT_FUZZY_THRESHOLD);
  if (!fuzzy) return UNGROUNDED;
  return found(index.starts[fuzzy.start] as number, index.ends[fuzzy.end - 1] as number, "fuzzy", fuzzy.score);
}

function found(start: number, end: number, grade: EvidenceSpan["grade"], score: number): Grounding {
  return { grade, span: { start, end, grade, score } };
}

/** In the normalised text, a letter or digit, or `?` standing for a lost one. */
const NORMALISED_WORD = /[a-z0-9?]/;
const isWord = (ch: string | undefined) => ch !== undefined && NORMALISED_WORD.test(ch);

/**
 * Words that reverse a clinical fact when they change: side, negation, sign, direction. A span
 * that differs from the value in any of them is not evidence for it, however close the rest
 * ("left breast" against "right breast" scores 0.86; "HER2+" against "HER2-" 0.8).
 */
export const MEANING_WORDS: ReadonlySet<string> = new Set([
  "left", "right", "bilateral", "upper", "lower", "anterior", "posterior", "medial", "lateral",
  "no", "not", "nil", "non", "without", "absent", "present", "negative", "positive", "neg", "pos",
  "benign", "malignant", "increased", "decreased", "increasing", "decreasing", "improved", "worse",
  "worsening", "stable", "progression", "progressive", "regression", "responding", "mutant",
  "mutated", "wild", "amplified", "pre", "post", "high", "low",
]);

function meaningWords(text: string): string {
  return text
    .split(/[^a-z0-9+-]+/)
    .map((word) => word.replace(/^-+/, ""))
    .filter((word) => MEANING_WORDS.has(word.replace(/[+-]+$/, "")) || /[a-z0-9][+-]$/.test(word))
    .sort()
    .join(" ");
}

function flipsMeaning(value: string, span: string): boolean {
  return meaningWords(value) !== meaningWords(span);
}

/**
 * The best approximate occurrence of `needle` in the normalised letter, found with Myers'
 * bit-parallel algorithm (linear in the text searched) in the candidate regions, its edges snapped
 * to whole words. Each character the snapping adds or drops counts as one more edit, so the score
 * never overstates the similarity of the span reported.
 */
function fuzzyMatch(haystack: string, needle: string, threshold: number): { start: number; end: number; score: number } | null {
  if (needle.length < MIN_FUZZY_LENGTH) return null;
  // The epsilon keeps (1 - 0.8) * 10 = 1.9999999999999996 from allowing one edit instead of two.
  const maxErrors = Math.floor((1 - threshold) * needle.length + 1e-9);
  if (maxErrors < 1) return null;
  let best: { start: number; end: number; score: number } | null = null;
  const matches = candidateRegions(haystack, needle, maxErrors).flatMap(([from, to]) =>
    search(haystack.slice(from, to), needle, maxErrors).map((match) => ({ ...match, start: match.start + from, end: match.end + from })),
  );
  for (const match of matches) {
    const { start, end } = snapToWords(haystack, match.start, match.end);
    if (end <= start) continue;
    if (flipsMeaning(needle, haystack.slice(start, end))) continue;
    const edits = match.errors + Math.abs(start - match.start) + Math.abs(end - match.end);
    const score = 1 - edits / needle.length;
    // Of equally good matches the longest: "every three" and "every three weeks" both cost five
    // edits against "every 3 weeks", and the reviewer should see the whole phrase.
    const better = !best || score > best.score || (score === best.score && end - start > best.end - best.start);
    if (score >= threshold && better) best = { start, end, score };
  }
  return best;
}

/**
 * The parts of the letter that can hold a match with at most `maxErrors` edits (filter, then
 * verify): cut the value into maxErrors + 1 pieces; the edits spoil at most maxErrors of them, so
 * a match holds one piece unchanged, its start within maxErrors of where that piece puts it.
 * Native indexOf finds the pieces, so a long letter is mostly skipped, not searched edit by edit.
 * Once the regions would cover an eighth of the letter (common pieces such as "the "), one
 * search of the whole letter costs less than many small ones.
 */
function candidateRegions(haystack: string, needle: string, maxErrors: number): [number, number][] {
  const size = Math.floor(needle.length / (maxErrors + 1));
  const regions: [number, number][] = [];
  let covered = 0;
  for (let piece = 0; piece <= maxErrors; piece++) {
    const offset = piece * size;
    const text = needle.slice(offset, piece === maxErrors ? needle.length : offset + size);
    for (let at = haystack.indexOf(text); at >= 0; at = haystack.indexOf(text, at + 1)) {
      regions.push([Math.max(0, at - offset - maxErrors), Math.min(haystack.length, at - offset + needle.length + maxErrors)]);
      covered += needle.length + 2 * maxErrors;
      if (covered > haystack.length / 8) return [[0, haystack.length]];
    }
  }
  regions.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [from, to] of regions) {
    const last = merged.at(-1);
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}

/** Grows a span that starts or ends inside a word to the whole word; drops spaces at its edges. */
function snapToWords(text: string, start: number, end: number): { start: number; end: number } {
  while (text[start] === " " && start < end) start++;
  while (text[end - 1] === " " && end > start) end--;
  while (start > 0 && isWord(text[start - 1]) && isWord(text[start])) start--;
  while (end < text.length && isWord(text[end]) && isWord(text[end - 1])) end++;
  return { start, end };
}
