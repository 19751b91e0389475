/**
 * A store holding a base (the tiny test model) and fine-tunes of it registered with lineages
 * made here, as finetuneJob.ts registers them (base fingerprint, training set with its files'
 * rows), each adapter a distinct test adapter GGUF; plus the misfits a curve over training-set
 * size must refuse: a fine-tune of another base, and one whose lineage names no training set.
 */
import path from "node:path";
import { openStore } from "../../src-main/store/db.ts";
import { registerModel, type ModelRow } from "../../src-main/store/models.ts";
import type { ModelLineage } from "../../src-shared/modelLineage.ts";
import { writeTestAdapter } from "./testAdapter.ts";
import { ensureTestModel } from "./testModel.ts";

export type LineageModels = { base: ModelRow; fineTunes: Map<number, ModelRow>; otherBase: ModelRow; noDataset: ModelRow };

export function lineage(base: { name: string; fingerprint: string }, trainRows: number | null): ModelLineage {
  return {
    base: { name: base.name, fingerprint: base.fingerprint, checkpointSha256: null },
    dataset:
      trainRows === null
        ? null
        : { name: `set-${trainRows}`, origin: "synthetic", cardSha256: "0".repeat(64), files: { "train.jsonl": { rows: trainRows, sha256: "1".repeat(64) }, "test.jsonl": { rows: 17, sha256: "2".repeat(64) } }, promptVersion: "extraction-v1" },
    recipe: { rank: 8, epochs: 1 },
    job: null,
    training: null,
    bundleVersion: null,
    llamaCppCommit: null,
  };
}

/** Registers the base as "tiny-base" and a fine-tune "ft-N" per training-set size N, and the two misfits, in the store at `dataDir`. */
export async function registerLineageModels(dataDir: string, adapterDir: string, trainRows: readonly number[]): Promise<LineageModels> {
  const db = openStore(dataDir);
  try {
    const base = registerModel(db, await ensureTestModel(), { name: "tiny-base" });
    const adapter = (seed: number) => writeTestAdapter(path.join(adapterDir, `adapter-${seed}.gguf`), { seed });
    const fineTunes = new Map<number, ModelRow>();
    for (const [i, rows] of trainRows.entries()) fineTunes.set(rows, registerModel(db, base.path, { adapter: await adapter(i + 1), name: `ft-${rows}`, lineage: lineage(base, rows) }));
    const otherBase = registerModel(db, base.path, { adapter: await adapter(101), name: "ft-other-base", lineage: lineage({ name: "llama-70b", fingerprint: "feedface".repeat(4) }, 300) });
    const noDataset = registerModel(db, base.path, { adapter: await adapter(102), name: "ft-no-dataset", lineage: lineage(base, null) });
    return { base, fineTunes, otherBase, noDataset };
  } finally {
    db.close();
  }
}
