import { modelProvenance } from "../../store/models.ts";
/**
 * `export --format redcap --out FOLDER`: `data-dictionary.csv` (upload it in REDCap's Data
 * Dictionary page, then enable repeating instruments for every instrument but `patient`) and
 * `import.csv` (Data Import Tool, CSV, records in rows, dates YYYY-MM-DD). See dictionary.ts for
 * the design. Written one patient at a time; both files appear only when complete.
 *
 * A letter with no patient id cannot be a REDCap record: it is left out and listed in `skipped`.
 * A failed or not-yet-extracted letter of a patient is a `letter` instance with its status.
 */
import { letterOrigin, originOf, type ValueOrigin } from "../origin.ts";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Db } from "../../store/db.ts";
import type { EvidenceRow } from "../../store/extractions.ts";
import { mergePatientTimeline, type LetterTimeline, type PatientTimeline, type ScalarField } from "../../timeline/index.ts";
import { appendAudit } from "../../audit/auditLog.ts";
import { fileSha256, writeFileAtomically } from "../../base/atomicFile.ts";
import { csvLine } from "../cells.ts";
import { letterFileName } from "../fhir/fromStore.ts";
import { prepareLetter, type PreparedLetter as Letter } from "../json/prune.ts";
import { letterTimeline } from "../json/jsonExport.ts";
import { extractedLetters, resolveExportModel } from "../source.ts";
import { EVIDENCE_GRADES } from "../../../src-shared/evidence.ts";
import { CANCER_EVENT_TYPES, PATIENT_FACT_TYPES, STATUS_UPDATE_TYPES } from "../../../src-shared/timeline.ts";
import {
  CANCER_TEXT_FIELDS,
  choiceCode,
  DICTIONARY_COLUMNS,
  dictionaryRow,
  FIELDS,
  IMPORT_COLUMNS,
  LETTER_STATUSES,
  ORIGINS,
  PRECISIONS,
  type Instrument,
} from "./dictionary.ts";

export type RedcapExportOptions = { out: string; patient?: string; model?: string; excludeUngrounded?: boolean };
export type RedcapExportResult = {
  folder: string;
  dictionary: string;
  import: string;
  /** REDCap records written: one per patient. */
  records: number;
  /** Rows of import.csv (not counting the header). */
  rows: number;
  letters: number;
  skipped: { letterId: number; source: string; reason: string }[];
  droppedUngrounded: number;
  model: string | null;
};

export const DICTIONARY_FILE = "data-dictionary.csv";
export const IMPORT_FILE = "import.csv";

const KNOWN_COLUMNS = new Set(IMPORT_COLUMNS);

type Cell = string | number | null;
type Row = Record<string, Cell>;

/** A partial date as REDCap date_ymd plus its precision code (missing parts written as 01). */
export function redcapDate(year: number | undefined, month: number | undefined): { date: string | null; precision: number | null } {
  if (year === undefined) return { date: null, precision: null };
  const yyyy = String(year).padStart(4, "0");
  if (month === undefined) return { date: `${yyyy}-01-01`, precision: choiceCode(PRECISIONS, "year") };
  return { date: `${yyyy}-${String(month).padStart(2, "0")}-01`, precision: choiceCode(PRECISIONS, "month") };
}

const gradeCode = (row: EvidenceRow | undefined): number | null => (row ? choiceCode(EVIDENCE_GRADES, row.grade) : null);


/** The import rows of one patient (one REDCap record), repeat instances numbered 1..n per instrument. */
export function patientRows(patient: string, letters: Letter[], model: string | null): Row[] {
  const rows: Row[] = [];
  const instances = new Map<Instrument, number>();
  const repeat = (instrument: Instrument, fields: Row) => {
    const instance = (instances.get(instrument) ?? 0) + 1;
    instances.set(instrument, instance);
    rows.push({ record_id: patient, redcap_repeat_instrument: instrument, redcap_repeat_instance: instance, ...fields });
  };
  const timelines = letters.map((letter) => letterTimeline(letter)).filter((timeline): timeline is LetterTimeline => timeline !== undefined);
  rows.push({ record_id: patient, redcap_repeat_instrument: null, redcap_repeat_instance: null, ...patientFields(letters.length, model, timelines.length > 0 ? mergePatientTimeline(patient, timelines) : null) });
  for (const { item, document, evidence, dropped } of letters) {
    const letterId = item.letter.id;
    const byPath = new Map(evidence.map((row) => [row.path, row]));
    const letter: Row = {
      let_id: letterId,
      let_date: item.letter.letter_date,
      let_source: letterFileName(item.letter),
      let_status: choiceCode(LETTER_STATUSES, item.status),
      let_error: item.error,
    };
    if (document) {
      const primary = document.primary_cancer as Record<string, unknown>;
      letter.let_origin = choiceCode(ORIGINS, letterOrigin(item));
      for (const { key, stem } of CANCER_TEXT_FIELDS) {
        const value = primary[key];
        if (typeof value !== "string") continue;
        letter[`let_${stem}`] = value;
        letter[`let_${stem}_grade`] = gradeCode(byPath.get(`primary_cancer.${key}`));
      }
      Object.assign(letter, dateCells("let_dx", document.primary_cancer, byPath.get("primary_cancer.date")));
      letter.let_values = evidence.length;
      letter.let_ungrounded = evidence.filter((row) => row.grade === "ungrounded").length;
      if (dropped > 0) letter.let_dropped = dropped;
    }
    repeat("letter", letter);
    if (!document) continue;
    document.primary_cancer.cancer_timeline.forEach((event, i) => {
      const path = `primary_cancer.cancer_timeline[${i}]`;
      repeat("cancer_event", {
        ev_letter_id: letterId,
        ev_type: choiceCode(CANCER_EVENT_TYPES, event.type),
        ...valueCells("ev", event.value, byPath.get(`${path}.value`), originOf(item, `${path}.value`)),
        ...dateCells("ev", event, byPath.get(`${path}.date`)),
      });
    });
    document.other_cancers.forEach((cancer, i) => {
      const path = `other_cancers[${i}]`;
      const fields: Row = { oc_letter_id: letterId };
      const record = cancer as Record<string, unknown>;
      for (const { key, stem } of [...CANCER_TEXT_FIELDS, { key: "latest_situation", stem: "latest_situation" }]) {
        const value = record[key];
        if (typeof value !== "string") continue;
        fields[`oc_${stem}`] = value;
        fields[`oc_${stem}_grade`] = gradeCode(byPath.get(`${path}.${key}`));
      }
      Object.assign(fields, dateCells("oc_dx", cancer, byPath.get(`${path}.date`)));
      repeat("other_cancer", fields);
    });
    document.patient_facts.forEach((fact, i) =>
      repeat("patient_fact", {
        pf_letter_id: letterId,
        pf_type: choiceCode(PATIENT_FACT_TYPES, fact.type),
        ...valueCells("pf", fact.value, byPath.get(`patient_facts[${i}].value`), originOf(item, `patient_facts[${i}].value`)),
      }),
    );
    document.status_updates.forEach((update, i) =>
      repeat("status_update", {
        su_letter_id: letterId,
        su_type: choiceCode(STATUS_UPDATE_TYPES, update.type),
        ...valueCells("su", update.value, byPath.get(`status_updates[${i}].value`), originOf(item, `status_updates[${i}].value`)),
      }),
    );
  }
  return rows;
}

function valueCells(prefix: string, value: string, evidence: EvidenceRow | undefined, origin: ValueOrigin): Row {
  return {
    [`${prefix}_value`]: value,
    [`${prefix}_origin`]: choiceCode(ORIGINS, origin),
    // A text value with no evidence row was never grounded: it has no support in the letter.
    [`${prefix}_grade`]: evidence ? gradeCode(evidence) : choiceCode(EVIDENCE_GRADES, "ungrounded"),
    [`${prefix}_ev_start`]: evidence?.start ?? null,
    [`${prefix}_ev_end`]: evidence?.end ?? null,
    [`${prefix}_score`]: evidence?.score ?? null,
  };
}

function dateCells(prefix: string, item: { year?: number | undefined; month?: number | undefined }, evidence: EvidenceRow | undefined): Row {
  const { date, precision } = redcapDate(item.year, item.month);
  const cells: Row = { [`${prefix}_date`]: date, [`${prefix}_date_prec`]: precision };
  if (date !== null && FIELDS.some((field) => field.name === `${prefix}_date_grade`)) cells[`${prefix}_date_grade`] = gradeCode(evidence);
  return cells;
}

function patientFields(letters: number, model: string | null, merged: PatientTimeline | null): Row {
  const row: Row = { pat_letters: letters, pat_model: model };
  if (!merged) return row;
  const cancer = merged.primaryCancer as Record<string, ScalarField | undefined>;
  for (const { key, stem } of CANCER_TEXT_FIELDS) {
    const field = cancer[key];
    if (!field) continue;
    row[`pat_${stem}`] = field.value;
    row[`pat_${stem}_conflict`] = field.conflicted ? 1 : 0;
  }
  const diagnosis = merged.primaryCancer.diagnosis;
  if (diagnosis) {
    const { date, precision } = redcapDate(diagnosis.year, diagnosis.month);
    row.pat_dx_date = date;
    row.pat_dx_date_prec = precision;
    row.pat_dx_conflict = diagnosis.conflicted ? 1 : 0;
  }
  row.pat_events = merged.events.length;
  row.pat_conflicts = merged.conflicts.length;
  return row;
}

export function exportRedcap(db: Db, options: RedcapExportOptions): RedcapExportResult {
  const model = resolveExportModel(db, options.model);
  const excludeUngrounded = options.excludeUngrounded ?? false;
  const folder = path.resolve(options.out);
  mkdirSync(folder, { recursive: true });
  const dictionary = writeFileAtomically(path.join(folder, DICTIONARY_FILE), (write) => {
    write(csvLine(DICTIONARY_COLUMNS) + FIELDS.map((field) => csvLine(dictionaryRow(field))).join(""));
  });
  const skipped: RedcapExportResult["skipped"] = [];
  let records = 0;
  let rows = 0;
  let letters = 0;
  let droppedUngrounded = 0;
  const modelName = model?.name ?? null;
  const importPath = writeFileAtomically(path.join(folder, IMPORT_FILE), (write) => {
    let chunk = csvLine(IMPORT_COLUMNS);
    let patient: string | null = null;
    let group: Letter[] = [];
    const flush = () => {
      if (patient === null || group.length === 0) return;
      for (const row of patientRows(patient, group, modelName)) {
        for (const key of Object.keys(row)) if (!KNOWN_COLUMNS.has(key)) throw new Error(`REDCap export: column ${key} is not in the data dictionary`);
        chunk += csvLine(IMPORT_COLUMNS.map((column) => row[column] ?? null));
        rows++;
      }
      records++;
      if (chunk.length > 1 << 16) {
        write(chunk);
        chunk = "";
      }
    };
    for (const item of extractedLetters(db, model, options.patient === undefined ? {} : { patient: options.patient })) {
      if (item.letter.patient === null) {
        skipped.push({ letterId: item.letter.id, source: letterFileName(item.letter), reason: "no patient id" });
        continue;
      }
      if (item.letter.patient !== patient) {
        flush();
        patient = item.letter.patient;
        group = [];
      }
      const letter = prepareLetter(item, excludeUngrounded);
      droppedUngrounded += letter.dropped;
      letters++;
      group.push(letter);
    }
    flush();
    write(chunk);
  });
  appendAudit(db, {
    action: "export",
    subject: `export redcap ${folder}`,
    details: { format: "redcap", records, rows, letters, skipped: skipped.length, model: modelName, modelProvenance: modelProvenance(model), patient: options.patient ?? null, sha256: fileSha256(importPath) },
  });
  return { folder, dictionary, import: importPath, records, rows, letters, skipped, droppedUngrounded, model: modelName };
}

