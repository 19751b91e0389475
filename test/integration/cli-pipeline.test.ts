import Database from "better-sqlite3";
import { parse } from "csv-parse/sync";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { groundableValues, textValues } from "../../src-main/grounding/index.ts";
import type { TimelineDocument } from "../../src-shared/timeline.ts";
import { ENGINE_FLAGS, EXTRACTION_TEST_TIMEOUT_MS, REPO_ROOT, runCli } from "../helpers/cli.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { useTestModel } from "../helpers/testModel.ts";

const tempDir = useTempDirs();
const DEMO = path.join(REPO_ROOT, "resources", "demo");
const demoLetters = readdirSync(path.join(DEMO, "letters")).filter((name) => name.endsWith(".txt"));

const modelPath = useTestModel();

describe("import → extract → export on the demo letters (the README's walk-through)", () => {
  it("extracts every demo letter with valid output, grounds every value, exports one row per letter", async () => {
    const data = tempDir();
    const imported = await runCli(["--data", data, "import", DEMO]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain(`Imported ${demoLetters.length} letter(s)`);

    const extracted = await runCli(["--data", data, "--json", "extract", "--model", modelPath(), ...ENGINE_FLAGS]);
    expect(extracted.code, extracted.stderr).toBe(0);
    const letters = extracted.events.filter((event) => event.type === "letter");
    expect(letters).toHaveLength(demoLetters.length);
    expect(letters.filter((event) => event.status !== "ok").map((event) => event.error)).toEqual([]);
    const summary = extracted.events.at(-1);
    expect(summary).toMatchObject({ type: "summary", done: demoLetters.length, failed: 0, total: demoLetters.length });

    const out = path.join(data, "out.csv");
    const exported = await runCli(["--data", data, "export", "--format", "csv-wide", "--out", out]);
    expect(exported.code, exported.stderr).toBe(0);
    const rows = parse(readFileSync(out), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(demoLetters.length);
    expect(new Set(rows.map((row) => row.status))).toEqual(new Set(["extracted"]));
    expect(rows.map((row) => path.basename(row.source ?? "")).sort()).toEqual([...demoLetters].sort());

    // Every value and every date in every stored document has exactly one evidence row: a span or the ungrounded flag.
    const db = new Database(path.join(data, "oncotimeline.sqlite"), { readonly: true });
    const extractions = db.prepare("SELECT id, document, status FROM extractions").all() as { id: number; document: string; status: string }[];
    expect(extractions).toHaveLength(demoLetters.length);
    for (const extraction of extractions) {
      const values = groundableValues(JSON.parse(extraction.document) as TimelineDocument);
      const evidence = db.prepare("SELECT path, grade, start, end FROM evidence WHERE extraction_id = ?").all(extraction.id) as {
        path: string;
        grade: string;
        start: number | null;
      }[];
      expect(evidence.map((row) => row.path)).toEqual(values.map((value) => value.path));
      for (const row of evidence) expect(row.grade === "ungrounded" ? row.start === null : row.start !== null).toBe(true);
    }
    db.close();

    const long = path.join(data, "long.csv");
    expect((await runCli(["--data", data, "export", "--format", "csv", "--out", long])).code).toBe(0);
    const longRows = parse(readFileSync(long), { columns: true }) as Record<string, string>[];
    const totalValues = extractions.reduce((sum, e) => sum + textValues(JSON.parse(e.document) as TimelineDocument).length, 0);
    expect(longRows).toHaveLength(totalValues);
  }, EXTRACTION_TEST_TIMEOUT_MS);
});

