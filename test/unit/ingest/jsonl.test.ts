import { beforeEach, describe, expect, it } from "vitest";
import { collect, put } from "./helpers.ts";
import { useTempDirs } from "../../helpers/tempDir.ts";

const tempDir = useTempDirs();

describe("jsonl reader", () => {
  let dir = "";
  beforeEach(() => {
    dir = tempDir();
  });

  it("imports the good lines and names the broken one with its line number and JSON error", async () => {
    const lines = [
      JSON.stringify({ patient_id: "P1", letter_date: "15 March 2024", text: "First letter\nwith a newline" }),
      "",
      '{"patient_id": "P2", "text": "Diagnosis: breast cancer, grade 2", }',
      JSON.stringify({ MRN: 12345, Date: "2012-5-1", Letter: "Third letter" }),
      "   ",
      JSON.stringify({ subject_id: "S9", note_date: null, note: "Fourth" }),
    ];
    const path = await put(dir, "P000_2019-01-01_batch.jsonl", lines.join("\r\n") + "\r\n");
    const { letters, problems, order } = await collect([path]);
    expect(letters).toEqual([
      { text: "First letter\nwith a newline", sourcePath: path, sourceRow: 1, patientId: "P1", letterDate: "2024-03-15", format: "jsonl" },
      { text: "Third letter", sourcePath: path, sourceRow: 4, patientId: "12345", letterDate: "2012-05-01", format: "jsonl" },
      // No date value: null, not the file name's date; the object has a date key.
      { text: "Fourth", sourcePath: path, sourceRow: 6, patientId: "S9", letterDate: null, format: "jsonl" },
    ]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ sourcePath: path, sourceRow: 3 });
    // V8's wording varies across Node versions; the line and the error's position are what matter.
    expect(problems[0]?.message).toMatch(/^line 3 is not valid JSON: .*position 66$/);
    expect(order.map((o) => o.split(":").at(-1))).toEqual(["1", "3", "4", "6"]);
  });

  it("uses the file name when an object has no patient or date key", async () => {
    const path = await put(dir, "P5_2020-02-02.jsonl", JSON.stringify({ body: "hello" }) + "\n");
    const { letters } = await collect([path]);
    expect(letters).toMatchObject([{ text: "hello", patientId: "P5", letterDate: "2020-02-02", sourceRow: 1 }]);
  });

  it("reports lines that are not objects, lack a text key, or have non-string or empty text", async () => {
    const lines = ['["a"]', '{"id": 1, "notes": "x"}', '{"text": 42}', '{"text": "  "}', '"just a string"', '{"content": "ok"}'];
    const path = await put(dir, "x.jsonl", lines.join("\n"));
    const { letters, problems } = await collect([path]);
    expect(letters.map((l) => l.text)).toEqual(["ok"]);
    expect(problems.map((p) => [p.sourceRow, p.message])).toEqual([
      [1, "line 1 is not a JSON object (got an array)"],
      [2, "line 2 has no text key: expected one of text, letter, letter_text, body, content, note, note_text; found id, notes"],
      [3, 'line 3: "text" is a number, not a string'],
      [4, 'line 4: empty text in "text"'],
      [5, "line 5 is not a JSON object (got string)"],
    ]);
  });

  it("does not copy letter text into JSON error messages", async () => {
    const path = await put(dir, "x.jsonl", 'Jane {"text": "Patient Jane Smith has carcinoma"}\n{"text": "Jane" oops}\n');
    const { problems } = await collect([path]);
    expect(problems).toHaveLength(2);
    for (const p of problems) {
      expect(p.message).toMatch(/^line \d is not valid JSON: /);
      expect(p.message).not.toContain("Jane");
    }
  });

  it("uses an explicit key name", async () => {
    const path = await put(dir, "x.jsonl", JSON.stringify({ summary: "the letter", text: "not this" }) + "\n");
    const { letters } = await collect([path], { columns: { text: "summary" } });
    expect(letters.map((l) => l.text)).toEqual(["the letter"]);
  });

  it("reports a file with no objects", async () => {
    const path = await put(dir, "x.jsonl", "\n\n  \n");
    const { problems } = await collect([path]);
    expect(problems.map((p) => p.message)).toEqual(["empty file"]);
  });
});
