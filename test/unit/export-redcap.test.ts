import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { letterFileName } from "../../src-main/export/fhir/fromStore.ts";
import { DICTIONARY_COLUMNS, IMPORT_COLUMNS, REPEATING_INSTRUMENTS } from "../../src-main/export/redcap/dictionary.ts";
import { exportRedcap, redcapDate } from "../../src-main/export/redcap/redcapExport.ts";
import { type Db } from "../../src-main/store/db.ts";
import { evidenceFor, getExtraction } from "../../src-main/store/extractions.ts";
import { listLetters } from "../../src-main/store/letters.ts";
import { EVIDENCE_GRADES } from "../../src-shared/evidence.ts";
import { CANCER_EVENT_TYPES, PATIENT_FACT_TYPES, STATUS_UPDATE_TYPES, type TimelineDocument } from "../../src-shared/timeline.ts";
import { demoStore, HALLUCINATED } from "../helpers/exportStore.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();

type Row = Record<string, string>;

function readCsv(file: string): { header: string[]; rows: Row[] } {
  const text = readFileSync(file, "utf8");
  const records = parse(text, { relax_column_count: false }) as string[][];
  const [header = [], ...body] = records;
  return { header, rows: body.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ""]))) };
}

function exportTo(db: Db, dir: string, excludeUngrounded = false) {
  const out = path.join(dir, excludeUngrounded ? "redcap-grounded" : "redcap");
  const result = exportRedcap(db, { out, excludeUngrounded });
  return { result, dictionary: readCsv(path.join(out, "data-dictionary.csv")), data: readCsv(path.join(out, "import.csv")) };
}

/** Dropdown label of a code, from the dictionary's choices text. */
function choiceMap(choices: string): Map<string, string> {
  return new Map(choices.split(" | ").map((pair) => {
    const [code = "", ...label] = pair.split(", ");
    return [code, label.join(", ")];
  }));
}

const label = (list: readonly string[], code: string | undefined) => list[Number(code) - 1];

describe("REDCap data dictionary", () => {
  it("has the 18 standard columns in order and valid field definitions", () => {
    const { db, dir } = demoStore(tempDir());
    const { dictionary } = exportTo(db, dir);
    expect(dictionary.header).toEqual([...DICTIONARY_COLUMNS]);
    expect(dictionary.header).toHaveLength(18);
    const names = dictionary.rows.map((row) => row["Variable / Field Name"] ?? "");
    expect(names[0]).toBe("record_id");
    expect(new Set(names).size).toBe(names.length);
    for (const row of dictionary.rows) {
      const name = row["Variable / Field Name"] ?? "";
      expect(name, name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(name.length, name).toBeLessThanOrEqual(26);
      expect(row["Form Name"], name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(["text", "notes", "dropdown", "yesno"], name).toContain(row["Field Type"]);
      expect(row["Field Label"], name).not.toBe("");
      const choices = row["Choices, Calculations, OR Slider Labels"] ?? "";
      if (row["Field Type"] === "dropdown") {
        expect(choices, name).toMatch(/^\d+, [^|,]+( \| \d+, [^|,]+)*$/);
        expect([...choiceMap(choices).keys()], name).toEqual([...choiceMap(choices).keys()].map((_, i) => String(i + 1)));
      } else expect(choices, name).toBe("");
      expect(["", "date_ymd", "integer", "number"], name).toContain(row["Text Validation Type OR Show Slider Number"]);
      if (row["Text Validation Type OR Show Slider Number"] !== "") expect(row["Field Type"], name).toBe("text");
      expect(["", "y"]).toContain(row["Identifier?"]);
    }
    // Every instrument's fields are contiguous (REDCap requires it), patient (with record_id) first.
    const forms = dictionary.rows.map((row) => row["Form Name"]);
    expect(forms.filter((form, i) => form !== forms[i - 1])).toEqual(["patient", "letter", "cancer_event", "other_cancer", "patient_fact", "status_update"]);
    const byName = new Map(dictionary.rows.map((row) => [row["Variable / Field Name"], row]));
    expect(choiceMap(byName.get("ev_type")?.["Choices, Calculations, OR Slider Labels"] ?? "")).toEqual(new Map(CANCER_EVENT_TYPES.map((t, i) => [String(i + 1), t])));
    expect(byName.get("ev_type")?.["Choices, Calculations, OR Slider Labels"]).toMatch(/^1, treatment_systemic_start \| 2, treatment_systemic_change \| /);
    expect(byName.get("ev_date")?.["Text Validation Type OR Show Slider Number"]).toBe("date_ymd");
    expect(byName.get("ev_date")?.["Field Note"]).toMatch(/01/);
    expect(byName.get("ev_date_prec")?.["Choices, Calculations, OR Slider Labels"]).toBe("1, year | 2, month | 3, day");
    db.close();
  });

  it("defines every import column, and the import has exactly the dictionary's fields", () => {
    const { db, dir } = demoStore(tempDir());
    const { dictionary, data } = exportTo(db, dir);
    const defined = new Set(dictionary.rows.map((row) => row["Variable / Field Name"]));
    expect(data.header.slice(0, 3)).toEqual(["record_id", "redcap_repeat_instrument", "redcap_repeat_instance"]);
    expect(data.header).toEqual([...IMPORT_COLUMNS]);
    for (const column of data.header.slice(3)) expect(defined.has(column), column).toBe(true);
    expect(new Set(data.header.filter((c) => !c.startsWith("redcap_repeat_")))).toEqual(defined);
    db.close();
  });
});

describe("REDCap import", () => {
  it("reads back equal to the store: a record per patient, a letter instance per letter, items per letter", () => {
    const { db, dir } = demoStore(tempDir());
    const { result, data, dictionary } = exportTo(db, dir);
    const modelId = (db.prepare("SELECT id FROM models").get() as { id: number }).id;
    const letters = listLetters(db).filter((letter) => letter.patient !== null);
    expect(result.skipped).toEqual([{ letterId: expect.any(Number) as number, source: "orphan.txt", reason: "no patient id" }]);
    expect(result).toMatchObject({ records: 10, letters: letters.length, rows: data.rows.length, droppedUngrounded: 0 });
    const patientRows = data.rows.filter((row) => row.redcap_repeat_instrument === "");
    expect(patientRows.map((row) => row.record_id)).toEqual(["P001", "P002", "P003", "P004", "P005", "P006", "P007", "P008", "P009", "P010"]);
    for (const row of patientRows) expect(row.redcap_repeat_instance).toBe("");
    expect(patientRows[0]).toMatchObject({ pat_letters: "4", pat_site: "Left breast", pat_model: "test-model" });

    // A row fills only its own instrument's fields.
    const formOf = new Map(dictionary.rows.map((row) => [row["Variable / Field Name"], row["Form Name"]]));
    for (const row of data.rows) {
      const form = row.redcap_repeat_instrument === "" ? "patient" : row.redcap_repeat_instrument;
      for (const [column, value] of Object.entries(row)) {
        if (value !== "" && !column.startsWith("redcap_repeat_")) expect(formOf.get(column), `${column} in ${form}`).toBe(column === "record_id" ? "patient" : form);
      }
    }

    // Repeat instances numbered 1..n per record and instrument.
    const instances = new Map<string, number[]>();
    for (const row of data.rows) {
      if (row.redcap_repeat_instrument === "") continue;
      expect(REPEATING_INSTRUMENTS).toContain(row.redcap_repeat_instrument);
      const key = `${row.record_id}/${row.redcap_repeat_instrument}`;
      instances.set(key, [...(instances.get(key) ?? []), Number(row.redcap_repeat_instance)]);
    }
    for (const [key, numbers] of instances) expect(numbers, key).toEqual(numbers.map((_, i) => i + 1));

    // Every dropdown and yesno cell holds a defined code; dates are YYYY-MM-DD.
    for (const field of dictionary.rows) {
      const name = field["Variable / Field Name"] ?? "";
      const codes =
        field["Field Type"] === "dropdown" ? new Set(choiceMap(field["Choices, Calculations, OR Slider Labels"] ?? "").keys()) : field["Field Type"] === "yesno" ? new Set(["0", "1"]) : null;
      for (const row of data.rows) {
        const value = row[name] ?? "";
        if (value === "") continue;
        if (codes) expect(codes.has(value), `${name}=${value}`).toBe(true);
        if (field["Text Validation Type OR Show Slider Number"] === "date_ymd") expect(value, name).toMatch(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/);
        if (field["Text Validation Type OR Show Slider Number"] === "integer") expect(value, name).toMatch(/^-?\d+$/);
      }
    }

    // Letters and their items, compared with the store.
    const letterRows = data.rows.filter((row) => row.redcap_repeat_instrument === "letter");
    expect(letterRows.map((row) => Number(row.let_id))).toEqual(letters.map((letter) => letter.id));
    for (const letter of letters) {
      const row = letterRows.find((r) => Number(r.let_id) === letter.id);
      expect(row?.record_id).toBe(letter.patient);
      expect(row?.let_date).toBe(letter.letter_date ?? "");
      expect(row?.let_source).toBe(letterFileName(letter));
      const stored = getExtraction(db, letter.id, modelId);
      const status = !stored ? "not_extracted" : stored.status === "failed" ? "failed" : "extracted";
      expect(label(["extracted", "failed", "not_extracted"], row?.let_status)).toBe(status);
      if (!stored || stored.status === "failed") {
        expect(row?.let_error).toBe(stored ? "timeout after 600 s" : "");
        expect(data.rows.filter((r) => r.ev_letter_id === String(letter.id))).toEqual([]);
        continue;
      }
      const document = JSON.parse(stored.document ?? "null") as TimelineDocument;
      const evidence = new Map(evidenceFor(db, stored.id).map((e) => [e.path, e]));
      expect(row?.let_site).toBe(document.primary_cancer.site ?? "");
      expect(row?.let_tnm_stage).toBe(document.primary_cancer.tnm_stage ?? "");
      expect(row?.let_histopath).toBe(document.primary_cancer.histopathology_status ?? "");
      expect(row?.let_origin).toBe("1");
      const dx = redcapDate(document.primary_cancer.year, document.primary_cancer.month);
      expect(row?.let_dx_date).toBe(dx.date ?? "");
      expect(row?.let_dx_date_prec).toBe(dx.precision === null ? "" : String(dx.precision));
      const events = data.rows.filter((r) => r.redcap_repeat_instrument === "cancer_event" && r.ev_letter_id === String(letter.id));
      expect(events.map((r) => [label(CANCER_EVENT_TYPES, r.ev_type), (r.ev_value ?? "").replace(/^'(?=[=+\-@\t\r])/, "")])).toEqual(
        document.primary_cancer.cancer_timeline.map((e) => [e.type, e.value]),
      );
      document.primary_cancer.cancer_timeline.forEach((event, i) => {
        const r = events[i];
        const e = evidence.get(`primary_cancer.cancer_timeline[${i}].value`);
        expect(label(EVIDENCE_GRADES, r?.ev_grade)).toBe(e?.grade);
        expect(r?.ev_ev_start).toBe(e?.start === null || e?.start === undefined ? "" : String(e.start));
        expect(r?.ev_ev_end).toBe(e?.end === null || e?.end === undefined ? "" : String(e.end));
        expect(r?.ev_date).toBe(redcapDate(event.year, event.month).date ?? "");
        expect(r?.ev_date_prec).toBe(event.year === undefined ? "" : event.month === undefined ? "1" : "2");
        expect(r?.ev_origin).toBe("1");
      });
      const facts = data.rows.filter((r) => r.redcap_repeat_instrument === "patient_fact" && r.pf_letter_id === String(letter.id));
      expect(facts.map((r) => [label(PATIENT_FACT_TYPES, r.pf_type), (r.pf_value ?? "").replace(/^'(?=[=+\-@\t\r])/, "")])).toEqual(document.patient_facts.map((f) => [f.type, f.value]));
      const updates = data.rows.filter((r) => r.redcap_repeat_instrument === "status_update" && r.su_letter_id === String(letter.id));
      expect(updates.map((r) => [label(STATUS_UPDATE_TYPES, r.su_type), r.su_value])).toEqual(document.status_updates.map((u) => [u.type, u.value]));
      const others = data.rows.filter((r) => r.redcap_repeat_instrument === "other_cancer" && r.oc_letter_id === String(letter.id));
      expect(others.map((r) => [r.oc_site, r.oc_latest_situation, r.oc_dx_date])).toEqual(
        document.other_cancers.map((c) => [c.site ?? "", c.latest_situation ?? "", redcapDate(c.year, c.month).date ?? ""]),
      );
    }
    expect(data.rows.some((r) => r.redcap_repeat_instrument === "other_cancer")).toBe(true);
    db.close();
  });

  it("neutralises formula-like cells", () => {
    const { db, dir } = demoStore(tempDir());
    const { data } = exportTo(db, dir);
    const facts = data.rows.map((row) => row.pf_value ?? "");
    expect(facts).toContain("'=HYPERLINK(\"http://x\")");
    for (const row of data.rows) for (const [column, value] of Object.entries(row)) expect(value, column).not.toMatch(/^[=+\-@\t\r]/);
    db.close();
  });

  it("excludeUngrounded leaves out ungrounded values and says how many", () => {
    const { db, dir } = demoStore(tempDir());
    const all = exportTo(db, dir);
    const grounded = exportTo(db, dir, true);
    const hallucinated = all.data.rows.find((row) => row.ev_value === HALLUCINATED);
    expect(hallucinated && label(EVIDENCE_GRADES, hallucinated.ev_grade)).toBe("ungrounded");
    expect(grounded.data.rows.some((row) => row.ev_value === HALLUCINATED)).toBe(false);
    expect(grounded.result.droppedUngrounded).toBeGreaterThanOrEqual(1);
    const dropped = grounded.data.rows.reduce((sum, row) => sum + Number(row.let_dropped || 0), 0);
    expect(dropped).toBe(grounded.result.droppedUngrounded);
    const ungroundedCode = String(EVIDENCE_GRADES.indexOf("ungrounded") + 1);
    for (const row of grounded.data.rows) {
      for (const [column, value] of Object.entries(row)) {
        if (column.endsWith("_grade") && !column.endsWith("_date_grade")) expect(value, column).not.toBe(ungroundedCode);
      }
    }
    // Instances stay numbered 1..n after dropping.
    const events = grounded.data.rows.filter((row) => row.record_id === "P003" && row.redcap_repeat_instrument === "cancer_event");
    expect(events.map((row) => row.redcap_repeat_instance)).toEqual(events.map((_, i) => String(i + 1)));
    expect(events.length).toBe(all.data.rows.filter((row) => row.record_id === "P003" && row.redcap_repeat_instrument === "cancer_event").length - 1);
    db.close();
  });
});

describe("redcapDate", () => {
  it("writes partial dates with 01 for the missing parts and a precision code", () => {
    expect(redcapDate(2019, undefined)).toEqual({ date: "2019-01-01", precision: 1 });
    expect(redcapDate(2019, 3)).toEqual({ date: "2019-03-01", precision: 2 });
    expect(redcapDate(undefined, 3)).toEqual({ date: null, precision: null });
  });
});
