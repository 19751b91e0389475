import { decodeText } from "./encoding.ts";
import { letterOrProblem, problem } from "./letter.ts";
import { factsFromFileName } from "./names.ts";
import type { IngestItem, ResolvedIngestOptions, SourceFile } from "./types.ts";

/** A plain-text file is one letter. */
export async function* readTxt(file: SourceFile, options: ResolvedIngestOptions): AsyncGenerator<IngestItem> {
  const decoded = decodeText(file.bytes);
  if (!decoded.ok) {
    yield problem(file.path, null, decoded.reason);
    return;
  }
  const facts = factsFromFileName(file.path, options.fileNamePattern);
  yield letterOrProblem({ text: decoded.text, sourcePath: file.path, sourceRow: null, ...facts, format: "txt" }, options, "empty file");
}
