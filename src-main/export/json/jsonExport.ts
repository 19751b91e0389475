/**
 * `export --format json`: one JSON document holding every letter's timeline document exactly as
 * stored (the onco-ext format, so onco-ext tooling reads it), its evidence, and the merged patient
 * timelines. Written incrementally, one letter at a time, so tens of thousands of letters never
 * sit in memory together; the patient timelines come from a second pass over the store, one
 * patient at a time.
 *
 * A reviewer's corrected document replaces the model's. Every value says where it comes from:
 * `origin` is "model" or "corrected" (changed or added by a reviewer), and its evidence grade says
 * whether the letter supports it (`grounded: false` for a likely hallucination).
 */
import { letterOrigin, originOf, type ValueOrigin } from "../origin.ts";
import type { GroundedValue } from "../../../src-shared/evidence.ts";
import type { Db } from "../../store/db.ts";
import type { EvidenceRow } from "../../store/extractions.ts";
import { mergePatientTimeline, type LetterTimeline, type PatientTimeline } from "../../timeline/index.ts";
import { appendAudit } from "../../audit/auditLog.ts";
import { fileSha256, writeFileAtomically } from "../../base/atomicFile.ts";
import { groundedValue, letterFileName } from "../fhir/fromStore.ts";
import type { ExtractedLetter } from "../rows.ts";
import { extractedLetters, resolveExportModel } from "../source.ts";
import { prepareLetter, type PreparedLetter } from "./prune.ts";
import { modelProvenance } from "../../store/models.ts";

export type JsonExportOptions = { out: string; patient?: string; model?: string; excludeUngrounded?: boolean };
export type JsonExportResult = {
  path: string;
  letters: number;
  extracted: number;
  patients: number;
  /** Ungrounded text values left out (excludeUngrounded), over all letters. */
  droppedUngrounded: number;
  model: string | null;
};

export const JSON_EXPORT_FORMAT = "oncotimeline-export";
export const JSON_EXPORT_VERSION = 1;

export type { ValueOrigin };

export type JsonEvidence = {
  path: string;
  value: string;
  origin: ValueOrigin;
  grade: EvidenceRow["grade"];
  grounded: boolean;
  start: number | null;
  end: number | null;
  score: number | null;
};

export type JsonLetter = {
  letterId: number;
  patient: string | null;
  letterDate: string | null;
  /** File name (and :row), never the folder: paths often name people or departments. */
  source: string;
  status: ExtractedLetter["status"];
  error?: string;
  origin?: ValueOrigin;
  document?: ExtractedLetter["document"];
  evidence: JsonEvidence[];
  /** With excludeUngrounded: how many ungrounded text values were left out of `document`. */
  droppedUngrounded?: number;
};

export type JsonExport = {
  format: typeof JSON_EXPORT_FORMAT;
  version: typeof JSON_EXPORT_VERSION;
  model: string | null;
  exportedAt: string;
  excludeUngrounded: boolean;
  letters: JsonLetter[];
  patients: PatientTimeline[];
};


export function jsonLetter(prepared: PreparedLetter, excludeUngrounded: boolean): JsonLetter {
  const { item, document, evidence, dropped } = prepared;
  const out: JsonLetter = {
    letterId: item.letter.id,
    patient: item.letter.patient,
    letterDate: item.letter.letter_date,
    source: letterFileName(item.letter),
    status: item.status,
    evidence: evidence.map((row) => ({
      path: row.path,
      value: row.value,
      origin: originOf(item, row.path),
      grade: row.grade,
      grounded: row.grade !== "ungrounded",
      start: row.start,
      end: row.end,
      score: row.score,
    })),
  };
  if (item.error !== null) out.error = item.error;
  if (document) {
    out.origin = letterOrigin(item);
    out.document = document;
    if (excludeUngrounded) out.droppedUngrounded = dropped;
  }
  return out;
}

/** The merge input of one extracted letter (evidence rows back to GroundedValue). */
export function letterTimeline(prepared: PreparedLetter): LetterTimeline | undefined {
  const { item, document, evidence } = prepared;
  if (item.status !== "extracted" || !document) return undefined;
  const grounded: GroundedValue[] = evidence.map(groundedValue);
  return { letterId: item.letter.id, letterDate: item.letter.letter_date, source: letterFileName(item.letter), document, evidence: grounded, corrected: item.corrected };
}

/**
 * Letters grouped by patient, one patient at a time (the store lists letters by patient), as
 * merge inputs; letters without a patient id, not extracted or failed are left out.
 */
export function* patientLetterGroups(
  items: Iterable<ExtractedLetter>,
  excludeUngrounded: boolean,
): Generator<{ patient: string; letters: LetterTimeline[] }> {
  let patient: string | null = null;
  let letters: LetterTimeline[] = [];
  for (const item of items) {
    if (item.letter.patient === null) continue;
    if (item.letter.patient !== patient) {
      if (patient !== null && letters.length > 0) yield { patient, letters };
      patient = item.letter.patient;
      letters = [];
    }
    const timeline = letterTimeline(prepareLetter(item, excludeUngrounded));
    if (timeline) letters.push(timeline);
  }
  if (patient !== null && letters.length > 0) yield { patient, letters };
}

export function exportJson(db: Db, options: JsonExportOptions): JsonExportResult {
  const model = resolveExportModel(db, options.model);
  const excludeUngrounded = options.excludeUngrounded ?? false;
  const filter = options.patient === undefined ? {} : { patient: options.patient };
  let letters = 0;
  let extracted = 0;
  let patients = 0;
  let droppedUngrounded = 0;
  const target = writeFileAtomically(options.out, (out) => {
    let chunk = "";
    const write = (text: string) => {
      chunk += text;
      if (chunk.length > 1 << 16) {
        out(chunk);
        chunk = "";
      }
    };
    const header = {
      format: JSON_EXPORT_FORMAT,
      version: JSON_EXPORT_VERSION,
      model: model?.name ?? null,
      modelProvenance: modelProvenance(model),
      exportedAt: new Date().toISOString(),
      excludeUngrounded,
    };
    // The header object without its closing brace, then the two arrays written item by item.
    write(`${JSON.stringify(header).slice(0, -1)},\n"letters": [`);
    for (const item of extractedLetters(db, model, filter)) {
      const prepared = prepareLetter(item, excludeUngrounded);
      write(`${letters === 0 ? "\n" : ",\n"}${JSON.stringify(jsonLetter(prepared, excludeUngrounded))}`);
      letters++;
      if (item.status === "extracted") extracted++;
      droppedUngrounded += prepared.dropped;
    }
    write(`${letters === 0 ? "" : "\n"}],\n"patients": [`);
    for (const group of patientLetterGroups(extractedLetters(db, model, filter), excludeUngrounded)) {
      write(`${patients === 0 ? "\n" : ",\n"}${JSON.stringify(mergePatientTimeline(group.patient, group.letters))}`);
      patients++;
    }
    write(`${patients === 0 ? "" : "\n"}]}\n`);
    out(chunk);
  });
  appendAudit(db, { action: "export", subject: `export json ${target}`, details: { format: "json", letters, extracted, patients, model: model?.name ?? null, modelProvenance: modelProvenance(model), patient: options.patient ?? null, sha256: fileSha256(target) } });
  return { path: target, letters, extracted, patients, droppedUngrounded, model: model?.name ?? null };
}
