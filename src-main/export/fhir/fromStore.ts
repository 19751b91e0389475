/**
 * From the store's export stream (source.ts `extractedLetters`) to buildPatientBundle inputs:
 * extracted letters grouped by patient, evidence rows turned back into GroundedValue. Letters
 * not extracted, failed, or with no patient id cannot go into a patient bundle: they are listed
 * in `skipped` with the reason, for the caller to report. A letter's source is its file name (and
 * row), never the folder it was imported from: paths often name people or departments.
 */
import { letterOrigin } from "../origin.ts";
import path from "node:path";
import type { EvidenceSpan, GroundedValue } from "../../../src-shared/evidence.ts";
import type { EvidenceRow } from "../../store/extractions.ts";
import type { ExtractedLetter } from "../rows.ts";
import { sourceLabel, type LetterRow } from "../../store/letters.ts";
import type { FhirLetterInput, FhirPatientInput } from "./bundle.ts";

export type FhirInputs = { patients: FhirPatientInput[]; skipped: { letterId: number; source: string; reason: string }[] };

export function letterFileName(letter: LetterRow): string {
  const name = path.basename(letter.source_path.replace(/\\/g, "/"));
  return sourceLabel(name, letter.source_row);
}

export function groundedValue(row: EvidenceRow): GroundedValue {
  const span: EvidenceSpan | null =
    row.grade !== "ungrounded" && row.start !== null && row.end !== null
      ? { start: row.start, end: row.end, grade: row.grade, score: row.score ?? 1 }
      : null;
  return { path: row.path, value: row.value, grade: span ? row.grade : "ungrounded", span };
}

export function fhirInputsFromExtracted(items: Iterable<ExtractedLetter>): FhirInputs {
  const byPatient = new Map<string, FhirLetterInput[]>();
  const skipped: FhirInputs["skipped"] = [];
  for (const item of items) {
    const { letter } = item;
    const source = letterFileName(letter);
    if (item.status !== "extracted" || !item.document) {
      skipped.push({ letterId: letter.id, source, reason: item.status === "failed" ? `extraction failed: ${item.error ?? "unknown error"}` : "not extracted" });
      continue;
    }
    if (!letter.patient) {
      skipped.push({ letterId: letter.id, source, reason: "no patient id" });
      continue;
    }
    const letters = byPatient.get(letter.patient) ?? [];
    letters.push({
      letterId: letter.id,
      letterDate: letter.letter_date,
      source,
      text: letter.text,
      document: item.document,
      evidence: item.evidence.map(groundedValue),
      status: letterOrigin(item),
    });
    byPatient.set(letter.patient, letters);
  }
  const patients = [...byPatient].sort(([a], [b]) => a.localeCompare(b)).map(([patient, letters]) => ({ patient, letters }));
  return { patients, skipped };
}
