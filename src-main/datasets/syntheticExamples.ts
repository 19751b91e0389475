/**
 * The studio's letters that can teach a model: accepted (and, when asked, flagged) synthetic
 * letters that have both a letter and a gold timeline, with the grid row's letter type. Each is
 * its own group for the split (a synthetic letter stands for no real patient).
 */
import { prepared, type Db } from "../store/db.ts";

export type Example = { id: string; group: string; letterType: string; letter: string; gold: unknown };

export function syntheticExamples(db: Db, options: { includeFlagged: boolean; letterTypes?: readonly string[] | undefined }): Example[] {
  const rows = prepared(
    db,
    `SELECT l.id, l.content, l.gold, i.payload FROM synth_letters l JOIN job_items i ON i.id = l.item_id
     WHERE (l.status = 'accepted' OR (? AND l.status = 'flagged')) AND l.content IS NOT NULL AND l.gold IS NOT NULL ORDER BY l.id`,
  ).all(options.includeFlagged ? 1 : 0) as { id: number; content: string; gold: string; payload: string | null }[];
  return rows
    .map((row) => {
      const payload = JSON.parse(row.payload ?? "{}") as { row?: { letter_type?: string } };
      return { id: `synthetic-${row.id}`, group: `synthetic-${row.id}`, letterType: payload.row?.letter_type ?? "unknown", letter: row.content, gold: JSON.parse(row.gold) as unknown };
    })
    .filter((example) => options.letterTypes === undefined || options.letterTypes.length === 0 || options.letterTypes.includes(example.letterType));
}
