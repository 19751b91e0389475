import { createHash } from "node:crypto";
import { openSync, readSync, closeSync, statSync } from "node:fs";
import path from "node:path";
import { nowIso, prepared, type Db } from "./db.ts";

import type { ModelLineage } from "../../src-shared/modelLineage.ts";

/**
 * `path` is the base GGUF (or a server's address); `adapter_path` a LoRA GGUF applied on it at
 * load, null for a base alone; `lineage` the JSON of a ModelLineage, null when unknown.
 */
export type ModelRow = { id: number; name: string; path: string; bytes: number; fingerprint: string; added_at: string; adapter_path: string | null; lineage: string | null };

export type RegisterOptions = { name?: string | undefined; adapter?: string | undefined; lineage?: ModelLineage | undefined };

const FINGERPRINT_CHUNK = 4 * 1024 * 1024;

/**
 * Size plus the hash of the first and last 4 MiB: tells model files apart in well under a
 * second, where hashing a 5 GB GGUF whole would take tens of seconds.
 */
export function modelFingerprint(file: string): string {
  const { size } = statSync(file);
  const hash = createHash("sha256").update(String(size));
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.alloc(Math.min(FINGERPRINT_CHUNK, size));
    readSync(fd, buffer, 0, buffer.length, 0);
    hash.update(buffer);
    readSync(fd, buffer, 0, buffer.length, Math.max(0, size - buffer.length));
    hash.update(buffer);
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex").slice(0, 32);
}

/** A base with an adapter is its own model: its fingerprint covers both files. */
export function adapterModelFingerprint(baseFingerprint: string, adapterFingerprint: string): string {
  return createHash("sha256").update(`lora\n${baseFingerprint}\n${adapterFingerprint}`).digest("hex").slice(0, 32);
}

/**
 * Registers a GGUF file, optionally with a LoRA adapter GGUF; the same files (by fingerprint)
 * registered again return their row (moved files get their new paths, a lineage learnt later is kept).
 */
export function registerModel(db: Db, file: string, options: RegisterOptions = {}): ModelRow {
  const absolute = path.resolve(file);
  const adapter = options.adapter === undefined ? null : path.resolve(options.adapter);
  const baseFingerprint = modelFingerprint(absolute);
  const fingerprint = adapter === null ? baseFingerprint : adapterModelFingerprint(baseFingerprint, modelFingerprint(adapter));
  const lineage = options.lineage === undefined ? null : JSON.stringify(options.lineage);
  const known = prepared(db, "SELECT * FROM models WHERE fingerprint = ?").get(fingerprint) as ModelRow | undefined;
  if (known) {
    const updated = { ...known, path: absolute, adapter_path: adapter, lineage: lineage ?? known.lineage };
    prepared(db, "UPDATE models SET path = ?, adapter_path = ?, lineage = ? WHERE id = ?").run(updated.path, updated.adapter_path, updated.lineage, known.id);
    return updated;
  }
  const wanted = options.name ?? path.basename(adapter ?? absolute).replace(/\.gguf$/i, "");
  const unique = uniqueName(db, wanted);
  const bytes = statSync(absolute).size + (adapter === null ? 0 : statSync(adapter).size);
  prepared(db, "INSERT INTO models (name, path, bytes, fingerprint, added_at, adapter_path, lineage) VALUES (?, ?, ?, ?, ?, ?, ?)").run(
    unique,
    absolute,
    bytes,
    fingerprint,
    nowIso(),
    adapter,
    lineage,
  );
  return prepared(db, "SELECT * FROM models WHERE name = ?").get(unique) as ModelRow;
}

export function modelLineage(model: ModelRow): ModelLineage | null {
  return model.lineage === null ? null : (JSON.parse(model.lineage) as ModelLineage);
}

function uniqueName(db: Db, wanted: string): string {
  const taken = (name: string) => prepared(db, "SELECT 1 FROM models WHERE name = ?").get(name) !== undefined;
  if (!taken(wanted)) return wanted;
  for (let i = 2; ; i++) if (!taken(`${wanted}-${i}`)) return `${wanted}-${i}`;
}

export function findModel(db: Db, name: string): ModelRow | undefined {
  return prepared(db, "SELECT * FROM models WHERE name = ?").get(name) as ModelRow | undefined;
}

export function getModelById(db: Db, id: number): ModelRow | undefined {
  return prepared(db, "SELECT * FROM models WHERE id = ?").get(id) as ModelRow | undefined;
}

export function listModels(db: Db): ModelRow[] {
  return prepared(db, "SELECT * FROM models ORDER BY id").all() as ModelRow[];
}

/**
 * A model served by an on-premise inference server: identified by the server address and the
 * model name it serves; `path` holds the address, `bytes` is 0 (no file here).
 */
export function registerServerModel(db: Db, baseUrl: string, modelName: string | undefined): ModelRow {
  const fingerprint = createHash("sha256").update(`server\n${baseUrl}\n${modelName ?? ""}`).digest("hex").slice(0, 32);
  const known = prepared(db, "SELECT * FROM models WHERE fingerprint = ?").get(fingerprint) as ModelRow | undefined;
  if (known) return known;
  const unique = uniqueName(db, `${modelName ?? "server-model"}@${new URL(baseUrl).host}`);
  prepared(db, "INSERT INTO models (name, path, bytes, fingerprint, added_at) VALUES (?, ?, 0, ?, ?)").run(unique, baseUrl, fingerprint, nowIso());
  return prepared(db, "SELECT * FROM models WHERE name = ?").get(unique) as ModelRow;
}

export function isServerModel(model: ModelRow): boolean {
  return /^https?:\/\//i.test(model.path);
}

/** A model known only by its record (from another machine's result file): matched by fingerprint. */
export function registerModelRecord(db: Db, record: { name: string; path: string; bytes: number; fingerprint: string; adapter_path?: string | null | undefined }): ModelRow {
  const known = prepared(db, "SELECT * FROM models WHERE fingerprint = ?").get(record.fingerprint) as ModelRow | undefined;
  if (known) return known;
  const unique = uniqueName(db, record.name);
  prepared(db, "INSERT INTO models (name, path, bytes, fingerprint, added_at, adapter_path) VALUES (?, ?, ?, ?, ?, ?)").run(
    unique,
    record.path,
    record.bytes,
    record.fingerprint,
    nowIso(),
    record.adapter_path ?? null,
  );
  return prepared(db, "SELECT * FROM models WHERE name = ?").get(unique) as ModelRow;
}

/**
 * What an export and the audit trail keep of the model behind the values: enough to trace a
 * fine-tune to its base, training set and cluster run (the full lineage stays with the model).
 */
export type ModelProvenance = {
  name: string;
  fingerprint: string;
  adapter: string | null;
  base: { name: string; fingerprint: string; checkpointSha256: string | null } | null;
  dataset: { name: string; origin: string; cardSha256: string } | null;
  job: { where: string; jobId: string; finishedAt: string | null } | null;
  bundleVersion: string | null;
};

export function modelProvenance(model: ModelRow | undefined): ModelProvenance | null {
  if (!model) return null;
  const lineage = modelLineage(model);
  return {
    name: model.name,
    fingerprint: model.fingerprint,
    adapter: model.adapter_path,
    base: lineage?.base ?? null,
    dataset: lineage?.dataset ? { name: lineage.dataset.name, origin: lineage.dataset.origin, cardSha256: lineage.dataset.cardSha256 } : null,
    job: lineage?.job ? { where: lineage.job.where, jobId: lineage.job.jobId, finishedAt: lineage.job.finishedAt } : null,
    bundleVersion: lineage?.bundleVersion ?? null,
  };
}
