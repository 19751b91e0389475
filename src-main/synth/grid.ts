/**
 * The generation grid (docs/domain.md §3): one row drives one synthetic letter + gold request. Rows are
 * edited as CSV (one column per field; `omit_blocks` as names joined by ';'; an empty
 * `data_quality_issue` is none). Import checks every cell and names the row and field of each
 * problem; enum fields accept only their listed values.
 *
 * A row is also a length-bounded, single-line description: validateGridRow refuses long or
 * multi-line cells, so a grid cannot smuggle a letter into a prompt (docs/domain.md §7).
 */
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";

export const TRAJECTORIES = ["stable", "improving", "deteriorating"] as const;
export const TREATMENT_COMPLEXITIES = ["simple", "complex"] as const;

/** The twelve letter types of docs/domain.md §2, as slugs (the same as resources/demo file names). */
export const LETTER_TYPES = [
  "initial-assessment",
  "simple-follow-up",
  "treatment-review",
  "complex-initial-assessment",
  "multiple-cancers",
  "clinical-trial-registration",
  "clinical-trial-assessment",
  "mdt-outcome",
  "treatment-change",
  "end-of-treatment",
  "complex-progressive-disease",
  "transfer-of-care",
] as const;

/** Described in prompts/synth/styles.v1.md. */
export const STRUCTURAL_STYLES = ["header-block", "block-labels", "numbered", "narrative"] as const;
export const LANGUAGE_STYLES = ["concise-factual", "verbose-professional", "brief-business-like", "verbose-empathetic"] as const;

/** The content blocks of prompts/synth/blocks.v1.md; a row may leave some out. */
export const BLOCKS = [
  "cancer-diagnosis",
  "treatment",
  "disease-status",
  "patient-status",
  "medical-background",
  "social-background",
  "clinical-trial",
  "care-plan",
  "administrative",
] as const;

export type Trajectory = (typeof TRAJECTORIES)[number];
export type TreatmentComplexity = (typeof TREATMENT_COMPLEXITIES)[number];
export type LetterType = (typeof LETTER_TYPES)[number];
export type StructuralStyle = (typeof STRUCTURAL_STYLES)[number];
export type LanguageStyle = (typeof LANGUAGE_STYLES)[number];
export type BlockName = (typeof BLOCKS)[number];

export type GridRow = {
  topography: string;
  morphology: string;
  stage: string;
  biomarkers: string;
  metastases_extent: string;
  trajectory: Trajectory;
  treatment_complexity: TreatmentComplexity;
  /** Names from BLOCKS. */
  omit_blocks: string[];
  data_quality_issue: string | null;
  letter_type: LetterType;
  structural_style: StructuralStyle;
  language_style: LanguageStyle;
};

/** CSV columns, in this order. */
export const GRID_COLUMNS = [
  "topography",
  "morphology",
  "stage",
  "biomarkers",
  "metastases_extent",
  "trajectory",
  "treatment_complexity",
  "omit_blocks",
  "data_quality_issue",
  "letter_type",
  "structural_style",
  "language_style",
] as const satisfies readonly (keyof GridRow)[];

export const OMIT_BLOCKS_SEPARATOR = ";";

/** Longest cell accepted per free-text field: a grid row describes a letter, it never holds one. */
export const GRID_TEXT_LIMITS = {
  topography: 80,
  morphology: 160,
  stage: 80,
  biomarkers: 200,
  metastases_extent: 160,
  data_quality_issue: 200,
} as const;

const ENUMS = {
  trajectory: TRAJECTORIES,
  treatment_complexity: TREATMENT_COMPLEXITIES,
  letter_type: LETTER_TYPES,
  structural_style: STRUCTURAL_STYLES,
  language_style: LANGUAGE_STYLES,
} as const;

export class GridCsvError extends Error {
  override readonly name = "GridCsvError";
  constructor(readonly problems: string[]) {
    super(`The generation grid has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

function checkText(field: keyof typeof GRID_TEXT_LIMITS, value: string, required: boolean): string | null {
  if (required && value.trim() === "") return `field '${field}' is empty`;
  if (/[\r\n]/.test(value)) return `field '${field}' has a line break (one line per cell)`;
  if ([...value].length > GRID_TEXT_LIMITS[field]) return `field '${field}' is longer than ${GRID_TEXT_LIMITS[field]} characters`;
  return null;
}

/** The problems of one row (empty when it is valid), each naming its field. */
export function gridRowProblems(row: GridRow): string[] {
  const problems: string[] = [];
  for (const field of ["topography", "morphology", "stage", "biomarkers", "metastases_extent"] as const) {
    if (typeof row[field] !== "string") problems.push(`field '${field}' must be text`);
    else {
      const problem = checkText(field, row[field], true);
      if (problem) problems.push(problem);
    }
  }
  for (const [field, values] of Object.entries(ENUMS) as [keyof typeof ENUMS, readonly string[]][]) {
    const value: unknown = row[field];
    if (typeof value !== "string" || !values.includes(value)) {
      problems.push(`field '${field}': '${String(value)}' is not one of ${values.join(", ")}`);
    }
  }
  if (!Array.isArray(row.omit_blocks)) problems.push("field 'omit_blocks' must be a list of block names");
  else {
    for (const block of row.omit_blocks) {
      if (!(BLOCKS as readonly string[]).includes(block)) problems.push(`field 'omit_blocks': '${block}' is not one of ${BLOCKS.join(", ")}`);
    }
    if (new Set(row.omit_blocks).size !== row.omit_blocks.length) problems.push("field 'omit_blocks' names a block twice");
  }
  if (row.data_quality_issue !== null) {
    if (typeof row.data_quality_issue !== "string") problems.push("field 'data_quality_issue' must be text or null");
    else {
      const problem = checkText("data_quality_issue", row.data_quality_issue, true);
      if (problem) problems.push(problem);
    }
  }
  return problems;
}

/** Throws a GridCsvError naming each problem of the row. */
export function validateGridRow(row: GridRow, label = "row"): GridRow {
  const problems = gridRowProblems(row);
  if (problems.length > 0) throw new GridCsvError(problems.map((p) => `${label}: ${p}`));
  return row;
}

function rowToRecord(row: GridRow): Record<(typeof GRID_COLUMNS)[number], string> {
  return {
    topography: row.topography,
    morphology: row.morphology,
    stage: row.stage,
    biomarkers: row.biomarkers,
    metastases_extent: row.metastases_extent,
    trajectory: row.trajectory,
    treatment_complexity: row.treatment_complexity,
    omit_blocks: row.omit_blocks.join(OMIT_BLOCKS_SEPARATOR),
    data_quality_issue: row.data_quality_issue ?? "",
    letter_type: row.letter_type,
    structural_style: row.structural_style,
    language_style: row.language_style,
  };
}

/** The grid as CSV text: a header line, then one line per row (rows are validated first). */
export function gridToCsv(rows: readonly GridRow[]): string {
  const problems = rows.flatMap((row, i) => gridRowProblems(row).map((p) => `row ${i + 1}: ${p}`));
  if (problems.length > 0) throw new GridCsvError(problems);
  return stringify(
    rows.map((row) => rowToRecord(row)),
    { header: true, columns: [...GRID_COLUMNS], record_delimiter: "\n" },
  );
}

/**
 * Reads a grid CSV (header line with exactly the GRID_COLUMNS, in any order). Every problem is
 * collected, as "row N (line L), field 'x': ...", and thrown together as one GridCsvError.
 */
export function gridFromCsv(csv: string): GridRow[] {
  let records: string[][];
  try {
    records = parse(csv.replace(/^\uFEFF/, ""), { relax_column_count: true, skip_empty_lines: true, trim: false }) as string[][];
  } catch (error) {
    throw new GridCsvError([`not readable as CSV: ${error instanceof Error ? error.message : String(error)}`]);
  }
  const [header, ...body] = records;
  if (!header) throw new GridCsvError(["the file is empty: it needs a header line with the columns " + GRID_COLUMNS.join(", ")]);
  const names = header.map((name) => name.trim());
  const problems: string[] = [];
  const missing = GRID_COLUMNS.filter((column) => !names.includes(column));
  const unknown = names.filter((name) => !(GRID_COLUMNS as readonly string[]).includes(name));
  const duplicated = names.filter((name, i) => names.indexOf(name) !== i);
  if (missing.length > 0) problems.push(`header: missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
  if (unknown.length > 0) problems.push(`header: unknown column${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} (expected ${GRID_COLUMNS.join(", ")})`);
  if (duplicated.length > 0) problems.push(`header: column${duplicated.length > 1 ? "s" : ""} ${duplicated.join(", ")} given twice`);
  if (problems.length > 0) throw new GridCsvError(problems);

  const rows: GridRow[] = [];
  body.forEach((record, i) => {
    const label = `row ${i + 1} (line ${i + 2})`;
    if (record.length !== names.length) {
      problems.push(`${label}: has ${record.length} cells, the header has ${names.length}`);
      return;
    }
    const cell = (column: (typeof GRID_COLUMNS)[number]): string => record[names.indexOf(column)] ?? "";
    const omit = cell("omit_blocks").trim();
    const issue = cell("data_quality_issue").trim();
    const row = {
      topography: cell("topography").trim(),
      morphology: cell("morphology").trim(),
      stage: cell("stage").trim(),
      biomarkers: cell("biomarkers").trim(),
      metastases_extent: cell("metastases_extent").trim(),
      trajectory: cell("trajectory").trim(),
      treatment_complexity: cell("treatment_complexity").trim(),
      omit_blocks: omit === "" ? [] : omit.split(OMIT_BLOCKS_SEPARATOR).map((block) => block.trim()),
      data_quality_issue: issue === "" ? null : issue,
      letter_type: cell("letter_type").trim(),
      structural_style: cell("structural_style").trim(),
      language_style: cell("language_style").trim(),
    } as GridRow;
    const rowProblems = gridRowProblems(row);
    if (rowProblems.length > 0) problems.push(...rowProblems.map((p) => `${label}, ${p}`));
    else rows.push(row);
  });
  if (problems.length > 0) throw new GridCsvError(problems);
  return rows;
}
