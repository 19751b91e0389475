/** A store with the demo letters and their gold documents as the model's output, plus edge cases (export tests). */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { groundDocument } from "../../src-main/grounding/index.ts";
import { openStore, type Db } from "../../src-main/store/db.ts";
import { saveExtraction } from "../../src-main/store/extractions.ts";
import { insertLetter } from "../../src-main/store/letters.ts";
import { registerModel } from "../../src-main/store/models.ts";
import { validateTimeline, type TimelineDocument } from "../../src-shared/timeline.ts";

export const DEMO = path.resolve("resources/demo");
export const HALLUCINATED = "started pembrolizumab 200 mg every three weeks";

export function gold(name: string): TimelineDocument {
  const result = validateTimeline(JSON.parse(readFileSync(path.join(DEMO, "gold", name), "utf8")));
  if (!result.ok) throw new Error(result.errors.join("; "));
  return result.document;
}

/** The demo letters with their gold documents stored as model output, plus an ungrounded event, a formula-like value, a letter without a patient, a failed and an unextracted letter. */
export function demoStore(dir: string): { db: Db; dir: string } {
  const db = openStore(dir);
  const modelFile = path.join(dir, "placeholder.gguf");
  writeFileSync(modelFile, "GGUF placeholder for export tests");
  const model = registerModel(db, modelFile, { name: "test-model" });
  const save = (letterId: number, text: string, document: TimelineDocument | null, error: string | null = null) =>
    saveExtraction(db, {
      letterId,
      modelId: model.id,
      jobId: null,
      status: document ? "ok" : "failed",
      document,
      rawOutput: null,
      error,
      warnings: [],
      promptVersion: "test",
      inputTokens: null,
      outputTokens: null,
      durationMs: 1,
      evidence: document ? groundDocument(text, document) : [],
    });
  for (const name of readdirSync(path.join(DEMO, "gold")).filter((file) => file.endsWith(".json")).sort()) {
    const letterFile = path.join(DEMO, "letters", name.replace(/\.json$/, ".txt"));
    const text = readFileSync(letterFile, "utf8");
    const [, patient = "", date = ""] = /^(P\d+)_(\d{4}-\d{2}-\d{2})_/.exec(name) ?? [];
    const inserted = insertLetter(db, { text, sourcePath: letterFile, sourceRow: null, sourceFormat: "txt", patientExternalId: patient, letterDate: date });
    let document = gold(name);
    if (name.startsWith("P003_2023-11-30")) {
      // A hallucinated event (ungrounded) and a formula-like value, in the middle of the list.
      const events = [...document.primary_cancer.cancer_timeline];
      events.splice(1, 0, { type: "treatment_systemic_start", value: HALLUCINATED, year: 2023 });
      document = { ...document, primary_cancer: { ...document.primary_cancer, cancer_timeline: events } };
      document = { ...document, patient_facts: [{ type: "comorbidity", value: "=HYPERLINK(\"http://x\")" }, ...document.patient_facts] };
    }
    save(inserted.letterId, text, document);
  }
  const orphan = insertLetter(db, { text: "Letter with no patient. Breast cancer.", sourcePath: "/in/orphan.txt", sourceRow: null, sourceFormat: "txt", patientExternalId: null, letterDate: null });
  save(orphan.letterId, "Letter with no patient. Breast cancer.", { primary_cancer: { site: "Breast", cancer_timeline: [] }, other_cancers: [], patient_facts: [], status_updates: [] });
  const failed = insertLetter(db, { text: "A letter that failed.", sourcePath: "/in/clinic.csv", sourceRow: 7, sourceFormat: "csv", patientExternalId: "P001", letterDate: "2023-01-01" });
  save(failed.letterId, "A letter that failed.", null, "timeout after 600 s");
  insertLetter(db, { text: "Not extracted yet.", sourcePath: "/in/new.txt", sourceRow: null, sourceFormat: "txt", patientExternalId: "P002", letterDate: "2025-01-01" });
  return { db, dir };
}

