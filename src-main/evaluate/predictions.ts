/**
 * A model's extractions of a gold set's letters, written as a folder of timeline documents named
 * as the gold's files, so `eval score` can read them. A gold file `X.json` is the gold of the
 * letter imported from a file named `X` with any extension (`X.txt`, `X.docx` ...). The model's
 * own output is written, not a reviewer's correction: this is the model being measured.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { writeFileAtomically } from "../base/atomicFile.ts";
import { filesEndingWith } from "./goldFiles.ts";
import { inPages, prepared, type Db } from "../store/db.ts";
import type { ModelRow } from "../store/models.ts";

/** Of the values the model extracted from these letters, how many were found in the letter (exact, normalised or fuzzy evidence). */
export type Grounding = { values: number; grounded: number; rate: number | null };

export type PredictionsWritten = { written: number; failed: number; notExtracted: string[]; notImported: string[]; ambiguous: string[]; grounding: Grounding };

export function writePredictions(db: Db, model: ModelRow, goldDir: string, outDir: string): PredictionsWritten {
  const stems = filesEndingWith(goldDir, ".json", "gold").map((name) => name.slice(0, -".json".length));
  const wanted = new Set(stems);
  const letters = new Map<string, number[]>();
  const page = (after: number) => prepared(db, "SELECT id, source_path FROM letters WHERE id > ? ORDER BY id LIMIT 1000").all(after) as { id: number; source_path: string }[];
  for (const letter of inPages(page, (row) => row.id)) {
    const stem = path.basename(letter.source_path).replace(/\.[^.]*$/, "");
    if (wanted.has(stem)) letters.set(stem, [...(letters.get(stem) ?? []), letter.id]);
  }
  mkdirSync(outDir, { recursive: true });
  const result: PredictionsWritten = { written: 0, failed: 0, notExtracted: [], notImported: [], ambiguous: [], grounding: { values: 0, grounded: 0, rate: null } };
  for (const stem of stems) {
    const ids = letters.get(stem) ?? [];
    if (ids.length === 0) {
      result.notImported.push(stem);
      continue;
    }
    if (ids.length > 1) {
      result.ambiguous.push(stem);
      continue;
    }
    const extraction = prepared(db, "SELECT id, status, document, raw_output FROM extractions WHERE letter_id = ? AND model_id = ?").get(ids[0], model.id) as
      | { id: number; status: "ok" | "failed"; document: string | null; raw_output: string | null }
      | undefined;
    if (!extraction) {
      result.notExtracted.push(stem);
      continue;
    }
    // A failed letter's raw output is written as the model gave it: the score counts it as not JSON (or as what it parses to).
    const text = extraction.status === "ok" ? JSON.stringify(JSON.parse(extraction.document ?? "{}"), null, 2) : (extraction.raw_output ?? "");
    writeFileAtomically(path.join(outDir, `${stem}.json`), (write) => write(text));
    if (extraction.status === "ok") result.written++;
    else result.failed++;
    const evidence = prepared(db, "SELECT count(*) AS values_, coalesce(sum(grade <> 'ungrounded'), 0) AS grounded FROM evidence WHERE extraction_id = ?").get(extraction.id) as { values_: number; grounded: number };
    result.grounding.values += evidence.values_;
    result.grounding.grounded += evidence.grounded;
  }
  result.grounding.rate = result.grounding.values === 0 ? null : result.grounding.grounded / result.grounding.values;
  return result;
}
