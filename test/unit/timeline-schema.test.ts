import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseModelOutput } from "../../src-main/extract/output.ts";
import { dropNulls, TIMELINE_GENERATION_SCHEMA, toGenerationSchema } from "../../src-shared/generationSchema.ts";
import { LIMITS, validateTimeline } from "../../src-shared/timeline.ts";

const EMPTY = { primary_cancer: { cancer_timeline: [] }, other_cancers: [], patient_facts: [], status_updates: [] };

describe("timeline schema", () => {
  it("accepts a minimal document and names the path of each error", () => {
    expect(validateTimeline(EMPTY).ok).toBe(true);
    const bad = validateTimeline({ ...EMPTY, primary_cancer: { year: 1e5, cancer_timeline: [{ type: "surgery", value: "x" }] } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors.join("\n")).toMatch(/^primary_cancer\.year: /m);
      expect(bad.errors.join("\n")).toMatch(/^primary_cancer\.cancer_timeline\[0\]\.type: /m);
    }
  });

  it("rejects unknown keys, nulls and over-long strings", () => {
    expect(validateTimeline({ ...EMPTY, extra: 1 }).ok).toBe(false);
    expect(validateTimeline({ ...EMPTY, primary_cancer: { site: null, cancer_timeline: [] } }).ok).toBe(false);
    expect(validateTimeline({ ...EMPTY, primary_cancer: { site: "x".repeat(LIMITS.shortText + 1), cancer_timeline: [] } }).ok).toBe(false);
  });
});

describe("generation schema", () => {
  const primary = (TIMELINE_GENERATION_SCHEMA as { properties: Record<string, { properties: Record<string, unknown> }> }).properties
    .primary_cancer;

  it("makes optional fields nullable, since the grammar generates every property", () => {
    expect(primary?.properties.site).toEqual({ oneOf: [{ type: "string", minLength: 1, maxLength: LIMITS.shortText }, { type: "null" }] });
  });

  it("turns bounded integers into an enum (the grammar has no minimum/maximum)", () => {
    const year = primary?.properties.year as { oneOf: [{ enum: number[] }, unknown] };
    expect(year.oneOf[0].enum[0]).toBe(LIMITS.minYear);
    expect(year.oneOf[0].enum.at(-1)).toBe(LIMITS.maxYear);
  });

  it("bounds every string and array, and refuses a schema that is not bounded", () => {
    const json = JSON.stringify(TIMELINE_GENERATION_SCHEMA);
    expect(json).not.toMatch(/"type":"string"(?![^}]*maxLength)/);
    expect(() => toGenerationSchema(z.object({ a: z.string() }))).toThrow(/\$\.a: strings must be bounded/);
    expect(() => toGenerationSchema(z.object({ a: z.array(z.string().max(3)) }))).toThrow(/arrays must be bounded/);
    expect(() => toGenerationSchema(z.object({ a: z.number().int() }))).toThrow(/integers must have a small/);
  });

  it("drops nulls so absent means not stated", () => {
    expect(dropNulls({ a: null, b: [{ c: null, d: 1 }], e: "x" })).toEqual({ b: [{ d: 1 }], e: "x" });
  });
});

describe("model output parsing", () => {
  it("drops blank values with a warning instead of failing the letter", () => {
    const raw = JSON.stringify({
      primary_cancer: { site: " ", year: null, cancer_timeline: [{ type: "treatment_surgery", value: "  ", year: null, month: null }] },
      other_cancers: [],
      patient_facts: [{ type: "comorbidity", value: "COPD" }],
      status_updates: [],
    });
    const parsed = parseModelOutput(raw);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.document.primary_cancer).toEqual({ cancer_timeline: [] });
      expect(parsed.warnings).toEqual(["dropped primary_cancer.site: blank", "dropped primary_cancer.cancer_timeline[0]: blank value"]);
    }
  });

  it("removes undecodable bytes (U+FFFD from a partial UTF-8 token) so a string fits the bound the grammar counted", () => {
    const value = `ECOG 1${"\uFFFD".repeat(3)}`.padEnd(LIMITS.longText + 3, "x");
    const raw = JSON.stringify({ ...EMPTY, patient_facts: [{ type: "performance_status", value }] });
    const parsed = parseModelOutput(raw);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.document.patient_facts[0]?.value).toBe(value.replaceAll("\uFFFD", ""));
      expect(parsed.warnings).toEqual(["removed undecodable bytes from patient_facts[0].value"]);
    }
  });

  it("counts characters as the grammar does: an emoji is one character", () => {
    const site = "🫁".repeat(LIMITS.shortText);
    expect(validateTimeline({ ...EMPTY, primary_cancer: { site, cancer_timeline: [] } }).ok).toBe(true);
    expect(validateTimeline({ ...EMPTY, primary_cancer: { site: `${site}x`, cancer_timeline: [] } }).ok).toBe(false);
  });

  it("reports text that is not JSON, or JSON of the wrong shape", () => {
    const notJson = parseModelOutput('{"primary_cancer": {');
    expect(notJson.ok === false && notJson.error).toMatch(/^output is not JSON/);
    const wrong = parseModelOutput(JSON.stringify({ primary_cancer: {} }));
    expect(wrong.ok === false && wrong.error).toMatch(/primary_cancer\.cancer_timeline/);
  });
});
