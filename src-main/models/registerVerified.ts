/**
 * The one way a GGUF (optionally with a LoRA adapter) becomes a registered model, for the CLI,
 * the app and a fetched fine-tune alike: the adapter must fit the base, and the pair must load
 * and generate here, so a broken file is refused now rather than hours into a queued batch.
 */
import { existsSync } from "node:fs";
import { unlink } from "node:fs/promises";
import type { ModelLineage } from "../../src-shared/modelLineage.ts";
import { verifyModel, type VerifyOptions } from "../extract/llama/verifyModel.ts";
import type { Db } from "../store/db.ts";
import { modelFingerprint, registerModel, type ModelRow } from "../store/models.ts";
import { checkAdapterFits } from "./adapterCheck.ts";

export class ModelRefusedError extends Error {}

export type ModelToRegister = { file: string; adapter?: string | undefined; name?: string | undefined; lineage?: ModelLineage | undefined };

export type RegisteredModel = { model: ModelRow; backend: string; loadMs: number; tokensPerSecond: number };

export async function registerVerifiedModel(db: Db, wanted: ModelToRegister, options: Omit<VerifyOptions, "adapterPath"> = {}): Promise<RegisteredModel> {
  const { file, adapter } = wanted;
  if (!existsSync(file)) throw new ModelRefusedError(`no such model file: ${file}`);
  if (adapter !== undefined) {
    if (!existsSync(adapter)) throw new ModelRefusedError(`no such adapter file: ${adapter}`);
    const fits = await checkAdapterFits(file, adapter, { baseFingerprint: modelFingerprint(file), lineage: wanted.lineage });
    if (!fits.ok) throw new ModelRefusedError(`refused ${adapter} on ${file}: ${fits.message}`);
  }
  const verified = await verifyModel(file, { ...options, adapterPath: adapter });
  if (!verified.ok) throw new ModelRefusedError(`refused ${adapter === undefined ? file : `${file} with ${adapter}`}: ${verified.message}`);
  const model = registerModel(db, file, { name: wanted.name, adapter, lineage: wanted.lineage });
  return { model, backend: verified.backend, loadMs: verified.loadMs, tokensPerSecond: verified.tokensPerSecond };
}

/**
 * A file this app has just written (a converted checkpoint or adapter), registered as above; if it
 * is refused it is deleted, so a file nothing can run is not left to be mistaken for a result.
 */
export async function registerWrittenOrRemove(db: Db, wanted: ModelToRegister, written: string): Promise<RegisteredModel> {
  try {
    return await registerVerifiedModel(db, wanted);
  } catch (error) {
    await unlink(written).catch(() => undefined);
    if (error instanceof ModelRefusedError) throw new ModelRefusedError(`${error.message} (nothing registered; ${written} removed)`);
    throw error;
  }
}

/** What a registration's check measured, rounded for a report. */
export function verifiedFigures(registered: RegisteredModel): { backend: string; loadMs: number; tokensPerSecond: number } {
  return { backend: registered.backend, loadMs: Math.round(registered.loadMs), tokensPerSecond: Math.round(registered.tokensPerSecond * 10) / 10 };
}
