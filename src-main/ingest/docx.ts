import mammoth from "mammoth";
import yauzl from "yauzl";
import type { Entry, ZipFile } from "yauzl";
import { formatBytes } from "../../src-shared/formatBytes.ts";
import { letterOrProblem, problem } from "./letter.ts";
import { factsFromFileName } from "./names.ts";
import type { IngestItem, ResolvedIngestOptions, SourceFile } from "./types.ts";

/** Real .docx parts compress 3–20x; far beyond that on a sizeable part is a decompression bomb. */
const MAX_RATIO = 200;
/** Below this a part is too small to hurt whatever its ratio (XML of spaces compresses >1000x). */
const RATIO_FLOOR_BYTES = 1024 * 1024;

const OLE_MAGIC = [0xd0, 0xcf, 0x11, 0xe0];

/**
 * A .docx is one letter. The zip is vetted with yauzl before mammoth sees it, because mammoth
 * (through JSZip) inflates parts whole into memory and trusts their sizes: first the central
 * directory's declared sizes and ratios, then every part is inflated as a stream and held to its
 * declared size, so a lying header cannot get past.
 */
export async function* readDocx(file: SourceFile, options: ResolvedIngestOptions): AsyncGenerator<IngestItem> {
  const refusal = await vetZip(file.bytes, options.maxInflatedBytes);
  if (refusal !== null) {
    yield problem(file.path, null, refusal);
    return;
  }
  let text: string;
  try {
    text = (await mammoth.extractRawText({ buffer: file.bytes })).value;
  } catch (error) {
    yield problem(file.path, null, `could not read the .docx: ${errorMessage(error)}`);
    return;
  }
  const facts = factsFromFileName(file.path, options.fileNamePattern);
  yield letterOrProblem({ text, sourcePath: file.path, sourceRow: null, ...facts, format: "docx" }, options, "document has no text");
}

/** null when the zip is a plausible .docx, else why not. */
async function vetZip(bytes: Buffer, maxInflatedBytes: number): Promise<string | null> {
  if (OLE_MAGIC.every((b, i) => bytes[i] === b)) {
    return "not a .docx: this is an OLE compound file (a password-protected Word document, or an old .doc renamed); save it as .docx without a password";
  }
  let zip: ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(bytes, { lazyEntries: true, validateEntrySizes: true });
  } catch (error) {
    return `not a valid .docx (corrupt or truncated zip): ${errorMessage(error)}`;
  }
  try {
    const entries: Entry[] = [];
    let declared = 0;
    try {
      for await (const entry of zip.eachEntry()) {
        entries.push(entry);
        declared += entry.uncompressedSize;
        if (declared > maxInflatedBytes) {
          return `looks like a zip bomb: its parts inflate to more than ${formatBytes(maxInflatedBytes)} (maxInflatedBytes)`;
        }
        const ratio = entry.uncompressedSize / Math.max(entry.compressedSize, 1);
        if (entry.uncompressedSize > RATIO_FLOOR_BYTES && ratio > MAX_RATIO) {
          return `looks like a zip bomb: ${entry.fileName} inflates ${Math.round(ratio)}x (${formatBytes(entry.compressedSize)} to ${formatBytes(entry.uncompressedSize)})`;
        }
        if (entry.isEncrypted()) return "not readable: the .docx zip is encrypted";
      }
    } catch (error) {
      return `not a valid .docx (corrupt or truncated zip): ${errorMessage(error)}`;
    }
    if (!entries.some((e) => e.fileName === "word/document.xml")) {
      return "not a .docx: the zip has no word/document.xml (is it another kind of zip?)";
    }
    for (const entry of entries) {
      if (entry.fileName.endsWith("/")) continue;
      try {
        const stream = await zip.openReadStreamPromise(entry);
        // yauzl errors the stream as soon as it inflates past entry.uncompressedSize.
        for await (const chunk of stream) void chunk;
      } catch (error) {
        const message = errorMessage(error);
        if (/too many bytes/i.test(message)) {
          return `looks like a zip bomb: ${entry.fileName} inflates past the size its zip header declares`;
        }
        return `not a valid .docx (corrupt or truncated zip): ${entry.fileName}: ${message}`;
      }
    }
    return null;
  } finally {
    zip.close();
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
