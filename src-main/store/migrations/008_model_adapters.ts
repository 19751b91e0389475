import type { Database } from "better-sqlite3";

/**
 * A registered model is a base GGUF, optionally with a LoRA adapter GGUF applied at load
 * (docs/architecture.md, "Models: one base, many adapters"), and carries its lineage as JSON
 * (src-shared/modelLineage.ts). Both null for a plain base model, as every model was before.
 */
export function up(db: Database): void {
  db.exec(`
    ALTER TABLE models ADD COLUMN adapter_path TEXT;
    ALTER TABLE models ADD COLUMN lineage TEXT;
  `);
}
