/**
 * Eligibility criteria with a threshold on a number (docs/domain.md §6: asking for the number and
 * applying the cut-off did better than asking yes/no): "> 1.3" (creatinine above 1.3 mg/dL),
 * ">= 6.5", "< 50", "<= 2", or a closed range "6.5..9.5" (HbA1c between 6.5 and 9.5%). A criteria
 * file (CSV: id, threshold, and optionally question) names them; a QA gold line with a
 * `criterion` field is scored after its gold and predicted numbers are turned into met / not met
 * (NA stays NA; an unreadable answer stays invalid).
 */
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { ScoringInputError } from "./scoringInputError.ts";

export type Threshold = { test: (value: number) => boolean; text: string };

const COMPARISON = /^\s*(>=|<=|>|<)\s*([-+]?\d+(?:\.\d+)?)\s*$/;
const RANGE = /^\s*([-+]?\d+(?:\.\d+)?)\s*\.\.\s*([-+]?\d+(?:\.\d+)?)\s*$/;

export function parseThreshold(text: string): Threshold | null {
  const comparison = COMPARISON.exec(text);
  if (comparison) {
    const [, operator, number] = comparison as unknown as [string, string, string];
    const bound = Number(number);
    const tests: Record<string, (value: number) => boolean> = { ">": (v) => v > bound, ">=": (v) => v >= bound, "<": (v) => v < bound, "<=": (v) => v <= bound };
    return { test: tests[operator] as (value: number) => boolean, text: `${operator} ${bound}` };
  }
  const range = RANGE.exec(text);
  if (range) {
    const low = Number(range[1]);
    const high = Number(range[2]);
    if (low > high) return null;
    return { test: (v) => v >= low && v <= high, text: `${low}..${high}` };
  }
  return null;
}

/** The criteria file: id → threshold. Every bad row is named. */
export function readCriteria(file: string): Map<string, Threshold> {
  let rows: Record<string, string>[];
  try {
    rows = parse(readFileSync(file, "utf8"), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  } catch (error) {
    throw new ScoringInputError(`${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "cannot be read (ENOENT)" : (error as Error).message}`);
  }
  const criteria = new Map<string, Threshold>();
  const problems: string[] = [];
  rows.forEach((row, index) => {
    const line = index + 2;
    const id = row.id ?? "";
    const threshold = parseThreshold(row.threshold ?? "");
    if (id === "") problems.push(`row ${line}: no id`);
    else if (!threshold) problems.push(`row ${line}: threshold "${row.threshold ?? ""}" is not > x, >= x, < x, <= x or low..high`);
    else if (criteria.has(id)) problems.push(`row ${line}: criterion "${id}" is already defined`);
    else criteria.set(id, threshold);
  });
  if (problems.length > 0) throw new ScoringInputError(`${file}: ${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
  return criteria;
}

/** A number (canonical label) as met / not met under the threshold; other labels (yes, no, NA) as they are. */
export function applyThreshold(label: string, threshold: Threshold): string {
  const value = Number(label);
  if (label === "" || Number.isNaN(value) || label === "yes" || label === "no" || label === "na") return label;
  return threshold.test(value) ? "met" : "not met";
}
