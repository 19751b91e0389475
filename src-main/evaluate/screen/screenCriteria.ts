/**
 * A cohort screening's criteria file (CSV): id, question, kind (`yes/no` or `numeric`), threshold
 * (a numeric criterion's cut-off, as criteria.ts reads it: `> 1.3`, `6.5..9.5`) and combine, how a
 * patient's letters decide: `any` (met if any letter says yes or passes), `all` (met only if every
 * letter that answers does), `max` (the highest value decides) or `latest` (the latest letter that
 * answers decides). Every bad row is named with what is wrong; none is used until all are good.
 */
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { parseThreshold, type Threshold } from "../criteria.ts";
import { ScoringInputError } from "../scoringInputError.ts";

export const COMBINE_RULES = ["any", "all", "max", "latest"] as const;
export type CombineRule = (typeof COMBINE_RULES)[number];
export type CriterionKind = "yes/no" | "numeric";

export type ScreenCriterion = { id: string; question: string; kind: CriterionKind; threshold: Threshold | null; combine: CombineRule };

const COLUMNS = ["id", "question", "kind", "threshold", "combine"];

export function readScreenCriteria(file: string): ScreenCriterion[] {
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parse(readFileSync(file, "utf8"), { columns: true, skip_empty_lines: true, trim: true, bom: true, info: true }) as typeof rows;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ScoringInputError(`${file}: ${code === "ENOENT" || code === "EACCES" ? `cannot be read (${code})` : `not a CSV file this can read (${(error as Error).message})`}`);
  }
  const header = rows[0] ? Object.keys(rows[0].record) : [];
  const lacking = COLUMNS.filter((column) => column !== "threshold" && !header.includes(column));
  if (rows.length > 0 && lacking.length > 0) throw new ScoringInputError(`${file}: no column ${lacking.join(", ")} (the columns are ${COLUMNS.join(", ")}; threshold may be left out)`);
  const problems: string[] = [];
  const criteria: ScreenCriterion[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of rows) {
    const row = info.lines;
    const wrong = (what: string) => problems.push(`row ${row}: ${what}`);
    const { id = "", question = "", kind = "", threshold: thresholdText = "", combine = "" } = record;
    const before = problems.length;
    if (id === "") wrong("no id");
    else if (seen.has(id)) wrong(`criterion "${id}" is already on row ${seen.get(id)}`);
    if (question === "") wrong("no question");
    if (kind !== "yes/no" && kind !== "numeric") wrong(`kind "${kind}" is not yes/no or numeric`);
    if (!(COMBINE_RULES as readonly string[]).includes(combine)) wrong(`combine "${combine}" is not any, all, max or latest`);
    const threshold = thresholdText === "" ? null : parseThreshold(thresholdText);
    if (thresholdText !== "" && threshold === null) wrong(`threshold "${thresholdText}" is not > x, >= x, < x, <= x or low..high`);
    if (kind === "numeric" && thresholdText === "") wrong("a numeric criterion needs a threshold to be met or not");
    if (kind === "yes/no" && thresholdText !== "") wrong("a yes/no criterion takes no threshold");
    if (kind === "yes/no" && combine === "max") wrong("combine max needs a numeric criterion (the highest value decides)");
    if (id !== "" && !seen.has(id)) seen.set(id, row);
    if (problems.length === before) criteria.push({ id, question, kind: kind as CriterionKind, threshold, combine: combine as CombineRule });
  }
  if (problems.length === 0 && criteria.length === 0) problems.push("no criteria");
  if (problems.length > 0) throw new ScoringInputError(`${file}: ${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
  return criteria;
}
