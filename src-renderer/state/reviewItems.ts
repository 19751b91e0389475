/**
 * The reviewable values of a timeline document, in the order a reviewer walks them: values the
 * letter does not support first (likely hallucinations), then the document's own order.
 */
import type { EvidenceItem } from "../../src-shared/api.ts";
import type { EvidenceGrade } from "../../src-shared/evidence.ts";
import type { TimelineDocument } from "../../src-shared/timeline.ts";

export type ItemKind = "field" | "event" | "fact" | "update";

export type ReviewItem = {
  /** What accept and reject act on: a field, or a whole list item. */
  path: string;
  kind: ItemKind;
  section: string;
  label: string;
  /** The text the evidence grades (a field's value, a list item's `value`). */
  valuePath: string;
  grade: EvidenceGrade | null;
};

export const CANCER_FIELDS = [
  ["site", "Site"],
  ["year", "Diagnosis year"],
  ["month", "Diagnosis month"],
  ["tnm_stage", "TNM stage"],
  ["other_stage", "Other stage"],
  ["metastases", "Metastases"],
  ["histopathology_status", "Histopathology"],
  ["biomarker_status", "Biomarkers"],
] as const;

function gradeOf(evidence: Map<string, EvidenceItem>, path: string): EvidenceGrade | null {
  return evidence.get(path)?.grade ?? null;
}

function cancerItems(prefix: string, section: string, cancer: Record<string, unknown>, evidence: Map<string, EvidenceItem>, extra: boolean): ReviewItem[] {
  const fields: (readonly [string, string])[] = [...CANCER_FIELDS, ...(extra ? [["latest_situation", "Latest situation"] as const] : [])];
  const items: ReviewItem[] = [];
  for (const [key, label] of fields) {
    if (cancer[key] === undefined) continue;
    const path = `${prefix}.${key}`;
    // A date's grounding is recorded once, for year and month together.
    const graded = key === "year" || key === "month" ? `${prefix}.date` : path;
    items.push({ path, kind: "field", section, label, valuePath: path, grade: gradeOf(evidence, graded) });
  }
  return items;
}

export function reviewItems(document: TimelineDocument | null, evidenceList: readonly EvidenceItem[]): ReviewItem[] {
  if (!document) return [];
  const evidence = new Map(evidenceList.map((item) => [item.path, item]));
  const items: ReviewItem[] = cancerItems("primary_cancer", "Primary cancer", document.primary_cancer, evidence, false);
  document.primary_cancer.cancer_timeline.forEach((event, i) => {
    const path = `primary_cancer.cancer_timeline[${i}]`;
    items.push({ path, kind: "event", section: "Cancer timeline", label: `Event ${i + 1}: ${event.type.replaceAll("_", " ")}`, valuePath: `${path}.value`, grade: gradeOf(evidence, `${path}.value`) });
  });
  document.other_cancers.forEach((cancer, i) => {
    items.push(...cancerItems(`other_cancers[${i}]`, `Other cancer ${i + 1}`, cancer, evidence, true));
  });
  document.patient_facts.forEach((fact, i) => {
    const path = `patient_facts[${i}]`;
    items.push({ path, kind: "fact", section: "Patient facts", label: fact.type.replaceAll("_", " "), valuePath: `${path}.value`, grade: gradeOf(evidence, `${path}.value`) });
  });
  document.status_updates.forEach((update, i) => {
    const path = `status_updates[${i}]`;
    items.push({ path, kind: "update", section: "Status updates", label: update.type.replaceAll("_", " "), valuePath: `${path}.value`, grade: gradeOf(evidence, `${path}.value`) });
  });
  const ungrounded = items.filter((item) => item.grade === "ungrounded");
  return [...ungrounded.map((item) => ({ ...item, section: "Not found in the letter" })), ...items.filter((item) => item.grade !== "ungrounded")];
}
