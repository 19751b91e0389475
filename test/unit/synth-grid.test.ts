import { describe, expect, it } from "vitest";
import {
  BLOCKS,
  GRID_COLUMNS,
  GridCsvError,
  gridFromCsv,
  gridToCsv,
  LANGUAGE_STYLES,
  LETTER_TYPES,
  STRUCTURAL_STYLES,
  validateGridRow,
  type GridRow,
} from "../../src-main/synth/grid.ts";
import { seededRandom } from "../../src-main/base/seededRandom.ts";
import { DEFAULT_DISTRIBUTIONS, DEFAULT_SITES, quota, sampleGrid, type GridDistributions } from "../../src-main/synth/gridSampler.ts";

const row: GridRow = {
  topography: "breast",
  morphology: "invasive ductal carcinoma (NST), grade 3",
  stage: "T2 N1 M0 (stage IIB)",
  biomarkers: 'ER 8/8, PR 0/8, HER2 positive (IHC 3+), "quoted"',
  metastases_extent: "ipsilateral axillary nodes",
  trajectory: "improving",
  treatment_complexity: "complex",
  omit_blocks: ["social-background", "administrative"],
  data_quality_issue: "a biomarker name misspelt (e.g. 'HER-2 postive', 'EGRF')",
  letter_type: "treatment-review",
  structural_style: "header-block",
  language_style: "verbose-empathetic",
};

function errorOf(fn: () => unknown): GridCsvError {
  try {
    fn();
  } catch (error) {
    if (error instanceof GridCsvError) return error;
    throw error;
  }
  throw new Error("expected a GridCsvError");
}

function count(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

describe("grid CSV", () => {
  it("round-trips rows, including commas, quotes, empty lists and no issue", () => {
    const rows: GridRow[] = [row, { ...row, omit_blocks: [], data_quality_issue: null, letter_type: "mdt-outcome" }];
    const csv = gridToCsv(rows);
    expect(csv.split("\n")[0]).toBe(GRID_COLUMNS.join(","));
    expect(gridFromCsv(csv)).toEqual(rows);
    expect(gridFromCsv("\uFEFF" + csv)).toEqual(rows);
  });

  it("round-trips a sampled grid of 100 rows", () => {
    const rows = sampleGrid(100, DEFAULT_DISTRIBUTIONS, 42);
    expect(gridFromCsv(gridToCsv(rows))).toEqual(rows);
  });

  it("accepts columns in any order", () => {
    const reordered = [...GRID_COLUMNS].reverse();
    const csv = `${reordered.join(",")}\n${reordered
      .map((c) => {
        const value = c === "omit_blocks" ? row.omit_blocks.join(";") : String(row[c]);
        return `"${value.replaceAll('"', '""')}"`;
      })
      .join(",")}\n`;
    expect(gridFromCsv(csv)).toEqual([row]);
  });

  it("names the row, line and field of every bad cell, and rejects unknown enum values", () => {
    const good = gridToCsv([row]).trim().split("\n");
    const header = good[0] as string;
    const cells = (good[1] as string).split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/);
    const edit = (column: string, value: string) => cells.map((cell, i) => (GRID_COLUMNS[i] === column ? value : cell)).join(",");
    const csv = [header, good[1], edit("trajectory", "worse"), edit("letter_type", "discharge-summary"), edit("omit_blocks", "treatment;family-history"), edit("topography", "")].join("\n");
    const error = errorOf(() => gridFromCsv(csv));
    expect(error.problems).toEqual([
      "row 2 (line 3), field 'trajectory': 'worse' is not one of stable, improving, deteriorating",
      expect.stringMatching(/^row 3 \(line 4\), field 'letter_type': 'discharge-summary' is not one of initial-assessment, /),
      expect.stringMatching(/^row 4 \(line 5\), field 'omit_blocks': 'family-history' is not one of cancer-diagnosis, /),
      "row 5 (line 6), field 'topography' is empty",
    ]);
    expect(error.message).toContain("4 problems");
  });

  it("names missing, unknown and short columns", () => {
    const header = GRID_COLUMNS.filter((c) => c !== "stage").join(",") + ",notes";
    expect(errorOf(() => gridFromCsv(`${header}\n`)).problems).toEqual(["header: missing column stage", expect.stringContaining("header: unknown column notes")]);
    const short = `${GRID_COLUMNS.join(",")}\nbreast,IDC\n`;
    expect(errorOf(() => gridFromCsv(short)).problems).toEqual(["row 1 (line 2): has 2 cells, the header has 12"]);
    expect(errorOf(() => gridFromCsv("")).problems[0]).toMatch(/empty/);
  });

  it("refuses long or multi-line cells, so a grid cannot carry a letter", () => {
    expect(() => validateGridRow({ ...row, morphology: "x".repeat(500) })).toThrow(/morphology' is longer than 160/);
    expect(() => validateGridRow({ ...row, data_quality_issue: "line one\nline two" })).toThrow(/line break/);
    expect(() => gridToCsv([{ ...row, language_style: "poetic" as GridRow["language_style"] }])).toThrow(/row 1: field 'language_style': 'poetic'/);
  });
});

describe("sampleGrid", () => {
  it("is deterministic for a seed and differs between seeds", () => {
    expect(sampleGrid(60, DEFAULT_DISTRIBUTIONS, 7)).toEqual(sampleGrid(60, DEFAULT_DISTRIBUTIONS, 7));
    expect(sampleGrid(60, DEFAULT_DISTRIBUTIONS, "run-1")).toEqual(sampleGrid(60, DEFAULT_DISTRIBUTIONS, "run-1"));
    expect(sampleGrid(60, DEFAULT_DISTRIBUTIONS, 7)).not.toEqual(sampleGrid(60, DEFAULT_DISTRIBUTIONS, 8));
  });

  it("balances letter types, styles and sites (counts differ by at most one)", () => {
    for (const n of [12, 100, 940]) {
      const rows = sampleGrid(n, DEFAULT_DISTRIBUTIONS, n);
      expect(rows).toHaveLength(n);
      for (const [field, values] of [
        ["letter_type", LETTER_TYPES],
        ["structural_style", STRUCTURAL_STYLES],
        ["language_style", LANGUAGE_STYLES],
        ["topography", Object.keys(DEFAULT_SITES)],
      ] as const) {
        const counts = count(rows.map((r) => r[field]));
        const numbers = values.map((v) => counts.get(v) ?? 0);
        expect(Math.max(...numbers) - Math.min(...numbers), `${field} at n=${n}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it("follows the weights and keeps site-specific values plausible", () => {
    const rows = sampleGrid(600, DEFAULT_DISTRIBUTIONS, 3);
    for (const r of rows) {
      const site = DEFAULT_SITES[r.topography];
      expect(site, r.topography).toBeDefined();
      expect(Object.keys(site?.morphology ?? {})).toContain(r.morphology);
      const variant = site?.variants?.[r.morphology];
      expect(Object.keys(variant?.biomarkers ?? site?.biomarkers ?? {})).toContain(r.biomarkers);
      const stage = (variant?.stages ?? site?.stages)?.find((s) => s.stage === r.stage);
      expect(stage, r.stage).toBeDefined();
      expect(Object.keys(stage?.metastases ?? {})).toContain(r.metastases_extent);
      expect(r.omit_blocks).not.toContain("cancer-diagnosis");
      for (const block of r.omit_blocks) expect(BLOCKS).toContain(block);
      expect(r.omit_blocks.length).toBeLessThanOrEqual(2);
    }
    const clean = rows.filter((r) => r.data_quality_issue === null).length;
    expect(clean / rows.length).toBeCloseTo(6 / 10.7, 1);
    const withOmissions = rows.filter((r) => r.omit_blocks.length > 0).length;
    expect(withOmissions / rows.length).toBeGreaterThan(0.25);
    expect(withOmissions / rows.length).toBeLessThan(0.45);
  });

  it("uses edited distributions: weights, exclusions and unknown values", () => {
    const edited: GridDistributions = {
      ...DEFAULT_DISTRIBUTIONS,
      sites: { lung: DEFAULT_SITES.lung as GridDistributions["sites"][string] },
      letter_type: { "mdt-outcome": 3, "simple-follow-up": 1 },
      trajectory: { deteriorating: 1 },
      omit_blocks: { probability: 0, max: 2, weights: {} },
      data_quality_issue: { none: 1 },
    };
    const rows = sampleGrid(40, edited, 1);
    expect(count(rows.map((r) => r.letter_type))).toEqual(new Map([["mdt-outcome", 30], ["simple-follow-up", 10]]));
    expect(new Set(rows.map((r) => r.topography))).toEqual(new Set(["lung"]));
    expect(rows.every((r) => r.trajectory === "deteriorating" && r.omit_blocks.length === 0 && r.data_quality_issue === null)).toBe(true);
    expect(() => sampleGrid(5, { ...DEFAULT_DISTRIBUTIONS, letter_type: { "discharge-summary": 1 } })).toThrow(/'discharge-summary' is not one of/);
    expect(() => sampleGrid(5, { ...DEFAULT_DISTRIBUTIONS, trajectory: { stable: 0 } })).toThrow(/no value with a positive weight/);
    expect(sampleGrid(0)).toEqual([]);
  });

  it("draws stage and biomarkers that fit the morphology", () => {
    const rows = sampleGrid(2000, DEFAULT_DISTRIBUTIONS, 9);
    const smallCell = rows.filter((r) => r.morphology === "small cell carcinoma");
    expect(smallCell.length).toBeGreaterThan(0);
    expect(smallCell.every((r) => /limited|extensive/.test(r.stage) && !/EGFR|ALK|KRAS/.test(r.biomarkers))).toBe(true);
    expect(rows.filter((r) => r.topography !== "lung").some((r) => /limited stage|extensive stage/.test(r.stage))).toBe(false);
    const hodgkin = rows.filter((r) => r.morphology.includes("Hodgkin"));
    expect(hodgkin.length).toBeGreaterThan(0);
    expect(hodgkin.every((r) => r.biomarkers.includes("CD30"))).toBe(true);
    const badVariant: GridDistributions = { ...DEFAULT_DISTRIBUTIONS, sites: { lung: { ...(DEFAULT_SITES.lung as GridDistributions["sites"][string]), variants: { mesothelioma: {} } } } };
    expect(() => sampleGrid(3, badVariant)).toThrow(/'mesothelioma' is not one of the site's morphologies/);
  });

  it("covers the twelve common cancers by default", () => {
    expect(Object.keys(DEFAULT_SITES).sort()).toEqual(
      ["bladder", "breast", "colorectal", "head and neck", "lung", "lymphoma", "melanoma", "ovarian", "pancreas", "prostate", "renal", "upper GI"].sort(),
    );
  });

  it("quota apportions by largest remainder and the PRNG is seeded", () => {
    expect(count(quota({ a: 1, b: 1, c: 1 }, 10, seededRandom(1)))).toEqual(new Map([["a", 4], ["b", 3], ["c", 3]]));
    const a = seededRandom(5);
    const b = seededRandom(5);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });
});
