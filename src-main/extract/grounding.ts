import type { EvidenceSpan, GroundedValue } from "../../src-shared/evidence.ts";
import { formatPath, type TimelineDocument } from "../../src-shared/timeline.ts";

/**
 * A letter prepared for grounding: its text, and a normalised copy with, for every normalised
 * character, the original range it came from, so a match in the copy maps back to the letter.
 */
export type LetterIndex = { text: string; normalised: string; starts: number[]; ends: number[] };

/** Punctuation that survives exports intact; any other symbol may have become `?` in the letter. */
const STABLE_PUNCTUATION = new Set([..."., ;:()/-+%<>=&#*[]_"]);
const ESCAPED_WHITESPACE = new Set(["n", "t", "r"]);

export function indexLetter(text: string): LetterIndex {
  const { normalised, starts, ends } = normalise(text);
  return { text, normalised, starts, ends };
}

/**
 * Case folded; whitespace runs, including the literal `\n` `\t` `\r` sequences a bad export
 * leaves, become one space; characters commonly lost in exports (quotes, apostrophes, °, µ,
 * dashes, any non-ASCII) and `?` itself all become `?`.
 */
function normalise(text: string): { normalised: string; starts: number[]; ends: number[] } {
  const out: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let pendingSpace = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    const escaped = ch === "\\" && ESCAPED_WHITESPACE.has(text[i + 1] ?? "");
    if (escaped || /\s/.test(ch)) {
      if (pendingSpace < 0) pendingSpace = i;
      if (escaped) i++;
      continue;
    }
    if (pendingSpace >= 0 && out.length > 0) {
      out.push(" ");
      starts.push(pendingSpace);
      ends.push(i);
    }
    pendingSpace = -1;
    const lower = ch.toLowerCase();
    const folded = lower.length === 1 && (/[a-z0-9]/.test(lower) || STABLE_PUNCTUATION.has(lower)) ? lower : "?";
    out.push(folded);
    starts.push(i);
    ends.push(i + 1);
  }
  return { normalised: out.join(""), starts, ends };
}

const WORD = /[\p{L}\p{N}]/u;

function atWordBoundaries(text: string, start: number, end: number): boolean {
  const before = text[start - 1];
  const after = text[end];
  const first = text[start] ?? "";
  const last = text[end - 1] ?? "";
  // Only a word character at the edge of the match needs a non-word neighbour.
  return !(before && WORD.test(first) && WORD.test(before)) && !(after && WORD.test(last) && WORD.test(after));
}

function findAtBoundaries(haystack: string, needle: string): number {
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    if (atWordBoundaries(haystack, at, at + needle.length)) return at;
  }
  return -1;
}

const EDGE_PUNCTUATION = /^[\s.,;:]+|[\s.,;:]+$/g;

export function groundValue(index: LetterIndex, value: string): Pick<GroundedValue, "grade" | "span"> {
  const trimmed = value.trim();
  if (trimmed.length === 0) return { grade: "ungrounded", span: null };
  const exact = findAtBoundaries(index.text, trimmed);
  if (exact >= 0) return { grade: "exact", span: span(exact, exact + trimmed.length, "exact", 1) };

  const needle = normalise(trimmed).normalised.replace(EDGE_PUNCTUATION, "");
  if (needle.length > 0) {
    const at = findAtBoundaries(index.normalised, needle);
    if (at >= 0) {
      const start = index.starts[at] as number;
      const end = index.ends[at + needle.length - 1] as number;
      return { grade: "normalised", span: span(start, end, "normalised", 1) };
    }
  }
  return { grade: "ungrounded", span: null };
}

function span(start: number, end: number, grade: EvidenceSpan["grade"], score: number): EvidenceSpan {
  return { start, end, grade, score };
}

/** Every free-text value of the document (enum `type` fields are labels, not evidence). */
export function textValues(document: TimelineDocument): { path: string; value: string }[] {
  const found: { path: string; value: string }[] = [];
  const walk = (node: unknown, path: (string | number)[]) => {
    if (typeof node === "string") {
      if (path.at(-1) !== "type") found.push({ path: formatPath(path), value: node });
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, [...path, i]));
    } else if (node !== null && typeof node === "object") {
      for (const [key, value] of Object.entries(node)) walk(value, [...path, key]);
    }
  };
  walk(document, []);
  return found;
}

export function groundDocument(letterText: string, document: TimelineDocument): GroundedValue[] {
  const index = indexLetter(letterText);
  return textValues(document).map(({ path, value }) => ({ path, value, ...groundValue(index, value) }));
}
