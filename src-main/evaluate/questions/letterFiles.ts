/**
 * A QA gold set's letters: the note named `X` is the file `X.txt` (or `.docx`, `.pdf`) in the
 * letters folder, read by the import's own readers (encoding detection, the docx and PDF checks).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { readLetterFile } from "../../ingest/index.ts";

const LETTER_EXTENSIONS = [".txt", ".docx", ".pdf"];

export type NoteLetter = { text: string } | { problem: string };

export async function readNoteLetter(folder: string, noteId: string): Promise<NoteLetter> {
  const file = LETTER_EXTENSIONS.map((extension) => path.join(folder, `${noteId}${extension}`)).find((candidate) => existsSync(candidate));
  if (file === undefined) return { problem: `no letter file ${path.join(folder, noteId)}${LETTER_EXTENSIONS.join("|")}` };
  for await (const item of readLetterFile(file)) {
    if (item.kind === "letter") return { text: item.letter.text };
    if (item.kind === "problem") return { problem: `${file}: ${item.problem.message}` };
  }
  return { problem: `${file}: no letter in it` };
}
