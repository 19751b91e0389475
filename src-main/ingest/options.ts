import type { IngestOptions, ResolvedIngestOptions } from "./types.ts";

const MiB = 1024 * 1024;

/** `P001_2024-03-15_initial.txt`, `P001_2024-03-15.pdf`: patient, then ISO date, then `_`, `.` or the end. */
export const DEFAULT_FILE_NAME_PATTERN = /^(?<patient>[A-Za-z0-9-]+)_(?<date>\d{4}-\d{2}-\d{2})(?:_|\.|$)/;

export const DEFAULT_MAX_FILE_BYTES = 50 * MiB;
export const DEFAULT_MAX_LETTER_CHARS = 200_000;
export const DEFAULT_MAX_INFLATED_BYTES = 100 * MiB;

/** Fills in defaults. Bad option values are programmer errors, so they throw rather than become problems. */
export function resolveOptions(options: IngestOptions = {}): ResolvedIngestOptions {
  const resolved: ResolvedIngestOptions = {
    maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    maxLetterChars: options.maxLetterChars ?? DEFAULT_MAX_LETTER_CHARS,
    maxInflatedBytes: options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES,
    fileNamePattern: options.fileNamePattern ?? DEFAULT_FILE_NAME_PATTERN,
    columns: { ...options.columns },
  };
  for (const key of ["maxFileBytes", "maxLetterChars", "maxInflatedBytes"] as const) {
    const value = resolved[key];
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`ingest option ${key} must be a positive number, got ${value}`);
  }
  if (!(resolved.fileNamePattern instanceof RegExp)) throw new TypeError("ingest option fileNamePattern must be a RegExp");
  // A global/sticky pattern keeps lastIndex between calls and would match every other file only.
  if (resolved.fileNamePattern.global || resolved.fileNamePattern.sticky) {
    const flags = resolved.fileNamePattern.flags.replace(/[gy]/g, "");
    resolved.fileNamePattern = new RegExp(resolved.fileNamePattern.source, flags);
  }
  for (const [key, value] of Object.entries(resolved.columns)) {
    if (value !== undefined && (typeof value !== "string" || value.trim() === "")) {
      throw new TypeError(`ingest option columns.${key} must be a non-empty string`);
    }
  }
  return resolved;
}
