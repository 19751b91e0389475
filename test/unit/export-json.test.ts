import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { exportJson, type JsonExport } from "../../src-main/export/json/jsonExport.ts";
import { pruneUngrounded } from "../../src-main/export/json/prune.ts";
import { groundedValue, letterFileName } from "../../src-main/export/fhir/fromStore.ts";
import { groundDocument } from "../../src-main/grounding/index.ts";
import { evidenceFor, getExtraction } from "../../src-main/store/extractions.ts";
import { listLetters } from "../../src-main/store/letters.ts";
import { mergePatientTimeline } from "../../src-main/timeline/index.ts";
import { validateTimeline, type TimelineDocument } from "../../src-shared/timeline.ts";
import { demoStore, HALLUCINATED } from "../helpers/exportStore.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();

function readExport(file: string): JsonExport {
  return JSON.parse(readFileSync(file, "utf8")) as JsonExport;
}

describe("exportJson", () => {
  it("round-trips the store: every letter, documents byte-equal to the stored ones, evidence, merged patients", () => {
    const { db, dir } = demoStore(tempDir());
    const out = path.join(dir, "export.json");
    const result = exportJson(db, { out });
    const exported = readExport(out);
    expect(exported.format).toBe("oncotimeline-export");
    expect(exported.version).toBe(1);
    expect(exported.model).toBe("test-model");
    expect(Number.isNaN(Date.parse(exported.exportedAt))).toBe(false);
    const letters = listLetters(db);
    expect(exported.letters.map((l) => l.letterId)).toEqual(letters.map((l) => l.id));
    expect(result).toMatchObject({ letters: letters.length, extracted: 17, patients: 10, droppedUngrounded: 0, model: "test-model" });
    const modelId = (db.prepare("SELECT id FROM models").get() as { id: number }).id;
    for (const [i, letter] of letters.entries()) {
      const item = exported.letters[i];
      if (!item) throw new Error("missing letter");
      expect(item).toMatchObject({ patient: letter.patient, letterDate: letter.letter_date, source: letterFileName(letter) });
      const stored = getExtraction(db, letter.id, modelId);
      if (!stored) {
        expect(item.status).toBe("not_extracted");
        expect(item.document).toBeUndefined();
        continue;
      }
      if (stored.status === "failed") {
        expect(item).toMatchObject({ status: "failed", error: "timeout after 600 s" });
        expect(item.document).toBeUndefined();
        continue;
      }
      expect(item.status).toBe("extracted");
      expect(item.origin).toBe("model");
      expect(JSON.stringify(item.document)).toBe(stored.document);
      expect(validateTimeline(item.document).ok).toBe(true);
      const evidence = evidenceFor(db, stored.id);
      expect(item.evidence).toEqual(
        evidence.map((row) => ({ path: row.path, value: row.value, origin: "model", grade: row.grade, grounded: row.grade !== "ungrounded", start: row.start, end: row.end, score: row.score })),
      );
    }
    expect(exported.letters.find((l) => l.source === "clinic.csv:7")?.status).toBe("failed");
    // Patients: one merged timeline per patient with extracted letters, equal to merging the store.
    expect(exported.patients.map((p) => p.patient)).toEqual(["P001", "P002", "P003", "P004", "P005", "P006", "P007", "P008", "P009", "P010"]);
    const p001 = exported.patients[0];
    const p001Letters = exported.letters.filter((l) => l.patient === "P001" && l.status === "extracted");
    expect(p001?.letters).toEqual(p001Letters.map((l) => l.letterId));
    const expected = mergePatientTimeline(
      "P001",
      p001Letters.map((l) => {
        const letter = letters.find((row) => row.id === l.letterId);
        const stored = letter && getExtraction(db, letter.id, modelId);
        if (!letter || !stored) throw new Error("missing");
        return { letterId: letter.id, letterDate: letter.letter_date, source: letterFileName(letter), document: l.document as TimelineDocument, evidence: evidenceFor(db, stored.id).map(groundedValue) };
      }),
    );
    expect(p001).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(p001?.events.length).toBeGreaterThan(0);
    db.close();
  });

  it("exports one patient, and no letters at all as an empty but valid document", () => {
    const { db, dir } = demoStore(tempDir());
    exportJson(db, { out: path.join(dir, "p2.json"), patient: "P002" });
    const one = readExport(path.join(dir, "p2.json"));
    expect(new Set(one.letters.map((l) => l.patient))).toEqual(new Set(["P002"]));
    expect(one.letters.map((l) => l.status)).toContain("not_extracted");
    expect(one.patients.map((p) => p.patient)).toEqual(["P002"]);
    const none = exportJson(db, { out: path.join(dir, "none.json"), patient: "nobody" });
    expect(none).toMatchObject({ letters: 0, patients: 0 });
    expect(readExport(path.join(dir, "none.json"))).toMatchObject({ letters: [], patients: [] });
    db.close();
  });

  it("excludeUngrounded drops ungrounded text values, says how many, and renumbers the evidence", () => {
    const { db, dir } = demoStore(tempDir());
    const out = path.join(dir, "grounded.json");
    const result = exportJson(db, { out, excludeUngrounded: true });
    const exported = readExport(out);
    expect(exported.excludeUngrounded).toBe(true);
    const letter = exported.letters.find((l) => l.source === "P003_2023-11-30_simple-follow-up.txt");
    expect(letter?.droppedUngrounded).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(letter?.document)).not.toContain(HALLUCINATED);
    expect(result.droppedUngrounded).toBe(exported.letters.reduce((sum, l) => sum + (l.droppedUngrounded ?? 0), 0));
    for (const item of exported.letters) {
      if (!item.document) continue;
      expect(validateTimeline(item.document).ok).toBe(true);
      // Every remaining text value is grounded, and each evidence path names the value it grounds.
      const byPath = new Map(item.evidence.map((e) => [e.path, e]));
      for (const grounded of groundDocument("", item.document)) {
        const evidence = byPath.get(grounded.path);
        expect(evidence?.value, grounded.path).toBe(grounded.value);
        if (!grounded.path.endsWith(".date")) expect(evidence?.grounded, grounded.path).toBe(true);
      }
    }
    expect(JSON.stringify(exported.patients)).not.toContain(HALLUCINATED);
    db.close();
  });
});

describe("pruneUngrounded", () => {
  it("drops ungrounded items and fields, keeps dates, renumbers list paths", () => {
    const document: TimelineDocument = {
      primary_cancer: {
        site: "lung",
        tnm_stage: "T9",
        year: 2020,
        cancer_timeline: [
          { type: "treatment_surgery", value: "made up", year: 2020 },
          { type: "treatment_radiotherapy", value: "real RT", year: 2021 },
        ],
      },
      other_cancers: [{ site: "made up site" }, { site: "skin", latest_situation: "made up" }],
      patient_facts: [],
      status_updates: [{ type: "clinical_summary", value: "ok" }],
    };
    const row = (p: string, value: string, grade: "exact" | "ungrounded") => ({ extraction_id: 1, path: p, value, grade, start: grade === "exact" ? 0 : null, end: grade === "exact" ? 1 : null, score: grade === "exact" ? 1 : null });
    const pruned = pruneUngrounded(document, [
      row("primary_cancer.site", "lung", "exact"),
      row("primary_cancer.tnm_stage", "T9", "ungrounded"),
      row("primary_cancer.cancer_timeline[0].value", "made up", "ungrounded"),
      row("primary_cancer.cancer_timeline[1].value", "real RT", "exact"),
      row("other_cancers[0].site", "made up site", "ungrounded"),
      row("other_cancers[1].site", "skin", "exact"),
      row("other_cancers[1].latest_situation", "made up", "ungrounded"),
      row("status_updates[0].value", "ok", "exact"),
      row("primary_cancer.date", "2020", "ungrounded"),
      row("primary_cancer.cancer_timeline[0].date", "2020", "exact"),
      row("primary_cancer.cancer_timeline[1].date", "2021", "exact"),
    ]);
    expect(pruned.dropped).toBe(4);
    expect(pruned.document).toEqual({
      primary_cancer: { site: "lung", year: 2020, cancer_timeline: [{ type: "treatment_radiotherapy", value: "real RT", year: 2021 }] },
      other_cancers: [{ site: "skin" }],
      patient_facts: [],
      status_updates: [{ type: "clinical_summary", value: "ok" }],
    });
    expect(pruned.evidence.map((e) => [e.path, e.value])).toEqual([
      ["primary_cancer.site", "lung"],
      ["primary_cancer.cancer_timeline[0].value", "real RT"],
      ["other_cancers[0].site", "skin"],
      ["status_updates[0].value", "ok"],
      ["primary_cancer.date", "2020"],
      ["primary_cancer.cancer_timeline[0].date", "2021"],
    ]);
  });
});
