/**
 * A reviewer's corrections: saved at once with the model's output kept beside them, undone by
 * their inverse, audited, and used by every export format in place of the model's value.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { ApiFailure, type ReviewEdit, type ReviewView } from "../../src-shared/api.ts";
import { inverseEdit } from "../../src-shared/documentPath.ts";
import { verifyAudit, listAudit } from "../../src-main/audit/auditLog.ts";
import { runExport } from "../../src-main/export/runExport.ts";
import type { Db } from "../../src-main/store/db.ts";
import { applyReviewEdit, reviewView } from "../../src-main/timeline/review.ts";
import { demoStore } from "../helpers/exportStore.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const LETTER = "P001_2021-03-15_initial-assessment";
// Written in the letter, so the corrected value is grounded, not merely typed in.
const CORRECTED_STAGE = "grade 3, cT2 N1 M0";

function setup(): { db: Db; letterId: number; view: ReviewView; out: string } {
  const { db } = demoStore(tempDir());
  const letterId = (db.prepare("SELECT id FROM letters WHERE source_path LIKE ?").get(`%${LETTER}.txt`) as { id: number }).id;
  return { db, letterId, view: reviewView(db, letterId), out: tempDir() };
}

function edit(db: Db, view: ReviewView, change: ReviewEdit): ReviewView {
  return applyReviewEdit(db, view.extractionId as number, change, "reviewer-1");
}

function csvRows(file: string): Record<string, string>[] {
  return parse(readFileSync(file, "utf8"), { columns: true }) as Record<string, string>[];
}

describe("review corrections", () => {
  it("a corrected value replaces the model's in csv, csv-wide, json, redcap and fhir, marked corrected", () => {
    const { db, letterId, view, out } = setup();
    expect(view.document?.primary_cancer.tnm_stage).toBe("cT2 N1 M0");
    const after = edit(db, view, { op: "set", path: "primary_cancer.tnm_stage", value: CORRECTED_STAGE });
    expect(after.document?.primary_cancer.tnm_stage).toBe(CORRECTED_STAGE);
    expect(after.modelDocument?.primary_cancer.tnm_stage).toBe("cT2 N1 M0");
    expect(after.corrected).toBe(true);
    expect(after.evidence.find((item) => item.path === "primary_cancer.tnm_stage")).toMatchObject({ value: CORRECTED_STAGE, grade: "exact" });
    // The model's output is kept as it was.
    const stored = db.prepare("SELECT document FROM extractions WHERE id = ?").get(view.extractionId) as { document: string };
    expect(JSON.parse(stored.document).primary_cancer.tnm_stage).toBe("cT2 N1 M0");

    const long = csvRows((runExport(db, { format: "csv", out: path.join(out, "long.csv") }).result as { path: string }).path);
    const stage = long.filter((row) => row.letter_id === String(letterId) && row.type === "tnm_stage");
    expect(stage).toEqual([expect.objectContaining({ value: CORRECTED_STAGE, origin: "corrected", grade: "exact" })]);
    const site = long.find((row) => row.letter_id === String(letterId) && row.type === "site");
    expect(site?.origin).toBe("model");

    const wide = csvRows((runExport(db, { format: "csv-wide", out: path.join(out, "wide.csv") }).result as { path: string }).path);
    expect(wide.find((row) => row.letter_id === String(letterId))).toMatchObject({ tnm_stage: CORRECTED_STAGE, origin: "corrected" });

    const json = JSON.parse(readFileSync((runExport(db, { format: "json", out: path.join(out, "all.json") }).result as { path: string }).path, "utf8")) as {
      letters: { letterId: number; origin: string; document: { primary_cancer: { tnm_stage: string } }; evidence: { path: string; origin: string }[] }[];
    };
    const letter = json.letters.find((item) => item.letterId === letterId);
    expect(letter?.document.primary_cancer.tnm_stage).toBe(CORRECTED_STAGE);
    expect(letter?.origin).toBe("corrected");
    expect(letter?.evidence.find((item) => item.path === "primary_cancer.tnm_stage")?.origin).toBe("corrected");

    runExport(db, { format: "redcap", out: path.join(out, "redcap") });
    const redcap = csvRows(path.join(out, "redcap", "import.csv"));
    const letterRow = redcap.find((row) => row.redcap_repeat_instrument === "letter" && row.let_id === String(letterId));
    expect(Object.values(letterRow ?? {})).toContain(CORRECTED_STAGE);
    expect(letterRow?.let_origin).toBe("2"); // choices: 1 model, 2 corrected

    runExport(db, { format: "fhir", out: path.join(out, "fhir") });
    const bundles = readdirSync(path.join(out, "fhir")).filter((file) => file.startsWith("P001")).map((file) => readFileSync(path.join(out, "fhir", file), "utf8"));
    expect(bundles.join("")).toContain(CORRECTED_STAGE);
    expect(bundles.join("")).toMatch(/"valueCode": ?"corrected"/);
  });

  it("undo is the inverse edit: remove then insert restores the model's document; accepts move with their items", () => {
    const { db, view } = setup();
    const events = view.document?.primary_cancer.cancer_timeline ?? [];
    expect(events.length).toBeGreaterThan(3);
    let current = edit(db, view, { op: "accept", path: "primary_cancer.cancer_timeline[3].value" });
    expect(current.accepted).toEqual(["primary_cancer.cancer_timeline[3].value"]);

    const remove: ReviewEdit = { op: "remove", path: "primary_cancer.cancer_timeline[1]" };
    const undo = inverseEdit(current.document, remove);
    current = edit(db, current, remove);
    expect(current.document?.primary_cancer.cancer_timeline).toHaveLength(events.length - 1);
    expect(current.accepted).toEqual(["primary_cancer.cancer_timeline[2].value"]);

    current = edit(db, current, undo);
    expect(current.document).toEqual(view.modelDocument);
    expect(current.corrected).toBe(false);
    expect(current.accepted).toEqual(["primary_cancer.cancer_timeline[3].value"]);
    expect(current.history.map((entry) => entry.op)).toEqual(["accept", "remove", "insert"]);
    expect(current.history[1]?.summary).toContain("removed primary_cancer.cancer_timeline[1]");

    // Every edit is in the audit trail (who, what, where), and the chain verifies.
    expect(listAudit(db, { action: "correction" })).toHaveLength(3);
    expect(verifyAudit(db).ok).toBe(true);
  });

  it("an edit that would make the timeline invalid is refused, and nothing is stored", () => {
    const { db, view } = setup();
    const bad: ReviewEdit[] = [
      { op: "set", path: "primary_cancer.year", value: "last spring" },
      { op: "set", path: "primary_cancer.cancer_timeline[0]", value: { type: "not_a_type", value: "x" } },
      { op: "set", path: "primary_cancer.cancer_timeline[99].value", value: "x" },
      { op: "insert", path: "primary_cancer.site", value: "x" },
      { op: "accept", path: "patient_facts[98].value" },
    ];
    for (const change of bad) expect(() => edit(db, view, change), JSON.stringify(change)).toThrow(ApiFailure);
    const after = reviewView(db, view.letter.id);
    expect(after.history).toEqual([]);
    expect(after.corrected).toBe(false);
    expect(listAudit(db, { action: "correction" })).toHaveLength(0);
  });
});
