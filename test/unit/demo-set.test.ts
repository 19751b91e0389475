import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { groundDocument } from "../../src-main/grounding/index.ts";
import { CANCER_EVENT_TYPES, PATIENT_FACT_TYPES, STATUS_UPDATE_TYPES, validateTimeline, type TimelineDocument } from "../../src-shared/timeline.ts";

const DEMO = path.resolve("resources/demo");
const letters = readdirSync(path.join(DEMO, "letters")).filter((name) => name.endsWith(".txt")).sort();

function gold(letter: string): TimelineDocument {
  const file = path.join(DEMO, "gold", letter.replace(/\.txt$/, ".json"));
  const result = validateTimeline(JSON.parse(readFileSync(file, "utf8")));
  if (!result.ok) throw new Error(`${file}: ${result.errors.join("; ")}`);
  return result.document;
}

describe("demo set", () => {
  it("has at least 12 letters, each with a valid gold timeline, named PATIENT_DATE_type", () => {
    expect(letters.length).toBeGreaterThanOrEqual(12);
    for (const letter of letters) {
      expect(letter).toMatch(/^P\d{3}_\d{4}-\d{2}-\d{2}_[a-z-]+\.txt$/);
      expect(() => gold(letter)).not.toThrow();
    }
  });

  it("grounds every gold value in its letter (the gold keeps the clinician's words)", () => {
    const ungrounded: string[] = [];
    for (const letter of letters) {
      const text = readFileSync(path.join(DEMO, "letters", letter), "utf8");
      for (const value of groundDocument(text, gold(letter))) {
        if (value.grade === "ungrounded") ungrounded.push(`${letter} ${value.path}: ${value.value}`);
        else expect(text.slice(value.span?.start, value.span?.end).length).toBeGreaterThan(0);
      }
    }
    expect(ungrounded).toEqual([]);
  });

  it("uses every event, patient-fact and status-update type somewhere", () => {
    const documents = letters.map(gold);
    const used = new Set(
      documents.flatMap((d) => [...d.primary_cancer.cancer_timeline, ...d.patient_facts, ...d.status_updates].map((item) => item.type)),
    );
    expect([...CANCER_EVENT_TYPES, ...PATIENT_FACT_TYPES, ...STATUS_UPDATE_TYPES].filter((type) => !used.has(type))).toEqual([]);
  });
});
