import { open } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { formatBytes } from "../../src-shared/formatBytes.ts";
import { readCsv } from "./csv.ts";
import { readDocx } from "./docx.ts";
import { readJsonl } from "./jsonl.ts";
import { problem } from "./letter.ts";
import { resolveOptions } from "./options.ts";
import { readPdf } from "./pdf.ts";
import { readTxt } from "./txt.ts";
import type { FormatReader, IngestItem, IngestOptions, ResolvedIngestOptions } from "./types.ts";
import { fsErrorMessage, walkPaths } from "./walk.ts";

export type * from "./types.ts";
export { FIELD_NAMES, normaliseName } from "./columns.ts";
export { parseLetterDate } from "./dates.ts";
export { decodeText } from "./encoding.ts";
export { factsFromFileName } from "./names.ts";
export {
  DEFAULT_FILE_NAME_PATTERN,
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_MAX_INFLATED_BYTES,
  DEFAULT_MAX_LETTER_CHARS,
  resolveOptions,
} from "./options.ts";
export { isJunkName, walkPaths } from "./walk.ts";

const READERS: Readonly<Record<string, FormatReader>> = {
  ".txt": readTxt,
  ".docx": readDocx,
  ".pdf": readPdf,
  ".csv": readCsv,
  ".jsonl": readJsonl,
};

/** Extensions readLetters reads (lower case; matching ignores case). */
export const SUPPORTED_EXTENSIONS: readonly string[] = Object.keys(READERS);

/**
 * Letters from files and folders, yielded as they are read. Every bad file or row becomes a
 * problem and the rest go on; only invalid options throw.
 */
export async function* readLetters(paths: string[], options?: IngestOptions): AsyncGenerator<IngestItem> {
  const resolved = resolveOptions(options);
  for await (const entry of walkPaths(paths)) {
    if (entry.kind === "problem") yield entry;
    else if (entry.inFolder && !(extname(entry.path).toLowerCase() in READERS)) {
      yield { kind: "skipped", sourcePath: entry.path, reason: `not a letter format (${extname(entry.path) || "no extension"})` };
    } else yield* readFileWith(entry.path, resolved);
  }
}

/** One file by its extension, as readLetters would read it inside a folder. */
export async function* readLetterFile(path: string, options?: IngestOptions): AsyncGenerator<IngestItem> {
  yield* readFileWith(resolve(path), resolveOptions(options));
}

async function* readFileWith(path: string, options: ResolvedIngestOptions): AsyncGenerator<IngestItem> {
  const extension = extname(path).toLowerCase();
  const reader = READERS[extension];
  if (reader === undefined) {
    const what = extension === "" ? "file without an extension" : `file type ${extension}`;
    yield problem(path, null, `unsupported ${what}: expected ${SUPPORTED_EXTENSIONS.join(", ")}`);
    return;
  }
  let bytes: Buffer;
  try {
    // One open for both the size check and the read, so the file checked is the file read.
    const handle = await open(path, "r");
    try {
      const { size } = await handle.stat();
      if (size > options.maxFileBytes) {
        yield problem(path, null, `file is ${formatBytes(size)}, over the ${formatBytes(options.maxFileBytes)} limit (maxFileBytes)`);
        return;
      }
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (error) {
    yield problem(path, null, fsErrorMessage(error));
    return;
  }
  try {
    yield* reader({ path, bytes }, options);
  } catch (error) {
    // Parsers throw on inputs nobody anticipated; that is still one bad file, not a stopped import.
    const message = error instanceof Error ? error.message : String(error);
    yield problem(path, null, `could not read this ${extension} file: ${message}`);
  }
}
