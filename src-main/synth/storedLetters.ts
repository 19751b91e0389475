/**
 * A generated letter read back from the store, as SyntheticText again (for QA distillation).
 * The only source is the synth_letters table, which only the generation job writes, from the
 * client's own responses; real letters live in `letters`, which nothing here reads (docs/domain.md §7).
 * The origin names the model and the request that wrote the letter, as when it was first received.
 */
import type { Db } from "../store/db.ts";
import { getSynthLetter } from "../store/synth.ts";
import { asGeneratedText, type SyntheticText } from "./syntheticText.ts";

export function loadSyntheticLetter(db: Db, id: number): SyntheticText {
  const row = getSynthLetter(db, id);
  if (!row) throw new Error(`synthetic letter ${id} does not exist`);
  if (row.content === null) throw new Error(`synthetic letter ${id} has no letter text (its answer did not parse)`);
  return asGeneratedText(row.content, { model: row.model, requestId: row.message_id });
}
