import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { groundDocument } from "../../src-main/grounding/index.ts";
import { LETTER_TYPES, type GridRow } from "../../src-main/synth/grid.ts";
import { sampleGrid } from "../../src-main/synth/gridSampler.ts";
import {
  buildFromExampleRequest,
  buildGenerationRequest,
  CATALOGUE_FILES,
  GENERATION_MAX_TOKENS,
  listExpertExamples,
  loadExpertExample,
  loadGenerationContext,
} from "../../src-main/synth/promptBuilder.ts";
import { asPromptText, isSyntheticText, NotSyntheticError, type SyntheticText } from "../../src-main/synth/syntheticText.ts";
import { CANCER_EVENT_TYPES, PATIENT_FACT_TYPES, STATUS_UPDATE_TYPES, validateTimeline, type TimelineDocument } from "../../src-shared/timeline.ts";

const PROMPTS = path.resolve(import.meta.dirname, "../../prompts/synth");
const examples = listExpertExamples();

function gold(id: string): TimelineDocument {
  const result = validateTimeline(JSON.parse(readFileSync(path.join(PROMPTS, "examples", `${id}.json`), "utf8")));
  if (!result.ok) throw new Error(`${id}: ${result.errors.join("; ")}`);
  return result.document;
}

describe("expert examples", () => {
  it("are at least six, of different letter types", () => {
    expect(examples.length).toBeGreaterThanOrEqual(6);
    const types = examples.map((id) => id.replace(/^\d+-/, ""));
    expect(new Set(types).size).toBe(types.length);
    for (const type of types) expect(LETTER_TYPES).toContain(type);
  });

  it.each(examples)("%s validates and every value is grounded exactly or normalised", (id) => {
    const letter = readFileSync(path.join(PROMPTS, "examples", `${id}.txt`), "utf8");
    const doc = gold(id);
    const values = groundDocument(letter, doc);
    expect(values.length).toBeGreaterThan(10);
    expect(values.filter((v) => v.grade !== "exact" && v.grade !== "normalised").map((v) => `${v.path} ${v.grade}: ${v.value}`)).toEqual([]);
    // Dates too: every year/month of the gold is written in the letter.
    expect(values.filter((v) => v.path.endsWith(".date") && v.grade !== "exact")).toEqual([]);
    expect(letter).toContain("[redacted name]");
    expect(letter).not.toMatch(/\bDear\b|Yours sincerely/);
  });

  it("together use every event, fact and status-update type and an other cancer", () => {
    const docs = examples.map(gold);
    const used = new Set(docs.flatMap((d) => [...d.primary_cancer.cancer_timeline, ...d.patient_facts, ...d.status_updates].map((i) => i.type)));
    const missing = [...CANCER_EVENT_TYPES, ...PATIENT_FACT_TYPES, ...STATUS_UPDATE_TYPES].filter((t) => !used.has(t) && t !== "death_flag");
    expect(missing).toEqual([]);
    expect(docs.some((d) => d.other_cancers.length > 0)).toBe(true);
  });

  it("have the artefacts real exports have: one-line letters with literal \\n and \\t, and stray ?", () => {
    const letters = examples.map((id) => readFileSync(path.join(PROMPTS, "examples", `${id}.txt`), "utf8"));
    expect(letters.filter((l) => !l.includes("\n") && l.includes("\\n") && l.includes("\\t")).length).toBeGreaterThanOrEqual(2);
    expect(letters.filter((l) => /\w\?\w/.test(l)).length).toBeGreaterThanOrEqual(4);
  });
});

describe("buildGenerationRequest", () => {
  const context = loadGenerationContext();
  const rows = sampleGrid(5, undefined, 11);
  const [first, second] = rows as [GridRow, GridRow];

  it("sends the catalogue files then the examples as SyntheticText, in a stable order", () => {
    const request = buildGenerationRequest(first, context);
    expect(request.maxTokens).toBe(GENERATION_MAX_TOKENS);
    expect(request.system).toHaveLength(CATALOGUE_FILES.length + 1);
    for (const block of [...request.system, request.user]) expect(isSyntheticText(block)).toBe(true);
    request.system.slice(0, CATALOGUE_FILES.length).forEach((block, i) => {
      expect(block.origin).toEqual({ kind: "prompt", name: `prompts/synth/${CATALOGUE_FILES[i]}.v1.md` });
    });
    const examplesBlock = request.system.at(-1)?.text ?? "";
    let at = -1;
    for (const id of examples) {
      const letter = readFileSync(path.join(PROMPTS, "examples", `${id}.txt`), "utf8");
      const next = examplesBlock.indexOf(letter);
      expect(next, id).toBeGreaterThan(at);
      at = next;
    }
  });

  it("gives byte-identical system blocks for every row (prompt caching), the row only in the user message", () => {
    const a = buildGenerationRequest(first, context);
    const b = buildGenerationRequest(second, context);
    const c = buildGenerationRequest(first, loadGenerationContext());
    expect(b.system.map((s) => s.text)).toEqual(a.system.map((s) => s.text));
    expect(c.system.map((s) => s.text)).toEqual(a.system.map((s) => s.text));
    expect(c.user.text).toBe(a.user.text);
    expect(a.user.text).not.toBe(b.user.text);
    for (const value of [first.topography, first.morphology, first.stage, first.biomarkers, first.metastases_extent, first.letter_type, first.structural_style, first.language_style]) {
      expect(a.user.text).toContain(value);
    }
    expect(buildGenerationRequest(first).system.map((s) => s.text)).toEqual(a.system.map((s) => s.text));
  });

  it("renders omissions and the data-quality issue, or 'none'", () => {
    const row: GridRow = { ...first, omit_blocks: ["social-background"], data_quality_issue: "a drug name misspelt" };
    expect(buildGenerationRequest(row, context).user.text).toMatch(/Blocks to leave out: social-background\n- Data-quality issue to inject: a drug name misspelt/);
    const clean: GridRow = { ...first, omit_blocks: [], data_quality_issue: null };
    expect(buildGenerationRequest(clean, context).user.text).toMatch(/Blocks to leave out: none\n- Data-quality issue to inject: none/);
  });

  it("refuses a row that could carry a letter", () => {
    expect(() => buildGenerationRequest({ ...first, morphology: "a whole letter\nwith lines" }, context)).toThrow(/line break/);
  });

  it("the catalogue uses the schema's field and enum names exactly", () => {
    const format = readFileSync(path.join(PROMPTS, "output-format.v1.md"), "utf8");
    for (const name of [...CANCER_EVENT_TYPES, ...PATIENT_FACT_TYPES, ...STATUS_UPDATE_TYPES, "primary_cancer", "other_cancers", "patient_facts", "status_updates", "cancer_timeline", "histopathology_status", "biomarker_status", "tnm_stage", "other_stage", "latest_situation"]) {
      expect(format).toContain(`\`${name}\``);
    }
    const types = readFileSync(path.join(PROMPTS, "letter-types.v1.md"), "utf8");
    for (const type of LETTER_TYPES) expect(types).toContain(`\`${type}\``);
  });
});

describe("buildFromExampleRequest", () => {
  const context = loadGenerationContext();
  const example = loadExpertExample(examples[0] as string);

  it("sends the example and its gold with dates shifted, and the same system blocks", () => {
    const request = buildFromExampleRequest(example, 14, context);
    expect(request.system.map((s) => s.text)).toEqual(buildGenerationRequest(sampleGrid(1)[0] as GridRow, context).system.map((s) => s.text));
    expect(isSyntheticText(request.user)).toBe(true);
    expect(request.user.text).toContain("Keep: the letter type (initial-assessment)");
    expect(request.user.text).toContain("moved by 14 months");
    // 12/02/2025 + 14 months = 12/04/2026; the gold's 2025-01 diagnosis becomes 2026-03.
    expect(request.user.text).toContain("Oncology Clinic - 12/04/2026");
    expect(request.user.text).not.toContain("12/02/2025");
    expect(request.user.text).toMatch(/"year": 2026,\s+"month": 3/);
  });

  it("refuses anything but expert examples from prompts/ (a cast cannot smuggle a letter in)", () => {
    const fake = { ...example, letter: { text: "Dear Dr X, real letter 01/02/2024", origin: example.letter.origin } as unknown as SyntheticText };
    expect(() => buildFromExampleRequest(fake, 3, context)).toThrow(NotSyntheticError);
    const notExpert = { ...example, letter: asPromptText("context text", { name: "x" }) };
    expect(() => buildFromExampleRequest(notExpert, 3, context)).toThrow(/only expert examples/);
    expect(() => buildFromExampleRequest({ ...example, letterType: "anything" as never }, 3, context)).toThrow(/not a letter type/);
  });

  it("is stable for the same example and shift", () => {
    expect(buildFromExampleRequest(example, -5, context).user.text).toBe(buildFromExampleRequest(example, -5, context).user.text);
  });
});
