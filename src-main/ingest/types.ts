/** The ingest contract: files and folders in, letters and per-file/per-row problems out. */

export type LetterFormat = "txt" | "docx" | "pdf" | "csv" | "jsonl";

export type IngestedLetter = {
  /** The letter text exactly as read: export artefacts (literal "\n" runs, stray "?") are kept. */
  text: string;
  /** Absolute path of the file. */
  sourcePath: string;
  /** 1-based line where the record starts (CSV: the header is line 1; JSONL: the line), null for whole-file formats. */
  sourceRow: number | null;
  patientId: string | null;
  /** ISO YYYY-MM-DD. */
  letterDate: string | null;
  format: LetterFormat;
};

/** Something that kept a file or a row from becoming a letter; `message` is for people. */
export type IngestProblem = { sourcePath: string; sourceRow: number | null; message: string };

export type IngestOptions = {
  /** Files larger than this are not read. Default 50 MiB. */
  maxFileBytes?: number;
  /** Longer letters become problems. Default 200,000 characters (UTF-16 code units). */
  maxLetterChars?: number;
  /**
   * .docx: total uncompressed size allowed for the zip's entries, default 100 MiB. An entry that
   * inflates more than 200x and past 1 MiB is also refused as a zip bomb.
   */
  maxInflatedBytes?: number;
  /**
   * Applied to the base name; named groups `patient` and `date` (either may be absent).
   * Default DEFAULT_FILE_NAME_PATTERN: `P001_2024-03-15_initial.txt` → P001, 2024-03-15.
   */
  fileNamePattern?: RegExp;
  /** Explicit CSV column / JSONL key names; unset ones are detected by name. */
  columns?: { text?: string; patient?: string; date?: string };
};

/**
 * `skipped`: a file met inside a folder whose type is not a letter format (a README, a
 * spreadsheet); named so the user sees it, but not a failure. A file named explicitly with an
 * unsupported type is a problem.
 */
export type IngestItem =
  | { kind: "letter"; letter: IngestedLetter }
  | { kind: "problem"; problem: IngestProblem }
  | { kind: "skipped"; sourcePath: string; reason: string };

/** IngestOptions with every default filled in and checked. */
export type ResolvedIngestOptions = {
  maxFileBytes: number;
  maxLetterChars: number;
  maxInflatedBytes: number;
  fileNamePattern: RegExp;
  columns: { text?: string; patient?: string; date?: string };
};

/** A file already read into memory (size-checked), handed to one format reader. */
export type SourceFile = { path: string; bytes: Buffer };

export type FormatReader = (file: SourceFile, options: ResolvedIngestOptions) => AsyncGenerator<IngestItem>;
