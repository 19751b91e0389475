import { expectedNames, findField, scalarText } from "./columns.ts";
import { parseLetterDate } from "./dates.ts";
import { decodeText } from "./encoding.ts";
import { letterOrProblem, problem } from "./letter.ts";
import { factsFromFileName } from "./names.ts";
import type { IngestItem, ResolvedIngestOptions, SourceFile } from "./types.ts";

/**
 * JSON Lines: one object per line, one letter per object. Keys are found per line (objects need
 * not share keys), so a bad line is a problem for that line only.
 */
export async function* readJsonl(file: SourceFile, options: ResolvedIngestOptions): AsyncGenerator<IngestItem> {
  const decoded = decodeText(file.bytes);
  if (!decoded.ok) {
    yield problem(file.path, null, decoded.reason);
    return;
  }
  const facts = factsFromFileName(file.path, options.fileNamePattern);
  const lines = decoded.text.split("\n"); // raw CR/LF cannot occur inside a JSON value, so splitting is safe
  let objects = 0;
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    if (raw.trim() === "") continue;
    objects++;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      yield problem(file.path, line, `line ${line} is not valid JSON: ${jsonErrorMessage(error)}`);
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      yield problem(file.path, line, `line ${line} is not a JSON object (got ${Array.isArray(value) ? "an array" : value === null ? "null" : typeof value})`);
      continue;
    }
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    const textKey = keys[findField(keys, "text", options.columns.text)];
    if (textKey === undefined) {
      yield problem(file.path, line, `line ${line} has no text key: ${expectedNames("text", options.columns.text)}; found ${keys.length > 0 ? keys.join(", ") : "no keys"}`);
      continue;
    }
    const text = record[textKey];
    if (typeof text !== "string") {
      yield problem(file.path, line, `line ${line}: "${textKey}" is ${text === null ? "null" : `a ${typeof text}`}, not a string`);
      continue;
    }
    const patientKey = keys[findField(keys, "patient", options.columns.patient)];
    const dateKey = keys[findField(keys, "date", options.columns.date)];
    const rawDate = dateKey === undefined ? null : record[dateKey];
    yield letterOrProblem(
      {
        text,
        sourcePath: file.path,
        sourceRow: line,
        // An object with a patient/date key speaks for itself, blank or null included; the file name only stands in without one.
        patientId: patientKey === undefined ? facts.patientId : scalarText(record[patientKey]),
        letterDate: dateKey === undefined ? facts.letterDate : typeof rawDate === "string" ? parseLetterDate(rawDate) : null,
        format: "jsonl",
      },
      options,
      `line ${line}: empty text in "${textKey}"`,
    );
  }
  if (objects === 0) yield problem(file.path, null, "empty file");
}

/** V8's message without the quoted excerpt it sometimes adds: that excerpt would be letter text. */
function jsonErrorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/, ".*is not valid JSON$/s, "");
}
