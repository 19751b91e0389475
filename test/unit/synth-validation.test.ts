import { describe, expect, it } from "vitest";
import type { GridRow } from "../../src-main/synth/grid.ts";
import { sampleGrid } from "../../src-main/synth/gridSampler.ts";
import { NearDuplicateIndex } from "../../src-main/synth/nearDuplicate.ts";
import { renderGridRow } from "../../src-main/synth/promptBuilder.ts";
import { validateGeneratedPair, type ValidationOutcome } from "../../src-main/synth/validation.ts";
import { fakeLetterAnswer } from "../helpers/fakeAnthropic.ts";

const ROW: GridRow = { ...(sampleGrid(1, undefined, 3)[0] as GridRow), data_quality_issue: null };

const LETTER = "[redacted name], 61, adenocarcinoma of the sigmoid colon, diagnosed March 2021. Capecitabine started 14/04/2021. ECOG PS 1. Plan: CT in three months.";
const GOLD = {
  primary_cancer: {
    site: "sigmoid colon",
    year: 2021,
    month: 3,
    histopathology_status: "adenocarcinoma",
    cancer_timeline: [{ type: "treatment_systemic_start", value: "Capecitabine started 14/04/2021", year: 2021, month: 4 }],
  },
  other_cancers: [],
  patient_facts: [{ type: "performance_status", value: "ECOG PS 1" }],
  status_updates: [{ type: "planned_investigation", value: "CT in three months" }],
};

const answer = (content: string, output: unknown = GOLD): string => JSON.stringify({ content, output });

function validate(raw: string, options: { issue?: string | null; index?: NearDuplicateIndex; stopReason?: string; policy?: Parameters<typeof validateGeneratedPair>[2] } = {}): ValidationOutcome {
  return validateGeneratedPair({ raw, stopReason: options.stopReason ?? "end_turn", dataQualityIssue: options.issue ?? null }, options.index ?? new NearDuplicateIndex(), options.policy);
}

const codes = (outcome: ValidationOutcome): string[] => outcome.reasons.map((r) => r.code);

describe("validation of a generated letter + gold", () => {
  it("accepts a parsed, schema-valid, grounded pair, and returns the letter, gold and signature", () => {
    const outcome = validate(answer(LETTER));
    expect(outcome).toMatchObject({ status: "accepted", reasons: [], content: LETTER });
    expect(outcome.gold?.primary_cancer.site).toBe("sigmoid colon");
    expect(outcome.signature).toHaveLength(128);
  });

  it("accepts the fake teacher's letters (the integration tests and the bench rely on it)", () => {
    const raw = fakeLetterAnswer(renderGridRow(ROW).text);
    expect(validate(raw).status).toBe("accepted");
  });

  it("tolerates a markdown fence around the JSON", () => {
    expect(validate("```json\n" + answer(LETTER) + "\n```").status).toBe("accepted");
  });

  it("rejects a truncated answer", () => {
    const outcome = validate(answer(LETTER).slice(0, 50), { stopReason: "max_tokens" });
    expect(outcome.status).toBe("rejected");
    expect(codes(outcome)).toEqual(["truncated"]);
  });

  it("rejects an answer that is not JSON, saying so", () => {
    const outcome = validate("Here is your letter: {content: ...");
    expect(outcome.status).toBe("rejected");
    expect(codes(outcome)).toEqual(["unparseable"]);
    expect(outcome.reasons[0]?.detail).toMatch(/not JSON/);
  });

  it("rejects JSON of the wrong shape: no letter, or no gold", () => {
    expect(codes(validate(JSON.stringify({ output: GOLD })))).toEqual(["bad-shape"]);
    expect(codes(validate(JSON.stringify({ content: LETTER })))).toEqual(["bad-shape"]);
    expect(codes(validate(JSON.stringify([LETTER])))).toEqual(["bad-shape"]);
  });

  it("rejects gold that does not fit the timeline schema, naming the field", () => {
    const bad = { ...GOLD, primary_cancer: { ...GOLD.primary_cancer, year: "2021", stage: "IV" } };
    const outcome = validate(answer(LETTER, bad));
    expect(codes(outcome)).toEqual(["schema"]);
    expect(outcome.reasons[0]?.detail).toMatch(/primary_cancer\.year/);
    expect(outcome.content).toBe(LETTER);
  });

  it("rejects a gold value the letter does not contain, by default; flags it under the 'flag' policy", () => {
    const invented = { ...GOLD, patient_facts: [...GOLD.patient_facts, { type: "comorbidity", value: "chronic obstructive pulmonary disease" }] };
    const outcome = validate(answer(LETTER, invented));
    expect(outcome.status).toBe("rejected");
    expect(codes(outcome)).toEqual(["ungrounded"]);
    expect(outcome.reasons[0]?.detail).toMatch(/patient_facts\[1\]\.value "chronic obstructive pulmonary disease"/);
    expect(validate(answer(LETTER, invented), { policy: { ungrounded: "flag", fuzzy: "flag" } }).status).toBe("flagged");
  });

  it("an ungrounded date rejects too", () => {
    const wrongDate = { ...GOLD, primary_cancer: { ...GOLD.primary_cancer, year: 2019 } };
    const outcome = validate(answer(LETTER, wrongDate));
    expect(codes(outcome)).toEqual(["ungrounded"]);
    expect(outcome.reasons[0]?.detail).toMatch(/primary_cancer\.date/);
  });

  it("flags a value found only fuzzily by default; the policy can reject or accept it instead", () => {
    const typo = { ...GOLD, patient_facts: [{ type: "performance_status", value: "ECOG PS 1" }], status_updates: [{ type: "planned_investigation", value: "CT in thre months" }] };
    const flagged = validate(answer(LETTER, typo));
    expect(flagged.status).toBe("flagged");
    expect(codes(flagged)).toEqual(["fuzzy"]);
    expect(validate(answer(LETTER, typo), { policy: { ungrounded: "reject", fuzzy: "reject" } }).status).toBe("rejected");
    expect(validate(answer(LETTER, typo), { policy: { ungrounded: "reject", fuzzy: "accept" } }).status).toBe("accepted");
  });

  it("rejects a letter without the data-quality issue its row asked for, and accepts one with it", () => {
    const issue = "some dates only relative ('three weeks ago', 'last spring')";
    const missing = validate(answer(LETTER), { issue });
    expect(missing.status).toBe("rejected");
    expect(codes(missing)).toEqual(["missing-artefact"]);
    expect(missing.reasons[0]?.detail).toMatch(/requested relative-dates/);
    expect(validate(answer(`${LETTER} Pain began three weeks ago.`), { issue }).status).toBe("accepted");
  });

  it("rejects a near-duplicate of a letter already accepted, naming it", () => {
    const index = new NearDuplicateIndex();
    const first = validate(answer(LETTER), { index });
    index.add("17", first.signature as Uint32Array);
    const again = validate(answer(LETTER.replace("61", "62")), { index });
    expect(again.status).toBe("rejected");
    expect(codes(again)).toEqual(["near-duplicate"]);
    expect(again.reasons[0]?.detail).toMatch(/near-duplicate of letter 17/);
    const other = fakeLetterAnswer(renderGridRow(ROW).text);
    expect(validate(other, { index }).status).toBe("accepted");
  });

  it("keeps every finding, not only the first", () => {
    const invented = { ...GOLD, patient_facts: [{ type: "comorbidity", value: "chronic obstructive pulmonary disease" }] };
    const outcome = validate(answer(LETTER, invented), { issue: "heavy unexplained abbreviations" });
    expect(codes(outcome).sort()).toEqual(["missing-artefact", "ungrounded"]);
  });
});
