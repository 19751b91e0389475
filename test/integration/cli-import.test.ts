import Database from "better-sqlite3";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.ts";
import { documentXml, makeDocx } from "../helpers/fixtures.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { ensureTestModel } from "../helpers/testModel.ts";

const tempDir = useTempDirs();

describe("oncotimeline import with bad input among good", () => {
  it("imports every good letter, names every bad file or row with its reason, exits 1, and loses nothing", async () => {
    const letters = tempDir();
    const put = (name: string, content: string | Buffer) => writeFileSync(path.join(letters, name), content);
    const docx = await makeDocx(documentXml(["Diagnosis: adenocarcinoma of the rectum, T3 N1.", "Plan: short-course radiotherapy."]));
    put("P1_2024-01-05_clinic.txt", "Diagnosis: carcinoma of the left breast, grade 2.");
    put("P2_2024-02-10_clinic.txt", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("Stage IIIA NSCLC — EGFR exon 19 deletion.", "utf16le")]));
    put("P3_2024-03-15_clinic.txt", Buffer.concat([Buffer.from("Prescription charge "), Buffer.from([0xa3]), Buffer.from("9.90; caf"), Buffer.from([0xe9]), Buffer.from(" visit "), Buffer.from([0x96]), Buffer.from(" fine.")]));
    put("P4_2024-04-20_clinic.docx", docx);
    put("P5_2024-05-01_truncated.docx", docx.subarray(0, Math.floor(docx.length / 2)));
    put("scan.txt", Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0x01, 0x02, 0xff, 0x00, 0x10, 0x00, 0x00, 0x89, 0x50]));
    put("empty.txt", "");
    put("no-text-column.csv", "id,notes\n1,seen in clinic\n");
    put("rows.csv", 'text,patient,date\n"Prostate adenocarcinoma, Gleason 4+3=7.",P6,01/06/2024\n"Follow-up: PSA 0.1.",P6,2024-09-01\n');
    put("lines.jsonl", '{"text": "Melanoma, Breslow 2.1 mm.", "patient_id": "P7"}\n{"text": "broken\n{"text": "Melanoma follow-up, no recurrence.", "patient_id": "P7"}\n');

    const data = tempDir();
    const result = await runCli(["--data", data, "--json", "import", letters]);
    expect(result.code).toBe(1);
    const problems = result.events.filter((e) => e.type === "problem").map((e) => `${path.relative(letters, String(e.source))}: ${e.message}`);
    expect(problems).toEqual([
      expect.stringMatching(/^P5_2024-05-01_truncated\.docx: not a valid \.docx \(corrupt or truncated zip\): \S/),
      "empty.txt: empty file",
      expect.stringMatching(/^lines\.jsonl:2: line 2 is not valid JSON: Unterminated string/),
      "no-text-column.csv: CSV has no text column: expected one of text, letter, letter_text, body, content, note, note_text; found id, notes",
      "scan.txt: not valid UTF-8/16 or Windows-1252 text: looks binary (NUL bytes)",
    ]);
    expect(result.events.at(-1)).toMatchObject({ type: "summary", imported: 8, duplicates: 0, problems: 5 });

    const db = new Database(path.join(data, "oncotimeline.sqlite"), { readonly: true });
    const stored = db
      .prepare("SELECT p.external_id AS patient, l.letter_date AS date, l.text FROM letters l LEFT JOIN patients p ON p.id = l.patient_id ORDER BY l.id")
      .all() as { patient: string; date: string | null; text: string }[];
    expect(stored).toEqual([
      { patient: "P1", date: "2024-01-05", text: "Diagnosis: carcinoma of the left breast, grade 2." },
      { patient: "P2", date: "2024-02-10", text: "Stage IIIA NSCLC — EGFR exon 19 deletion." },
      { patient: "P3", date: "2024-03-15", text: "Prescription charge £9.90; café visit – fine." },
      { patient: "P4", date: "2024-04-20", text: expect.stringContaining("adenocarcinoma of the rectum, T3 N1.") },
      { patient: "P7", date: null, text: "Melanoma, Breslow 2.1 mm." },
      { patient: "P7", date: null, text: "Melanoma follow-up, no recurrence." },
      { patient: "P6", date: "2024-06-01", text: "Prostate adenocarcinoma, Gleason 4+3=7." },
      { patient: "P6", date: "2024-09-01", text: "Follow-up: PSA 0.1." },
    ]);
    db.close();

    const again = await runCli(["--data", data, "import", letters]);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain("Imported 0 letter(s); 8 already in the store; 5 problem(s).");
  });
});

describe("oncotimeline import of a large export", () => {
  it("says how far it has got every 10,000 letters", async () => {
    const data = tempDir();
    const csv = path.join(tempDir(), "export.csv");
    const rows = Array.from({ length: 10_050 }, (_, i) => `"Clinic letter ${i}: seen, stable disease.",P${i % 97}`);
    writeFileSync(csv, `text,patient\n${rows.join("\n")}\n`);
    const result = await runCli(["--data", data, "import", csv]);
    expect(result.code, result.stderr).toBe(0);
    const progress = result.stderr.split("\n").filter((line) => line.startsWith("Read "));
    // One line at 10,000 read (the count is exact; the time cut of 30 s is far away here).
    expect(progress).toHaveLength(1);
    expect(progress[0]).toMatch(/^Read 10000 so far \(\d+\/s\): \d+ imported, 0 already in the store, 0 problem\(s\)$/);
    expect(result.stdout).toContain("Imported 10050 letter(s); 0 already in the store; 0 problem(s).");
  }, 120_000);
});

describe("oncotimeline usage errors", () => {
  it("exits 2 with one clear line for bad usage or a missing model", async () => {
    const data = tempDir();
    const unknown = await runCli(["--data", data, "frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");

    const noModel = await runCli(["--data", data, "extract", "--model", path.join(data, "missing.gguf")]);
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toContain("no registered model of that name and no such file");

    const badFormat = await runCli(["--data", data, "export", "--format", "xlsx", "--out", path.join(data, "x")]);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toMatch(/--format xlsx: .*"csv"\|"csv-wide"/);

    const badQuant = await runCli(["--data", data, "test-model", "--out", path.join(data, "m.gguf"), "--quant", "q5_k"]);
    expect(badQuant.code).toBe(2);
    expect(badQuant.stderr).toContain("--quant must be one of f32, f16, q8_0, q4_0, not q5_k");

    const badBatch = await runCli(["--data", data, "extract", "--model", await ensureTestModel(), "--batch-size", "0"]);
    expect(badBatch.code).toBe(2);
    expect(badBatch.stderr).toContain('--batch-size must be a positive whole number, not "0"');

    const badAttention = await runCli(["--data", data, "extract", "--model", await ensureTestModel(), "--flash-attention", "yes"]);
    expect(badAttention.code).toBe(2);
    expect(badAttention.stderr).toContain("--flash-attention must be auto, on or off, not yes");
  });

  it("writes a test model and registers it", async () => {
    const data = tempDir();
    const model = path.join(data, "tiny.gguf");
    const made = await runCli(["--data", data, "test-model", "--out", model]);
    expect(made.code, made.stderr).toBe(0);
    const added = await runCli(["--data", data, "--json", "models", "add", model, "--name", "tiny-test"]);
    expect(added.events[0]).toMatchObject({ type: "model", name: "tiny-test", path: model });
    const listed = await runCli(["--data", data, "models", "list"]);
    expect(listed.stdout).toMatch(/^tiny-test\t23\.\d MiB\t/m);
  });
});
