/**
 * Gold sets as the CLI (`eval gold`) and the app (goldSets.*) make and read them: collected from
 * their source, stored in one transaction, written out for the file-based scorers, and each item
 * checked for leakage against the training sets built so far (checked when read, so a set built
 * after the gold set is caught too).
 */
import path from "node:path";
import type { GoldSetDetail, GoldSetPredictions, GoldSetSummary } from "../../../src-shared/api/goldSets.ts";
import type { ModelRow } from "../../store/models.ts";
import { writePredictions } from "../predictions.ts";
import type { Db } from "../../store/db.ts";
import { findGoldSet, goldItemIndex, goldSetItems, insertGoldSet, listGoldSets, type GoldSetRow } from "../../store/goldSets.ts";
import { ScoringInputError } from "../scoringInputError.ts";
import { collectGold, type GoldSource } from "./goldSources.ts";
import { goldSetPaths, writeGoldSetFolder } from "./goldSetFolder.ts";
import { trainingLetters } from "./leakage.ts";

export function createGoldSet(db: Db, dataDir: string, name: string, source: GoldSource): GoldSetSummary {
  if (findGoldSet(db, name)) throw new ScoringInputError(`a gold set named "${name}" exists already (oncotimeline eval gold list)`);
  const collected = collectGold(db, source);
  if (collected.items.length === 0) throw new ScoringInputError(`no gold items in ${collected.origin}${collected.notes.length > 0 ? `:\n  ${collected.notes.join("\n  ")}` : ""}`);
  const folder = path.join(dataDir, "gold-sets", name);
  writeGoldSetFolder(folder, collected.kind, collected.items);
  const row = insertGoldSet(db, { name, kind: collected.kind, source: source.from, origin: collected.origin, folder, notes: collected.notes }, collected.items);
  return summary(row, leakedItems(db, row, trainingLetters(db)).length);
}

export function goldSetSummaries(db: Db): GoldSetSummary[] {
  const training = trainingLetters(db);
  return listGoldSets(db).map((row) => summary(row, leakedItems(db, row, training).length));
}

export function goldSetDetail(db: Db, name: string): GoldSetDetail {
  const row = requireGoldSet(db, name);
  const training = trainingLetters(db);
  const itemsList = goldItemIndex(db, row.id).map((item) => ({ name: item.name, note: item.note, hasLetter: item.letter_sha256 !== null, leakedInto: (item.letter_sha256 && training.get(item.letter_sha256)) || [] }));
  return { ...summary(row, itemsList.filter((item) => item.leakedInto.length > 0).length), itemsList };
}

export function requireGoldSet(db: Db, name: string): GoldSetRow {
  const row = findGoldSet(db, name);
  if (!row) throw new ScoringInputError(`no gold set named "${name}" (oncotimeline eval gold list)`);
  return row;
}

/** The set written out afresh from the store, so whatever was done to its folder, what is scored is what was stored. */
export function goldSetOnDisk(db: Db, name: string): GoldSetSummary {
  const row = requireGoldSet(db, name);
  writeGoldSetFolder(row.folder, row.kind, goldSetItems(db, row.id));
  return summary(row, leakedItems(db, row, trainingLetters(db)).length);
}

/** The model's extractions of a timeline set's letters, as prediction files under `<set>/predictions/<model id>/`. */
export function goldSetPredictions(db: Db, name: string, model: ModelRow): GoldSetPredictions {
  const row = requireGoldSet(db, name);
  if (row.kind !== "timeline") throw new ScoringInputError(`gold set ${row.name} holds ${row.kind} items: a model's extractions are timelines`);
  const { goldPath } = writeGoldSetFolder(row.folder, row.kind, goldSetItems(db, row.id));
  const predPath = path.join(row.folder, "predictions", `model-${model.id}`);
  const written = writePredictions(db, model, goldPath, predPath);
  return { predPath, model: model.name, written: written.written, failed: written.failed, notImported: [...written.notImported, ...written.ambiguous], notExtracted: written.notExtracted };
}

function leakedItems(db: Db, row: GoldSetRow, training: Map<string, string[]>): string[] {
  return goldItemIndex(db, row.id).flatMap((item) => (item.letter_sha256 !== null && training.has(item.letter_sha256) ? [item.name] : []));
}

function summary(row: GoldSetRow, leaked: number): GoldSetSummary {
  const paths = goldSetPaths(row.folder, row.kind);
  return { id: row.id, name: row.name, kind: row.kind, source: row.source, origin: row.origin, items: row.items, withLetter: row.with_letter, leaked, goldPath: paths.goldPath, lettersDir: paths.lettersDir, notes: row.notes, createdAt: row.created_at };
}
