import { findDates, type DateMention } from "./dates.ts";

/**
 * A letter prepared for grounding, built once per letter so that grounding each value costs one
 * linear search and never re-reads the letter: the text; a normalised copy with, for every
 * normalised character, the original range it came from (so a match in the copy maps back to the
 * letter); every date expression; and where sentences break (to keep a date near its fact).
 */
export type LetterIndex = {
  text: string;
  normalised: string;
  starts: number[];
  ends: number[];
  dates: DateMention[];
  sentenceBreaks: number[];
};

/** Punctuation that survives exports intact; any other symbol may have become `?` in the letter. */
const STABLE_PUNCTUATION = new Set([..."., ;:()/-+%<>=&#*[]_"]);
const ESCAPED_WHITESPACE = new Set(["n", "t", "r"]);

export function indexLetter(text: string): LetterIndex {
  const { normalised, starts, ends } = normalise(text);
  const plain = unescapeWhitespace(text);
  return { text, normalised, starts, ends, dates: findDates(plain), sentenceBreaks: sentenceBreaks(plain) };
}

/**
 * Case folded; whitespace runs, including the literal `\n` `\t` `\r` sequences a bad export
 * leaves, become one space; characters commonly lost in exports (quotes, apostrophes, °, µ,
 * dashes, any non-ASCII) and `?` itself all become `?`.
 */
export function normalise(text: string): { normalised: string; starts: number[]; ends: number[] } {
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

/**
 * The literal `\n` `\t` `\r` of a bad export replaced by real whitespace of the same length, so
 * patterns see word boundaries there ("\nMarch 2019") and offsets stay those of the letter.
 */
function unescapeWhitespace(text: string): string {
  return text.replace(/\\[ntr]/g, (escape) => (escape === "\\n" ? "\n " : "  "));
}

/** Offsets where a sentence or line ends: a line break, or . ! ; followed by whitespace. */
function sentenceBreaks(plain: string): number[] {
  return [...plain.matchAll(/\n|[.!;](?=\s)/g)].map((match) => match.index);
}

const WORD = /[\p{L}\p{N}]/u;

export function atWordBoundaries(text: string, start: number, end: number): boolean {
  const before = text[start - 1];
  const after = text[end];
  const first = text[start] ?? "";
  const last = text[end - 1] ?? "";
  // Only a word character at the edge of the match needs a non-word neighbour.
  return !(before && WORD.test(first) && WORD.test(before)) && !(after && WORD.test(last) && WORD.test(after));
}
