import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { mergePatientTimeline } from "../../../src-main/timeline/merge.ts";
import type { LetterTimeline } from "../../../src-shared/patientTimeline.ts";
import { validateTimeline } from "../../../src-shared/timeline.ts";
import { letter } from "./helpers.ts";

const DEMO = path.resolve("resources/demo");

/** The demo letters of one patient, with their gold documents as the extraction. */
function demoLetters(patient: string): { letters: LetterTimeline[]; texts: Map<number, string> } {
  const files = readdirSync(path.join(DEMO, "letters"))
    .filter((name) => name.startsWith(`${patient}_`) && name.endsWith(".txt"))
    .sort();
  const texts = new Map<number, string>();
  const letters = files.map((name, i) => {
    const text = readFileSync(path.join(DEMO, "letters", name), "utf8");
    const result = validateTimeline(JSON.parse(readFileSync(path.join(DEMO, "gold", name.replace(/\.txt$/, ".json")), "utf8")));
    if (!result.ok) throw new Error(result.errors.join("; "));
    const id = 100 + i;
    texts.set(id, text);
    return letter(id, /_(\d{4}-\d{2}-\d{2})_/.exec(name)?.[1] ?? null, text, result.document);
  });
  // Given in reverse: the merge must put letters in date order itself.
  return { letters: letters.reverse(), texts };
}

/** Events after merging: P003's second letter restates no event of the first in a comparable way. */
const EXPECTED_MERGED: Record<string, number> = { P001: 15, P002: 32, P003: 14, P004: 19 };

describe("patient timeline on the demo set", () => {
  for (const patient of ["P001", "P002", "P003", "P004"]) {
    it(`${patient}: merges restated events, keeps every link to a real letter and span`, () => {
      const { letters, texts } = demoLetters(patient);
      const timeline = mergePatientTimeline(patient, letters);
      const before = letters.reduce((sum, l) => sum + l.document.primary_cancer.cancer_timeline.length, 0);
      const after = timeline.events.length;

      expect(timeline.letters).toEqual([...letters].map((l) => l.letterId).sort((a, b) => a - b));
      expect(after).toBe(EXPECTED_MERGED[patient]);
      if (patient !== "P003") expect(after).toBeLessThan(before);
      for (const event of timeline.events) {
        expect(event.provenance.length).toBeGreaterThanOrEqual(1);
        // One event per letter at most in a merged event.
        expect(new Set(event.provenance.map((p) => p.letterId)).size).toBe(event.provenance.length);
        for (const p of event.provenance) {
          const text = texts.get(p.letterId);
          expect(text).toBeDefined();
          // The gold keeps the clinician's words: every link has a span in its letter.
          expect(p.span).not.toBeNull();
          expect(text?.slice(p.span?.start, p.span?.end).length).toBeGreaterThan(0);
        }
      }
      const provenanceCount = timeline.events.reduce((sum, e) => sum + e.provenance.length, 0);
      expect(provenanceCount).toBe(before);
      // Ordered by (year, month).
      const keys = timeline.events.map((e) => (e.year ?? 9999) * 100 + (e.month ?? 0));
      expect(keys).toEqual([...keys].sort((a, b) => a - b));
    });
  }

  it("P001: the TCHP start and the docetaxel dose reduction are each one event from two letters", () => {
    const timeline = mergePatientTimeline("P001", demoLetters("P001").letters);
    const tchp = timeline.events.filter((e) => e.type === "treatment_systemic_start" && /TCHP/.test(e.value));
    expect(tchp).toHaveLength(1);
    expect(tchp[0]?.provenance.map((p) => p.letterId)).toEqual([101, 102]);
    expect(tchp[0]).toMatchObject({ year: 2021, month: 3, dateSource: "stated" });
    const reduction = timeline.events.filter((e) => e.type === "treatment_systemic_change" && /docetaxel/i.test(e.value));
    expect(reduction).toHaveLength(1);
    // Undated in both letters: placed at the first letter that reported it (2021-07-08).
    expect(reduction[0]).toMatchObject({ year: 2021, month: 7, dateSource: "letter-date" });
    expect(timeline.primaryCancer.tnm_stage).toMatchObject({ value: "cT2 N1 M0", conflicted: false });
    expect(timeline.primaryCancer.tnm_stage?.provenance).toHaveLength(3);
    expect(timeline.primaryCancer.diagnosis).toMatchObject({ year: 2021, month: 2, conflicted: false });
  });

  it("P002: osimertinib started once, stopped and reduced kept apart; metastases over time are a conflict", () => {
    const timeline = mergePatientTimeline("P002", demoLetters("P002").letters);
    const osimertinib = timeline.events.filter((e) => /osimertinib/i.test(e.value));
    expect(osimertinib.filter((e) => e.type === "treatment_systemic_start")).toHaveLength(1);
    expect(osimertinib.find((e) => e.type === "treatment_systemic_start")?.provenance).toHaveLength(2);
    expect(osimertinib.filter((e) => e.type === "treatment_systemic_change").length).toBeGreaterThanOrEqual(2);
    expect(timeline.conflicts.map((c) => c.field)).toContain("primary_cancer.metastases");
    expect(timeline.primaryCancer.metastases?.conflicted).toBe(true);
    expect(timeline.primaryCancer.metastases?.value).toBe("mediastinal nodes, bone, brain, liver, left pleura");
    expect(timeline.primaryCancer.tnm_stage?.conflicted).toBe(false);
    const ps = timeline.patientFacts.find((f) => f.type === "performance_status");
    expect(ps?.current.map((v) => v.value)).toEqual(["ECOG performance status is now 2 (he is spending around half the day in bed or the chair)"]);
    expect(ps?.history.map((v) => v.value)).toEqual(["ECOG PS 1", "ECOG performance status is 1"]);
  });
});
