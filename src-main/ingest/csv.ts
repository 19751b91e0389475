import { CsvError, parse } from "csv-parse/sync";
import { expectedNames, findField, scalarText, type Field } from "./columns.ts";
import { parseLetterDate } from "./dates.ts";
import { decodeText } from "./encoding.ts";
import { letterOrProblem, problem } from "./letter.ts";
import { factsFromFileName } from "./names.ts";
import type { IngestItem, ResolvedIngestOptions, SourceFile } from "./types.ts";

type ParsedRecord = { fields: string[]; line: number };

/**
 * A CSV with a header row is one letter per row. Rows are parsed before any is yielded (files are
 * capped by maxFileBytes); a syntax error ends the file with one problem, keeping the rows before it.
 */
export async function* readCsv(file: SourceFile, options: ResolvedIngestOptions): AsyncGenerator<IngestItem> {
  const decoded = decodeText(file.bytes);
  if (!decoded.ok) {
    yield problem(file.path, null, decoded.reason);
    return;
  }
  if (decoded.text.trim() === "") {
    yield problem(file.path, null, "empty file");
    return;
  }
  const delimiter = sniffDelimiter(decoded.text);
  const { records, failure } = parseRecords(decoded.text, delimiter);
  const header = records[0];

  if (header !== undefined) {
    const columns = locateColumns(header.fields, options);
    if (typeof columns === "string") {
      yield problem(file.path, null, columns);
      return;
    }
    const facts = factsFromFileName(file.path, options.fileNamePattern);
    const textName = header.fields[columns.text] ?? "";
    let rows = 0;
    for (const { fields, line } of records.slice(1)) {
      if (fields.every((f) => f.trim() === "")) continue; // a line of blanks is not a row
      rows++;
      const extra = fields.slice(header.fields.length);
      if (extra.some((f) => f.trim() !== "")) {
        yield problem(
          file.path,
          line,
          `row has ${fields.length} fields but the header has ${header.fields.length} (an unquoted "${printable(delimiter)}" in the text?)`,
        );
        continue;
      }
      yield letterOrProblem(
        {
          text: fields[columns.text] ?? "",
          sourcePath: file.path,
          sourceRow: line,
          // A file with a patient/date column speaks for each row, blank cells included; the file
          // name (often an export's, e.g. export_2024-01-01.csv) only stands in when it has none.
          patientId: columns.patient >= 0 ? scalarText(fields[columns.patient]) : facts.patientId,
          letterDate: columns.date >= 0 ? parseLetterDate(fields[columns.date] ?? "") : facts.letterDate,
          format: "csv",
        },
        options,
        `empty text in column "${textName}"`,
      );
    }
    if (rows === 0 && failure === null) yield problem(file.path, null, "CSV has a header row but no data rows");
  }
  if (failure !== null) yield problem(file.path, failure.line, failure.message);
}

/** Column indices, or the message saying which column is missing. */
function locateColumns(header: string[], options: ResolvedIngestOptions): Record<Field, number> | string {
  const found = header.map((h) => h.trim()).filter((h) => h !== "");
  const located = {} as Record<Field, number>;
  for (const field of ["text", "patient", "date"] as const) {
    const explicit = options.columns[field];
    located[field] = findField(header, field, explicit);
    // Detected patient/date columns are optional; a named one the file lacks is a mistake worth stopping for.
    if (located[field] < 0 && (field === "text" || explicit !== undefined)) {
      return `CSV has no ${field} column: ${expectedNames(field, explicit)}; found ${found.length > 0 ? found.join(", ") : "no column names"}`;
    }
  }
  return located;
}

function parseRecords(text: string, delimiter: string): { records: ParsedRecord[]; failure: { line: number; message: string } | null } {
  // Parsed as UTF-8 bytes because csv-parse reports where each record ends as a byte offset; its
  // own line counts are not used, as they count a CRLF inside a quoted field twice.
  const bytes = Buffer.from(text, "utf8");
  const lines = new LineCounter(bytes);
  const records: ParsedRecord[] = [];
  let recordStart = 0;
  try {
    parse(bytes, {
      delimiter,
      record_delimiter: ["\r\n", "\n", "\r"], // mixed line endings happen when files are concatenated
      relax_column_count: true,
      skip_empty_lines: true,
      on_record: (record: string[], info) => {
        records.push({ fields: record, line: lines.lineOfRecordAt(recordStart) });
        recordStart = info.bytes;
        return null;
      },
    });
    return { records, failure: null };
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const line = lines.lineOfRecordAt(recordStart);
    return { records, failure: { line, message: describeCsvError(error, line) } };
  }
}

function describeCsvError(error: CsvError, line: number): string {
  const rest = "the rows before it were read, the rest of the file was not";
  switch (error.code) {
    case "CSV_QUOTE_NOT_CLOSED":
      return `malformed CSV: a quote opened in the record starting at line ${line} is never closed; ${rest}`;
    case "CSV_INVALID_CLOSING_QUOTE":
      return `malformed CSV in the record starting at line ${line}: a closing quote is followed by other characters (quotes inside a quoted field must be doubled); ${rest}`;
    default:
      return `malformed CSV in the record starting at line ${line}: ${error.message}; ${rest}`;
  }
}

/** Maps byte offsets (visited in increasing order) to 1-based line numbers; CRLF, LF and CR each end a line. */
class LineCounter {
  private offset = 0;
  private line = 1;
  constructor(private readonly bytes: Buffer) {}

  /** Line of the first record character at or after `offset`, skipping the blank lines before it. */
  lineOfRecordAt(offset: number): number {
    let start = offset;
    while (this.bytes[start] === 0x0a || this.bytes[start] === 0x0d) start++;
    for (; this.offset < start && this.offset < this.bytes.length; this.offset++) {
      const b = this.bytes[this.offset];
      if (b === 0x0a || (b === 0x0d && this.bytes[this.offset + 1] !== 0x0a)) this.line++;
    }
    return this.line;
  }
}

/** `,` unless the header line has more `;` or tabs outside quotes (European Excel writes `;`). */
function sniffDelimiter(text: string): string {
  const counts = new Map<string, number>([[",", 0], [";", 0], ["\t", 0]]);
  let quoted = false;
  const start = text.length - text.trimStart().length;
  for (let i = start; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === "\n" || c === "\r")) break;
    else if (!quoted && counts.has(c)) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let best = ",";
  for (const [c, n] of counts) if (n > (counts.get(best) ?? 0)) best = c;
  return best;
}

function printable(delimiter: string): string {
  return delimiter === "\t" ? "\\t" : delimiter;
}
