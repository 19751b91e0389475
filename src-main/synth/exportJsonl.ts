/**
 * `synth export`: accepted letters with their gold and accepted QA pairs, one JSON object per line
 * (the shape fine-tuning and dataset tools read). Written to a temporary file and renamed, so a
 * failed export never leaves half a file under the requested name.
 */
import { writeFileAtomically } from "../base/atomicFile.ts";
import type { Db } from "../store/db.ts";
import { exportableSynthLetters } from "../store/synth.ts";

export type SynthExportLine = {
  id: number;
  key: string;
  status: "accepted" | "flagged";
  letter: string;
  gold: unknown;
  reasons: unknown[];
  qa: unknown[];
  model: string;
  promptVersion: string;
};

export function exportSynthJsonl(db: Db, out: string, options: { includeFlagged?: boolean } = {}): { path: string; lines: number } {
  let lines = 0;
  const written = writeFileAtomically(out, (write) => {
    for (const row of exportableSynthLetters(db, options.includeFlagged ?? false)) {
      const line: SynthExportLine = {
        id: row.id,
        key: row.idempotency_key,
        status: row.status as SynthExportLine["status"],
        letter: row.content ?? "",
        gold: row.gold === null ? null : JSON.parse(row.gold),
        reasons: JSON.parse(row.reasons) as unknown[],
        qa: JSON.parse(row.qa) as unknown[],
        model: row.model,
        promptVersion: row.prompt_version,
      };
      write(`${JSON.stringify(line)}\n`);
      lines += 1;
    }
  });
  return { path: written, lines };
}
