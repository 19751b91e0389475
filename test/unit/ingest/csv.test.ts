import { beforeEach, describe, expect, it } from "vitest";
import { collect, put } from "./helpers.ts";
import { useTempDirs } from "../../helpers/tempDir.ts";

const tempDir = useTempDirs();

describe("csv reader", () => {
  let dir = "";
  beforeEach(() => {
    dir = tempDir();
  });

  it("reads one letter per row with patient and date columns, including a quoted multi-line letter", async () => {
    const csv = [
      "id,patient_id,letter_date,text",
      '1,P001,15/03/2024,"Diagnosis: carcinoma of the breast.',
      "",
      'Plan: ""letrozole"" for 5 years."',
      "2,P002,2023-5-1,Simple follow-up\\n\\tno change ?",
      "",
      "3,,March 2013,Undated letter",
    ].join("\r\n");
    const path = await put(dir, "export_2020-01-01.csv", csv);
    const { letters, problems } = await collect([path]);
    expect(problems).toEqual([]);
    expect(letters).toEqual([
      {
        text: 'Diagnosis: carcinoma of the breast.\r\n\r\nPlan: "letrozole" for 5 years.',
        sourcePath: path,
        sourceRow: 2,
        patientId: "P001",
        letterDate: "2024-03-15",
        format: "csv",
      },
      { text: "Simple follow-up\\n\\tno change ?", sourcePath: path, sourceRow: 5, patientId: "P002", letterDate: "2023-05-01", format: "csv" },
      // Blank patient cell and partial date: null; the file name (an export's) does not stand in for a column the file has.
      { text: "Undated letter", sourcePath: path, sourceRow: 7, patientId: null, letterDate: null, format: "csv" },
    ]);
  });

  it("detects headers written every way, a ; delimiter and a BOM", async () => {
    const csv = "\uFEFFPatient ID;Clinic Date;Letter\nP9;01.02.2024;Dear colleague, T2N0 ER+\n";
    const path = await put(dir, "letters.csv", csv);
    const { letters, problems } = await collect([path]);
    expect(problems).toEqual([]);
    expect(letters).toMatchObject([{ text: "Dear colleague, T2N0 ER+", patientId: "P9", letterDate: "2024-02-01", sourceRow: 2 }]);
  });

  it("falls back to the file name for patient and date", async () => {
    const path = await put(dir, "P777_2021-07-04_batch.csv", "body\nfirst\nsecond\n");
    const { letters } = await collect([path]);
    expect(letters.map((l) => [l.text, l.patientId, l.letterDate, l.sourceRow])).toEqual([
      ["first", "P777", "2021-07-04", 2],
      ["second", "P777", "2021-07-04", 3],
    ]);
  });

  it("uses explicit column names from options", async () => {
    const path = await put(dir, "x.csv", "Summary,Who,When,text\nthe letter,A1,2024-02-29,not this\n");
    const { letters } = await collect([path], { columns: { text: "summary", patient: "Who", date: "When" } });
    expect(letters).toMatchObject([{ text: "the letter", patientId: "A1", letterDate: "2024-02-29" }]);
  });

  it("names the columns it found when there is no text column", async () => {
    const path = await put(dir, "notes.csv", "id,notes\n1,hello\n");
    const { letters, problems } = await collect([path]);
    expect(letters).toEqual([]);
    expect(problems).toEqual([
      {
        sourcePath: path,
        sourceRow: null,
        message: "CSV has no text column: expected one of text, letter, letter_text, body, content, note, note_text; found id, notes",
      },
    ]);
  });

  it("names an explicit column the file lacks", async () => {
    const path = await put(dir, "x.csv", "text,mrn\nhello,1\n");
    const { problems } = await collect([path], { columns: { patient: "Hospital Number" } });
    expect(problems[0]?.message).toBe('CSV has no patient column: expected "Hospital Number" (options.columns.patient); found text, mrn');
  });

  it("reports a row with empty text and goes on", async () => {
    const path = await put(dir, "x.csv", "text,patient\nfirst,A\n  ,B\nthird,C\n");
    const { letters, problems } = await collect([path]);
    expect(letters.map((l) => l.text)).toEqual(["first", "third"]);
    expect(problems).toEqual([{ sourcePath: path, sourceRow: 3, message: 'empty text in column "text"' }]);
  });

  it("reports a row with more fields than the header", async () => {
    const path = await put(dir, "x.csv", "patient,text\nA,fine\nB,split, by a comma\nC,fine too,\n");
    const { letters, problems } = await collect([path]);
    expect(letters.map((l) => l.text)).toEqual(["fine", "fine too"]);
    expect(problems).toEqual([
      { sourcePath: path, sourceRow: 3, message: 'row has 3 fields but the header has 2 (an unquoted "," in the text?)' },
    ]);
  });

  it("keeps the rows before an unclosed quote and names the line", async () => {
    const csv = 'patient,text\r\nA,"two\r\nlines"\r\nB,plain\r\nC,"never closed\r\nD,lost\r\n';
    const path = await put(dir, "bad.csv", csv);
    const { letters, problems, order } = await collect([path]);
    expect(letters.map((l) => [l.text, l.sourceRow])).toEqual([
      ["two\r\nlines", 2],
      ["plain", 4],
    ]);
    expect(problems).toEqual([
      {
        sourcePath: path,
        sourceRow: 5,
        message: "malformed CSV: a quote opened in the record starting at line 5 is never closed; the rows before it were read, the rest of the file was not",
      },
    ]);
    expect(order.map((o) => o[0])).toEqual(["L", "L", "P"]);
  });

  it("names the line of a stray character after a closing quote", async () => {
    const path = await put(dir, "bad.csv", 'text\nok\n"quoted"junk\nlater\n');
    const { letters, problems } = await collect([path]);
    expect(letters.map((l) => l.text)).toEqual(["ok"]);
    expect(problems[0]?.sourceRow).toBe(3);
    expect(problems[0]?.message).toMatch(/^malformed CSV in the record starting at line 3: a closing quote is followed by other characters/);
  });

  it("reads a Windows-1252 CSV", async () => {
    const bytes = Buffer.concat([Buffer.from("text\nCost "), Buffer.from([0xa3]), Buffer.from("5 "), Buffer.from([0x96]), Buffer.from(" caf"), Buffer.from([0xe9]), Buffer.from("\n")]);
    const path = await put(dir, "legacy.csv", bytes);
    const { letters } = await collect([path]);
    expect(letters[0]?.text).toBe("Cost £5 – café");
  });

  it("reports a header without rows and an empty file", async () => {
    const headerOnly = await put(dir, "a.csv", "text,patient\n");
    const empty = await put(dir, "b.csv", "");
    const { problems } = await collect([headerOnly, empty]);
    expect(problems.map((p) => p.message)).toEqual(["CSV has a header row but no data rows", "empty file"]);
  });
});
