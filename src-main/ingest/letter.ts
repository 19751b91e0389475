import type { IngestedLetter, IngestItem, ResolvedIngestOptions } from "./types.ts";

export function problem(sourcePath: string, sourceRow: number | null, message: string): IngestItem {
  return { kind: "problem", problem: { sourcePath, sourceRow, message } };
}

/** The letter, or a problem when its text is blank (`emptyMessage`) or over maxLetterChars. */
export function letterOrProblem(letter: IngestedLetter, options: ResolvedIngestOptions, emptyMessage: string): IngestItem {
  if (letter.text.trim() === "") return problem(letter.sourcePath, letter.sourceRow, emptyMessage);
  if (letter.text.length > options.maxLetterChars) {
    const chars = letter.text.length.toLocaleString("en-GB");
    const limit = options.maxLetterChars.toLocaleString("en-GB");
    return problem(letter.sourcePath, letter.sourceRow, `letter is ${chars} characters, over the ${limit} limit (maxLetterChars)`);
  }
  return { kind: "letter", letter };
}
