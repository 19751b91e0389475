/**
 * npm run bench:export — the long CSV export (one row per extracted value) of 1,000,000 rows vs
 * Debian's `sqlite3 -csv` dumping the same rows' columns straight from the store, in one run.
 * Needs the sqlite3 command (apt-get install sqlite3). Last line:
 * `export/sqlite3-csv rows-per-second: X.XX` (goal ≥ 0.5).
 * Options: --rows N (default 1000000; 40 values per letter).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { groundDocument } from "../../src-main/grounding/index.ts";
import { exportCsv } from "../../src-main/export/csvExport.ts";
import { openStore } from "../../src-main/store/db.ts";
import { saveExtraction } from "../../src-main/store/extractions.ts";
import { insertLetter } from "../../src-main/store/letters.ts";
import { registerModel } from "../../src-main/store/models.ts";
import type { TimelineDocument } from "../../src-shared/timeline.ts";

const { values } = parseArgs({ options: { rows: { type: "string", default: "1000000" } } });
const VALUES_PER_LETTER = 40;
const letters = Math.ceil(Number(values.rows) / VALUES_PER_LETTER);
const dir = mkdtempSync(path.join(os.tmpdir(), "oncotimeline-bench-export-"));

try {
  const db = openStore(dir);
  const modelFile = path.join(dir, "model.gguf");
  writeFileSync(modelFile, "bench");
  const model = registerModel(db, modelFile);
  const started = performance.now();
  db.transaction(() => {
    for (let i = 0; i < letters; i++) {
      const text = `Letter ${i}. Diagnosis: carcinoma of the left breast, grade ${i % 3}. ` + Array.from({ length: 30 }, (_, e) => `Event ${e} on 0${(e % 9) + 1}/2021: cycle ${e} of FOLFOX given, "well tolerated"; =dose ${i}.`).join(" ") + " " + Array.from({ length: 10 }, (_, f) => `Finding ${f}: ECOG ${f % 4}.`).join(" ");
      const document: TimelineDocument = {
        primary_cancer: {
          cancer_timeline: Array.from({ length: 30 }, (_, e) => ({ type: "treatment_systemic_start" as const, value: `cycle ${e} of FOLFOX given, "well tolerated"`, year: 2021, month: (e % 9) + 1 })),
        },
        other_cancers: [],
        patient_facts: Array.from({ length: 10 }, (_, f) => ({ type: "performance_status" as const, value: `ECOG ${f % 4}` })),
        status_updates: [],
      };
      const { letterId } = insertLetter(db, { text, sourcePath: `/letters/P${i % 1000}/letter-${i}.txt`, sourceRow: null, sourceFormat: "txt", patientExternalId: `P${i % 1000}`, letterDate: "2021-10-01" });
      const evidence = groundDocument(text, document).filter((value) => !value.path.endsWith(".date"));
      saveExtraction(db, { letterId, modelId: model.id, jobId: null, status: "ok", document, rawOutput: null, error: null, warnings: [], promptVersion: "bench", inputTokens: null, outputTokens: null, durationMs: 0, evidence });
    }
  })();
  const rows = (db.prepare("SELECT count(*) AS n FROM evidence").get() as { n: number }).n;
  console.log(`store: ${letters} letters, ${rows} value rows, built in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const oursOut = path.join(dir, "ours.csv");
  let t = performance.now();
  const ours = exportCsv(db, { format: "csv", out: oursOut });
  const oursSeconds = (performance.now() - t) / 1000;
  db.close();

  // The same rows and columns, straight from SQLite: letter, patient, date, source, model, path, value, offsets, grade.
  const sqliteOut = path.join(dir, "sqlite.csv");
  const query = `SELECT l.id, p.external_id, l.letter_date, l.source_path, m.name, ev.path, ev.value, ev.start, ev.end, ev.grade, ev.grade <> 'ungrounded'
    FROM evidence ev JOIN extractions e ON e.id = ev.extraction_id JOIN letters l ON l.id = e.letter_id
    LEFT JOIN patients p ON p.id = l.patient_id JOIN models m ON m.id = e.model_id ORDER BY p.external_id, l.letter_date, l.id, ev.id`;
  const dump = () => execFileSync("sqlite3", ["-csv", "-header", path.join(dir, "oncotimeline.sqlite"), query], { maxBuffer: 2 ** 31 - 1 });
  dump(); // warms the page cache, as our export's own reads did before it
  t = performance.now();
  writeFileSync(sqliteOut, dump());
  const sqliteSeconds = (performance.now() - t) / 1000;
  const oursRate = ours.rows / oursSeconds;
  const sqliteRate = rows / sqliteSeconds;
  console.log(`ours     ${ours.rows} rows in ${oursSeconds.toFixed(2)} s = ${Math.round(oursRate)} rows/s (${(statSync(oursOut).size / 1e6).toFixed(0)} MB)`);
  console.log(`sqlite3  ${rows} rows in ${sqliteSeconds.toFixed(2)} s = ${Math.round(sqliteRate)} rows/s (${(statSync(sqliteOut).size / 1e6).toFixed(0)} MB)`);
  console.log(`export/sqlite3-csv rows-per-second: ${(oursRate / sqliteRate).toFixed(2)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
