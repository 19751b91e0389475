import { existsSync } from "node:fs";
import path from "node:path";
import { formatBytes } from "../../src-shared/formatBytes.ts";
import type { Db } from "../store/db.ts";
import { findModel, isServerModel, listModels, modelFingerprint, modelLineage, registerModel, type ModelRow } from "../store/models.ts";
import { checkAdapterFits } from "./adapterCheck.ts";
import { DEFAULT_BASE_MODEL, DownloadError, downloadModel } from "./downloadModel.ts";
import { ModelRefusedError, registerVerifiedModel } from "./registerVerified.ts";
import { CliError, EXIT, type Reporter } from "../cliKit/reporter.ts";

/** Registers a GGUF only after it loaded and generated here: a broken file is refused now, not mid-batch. */
export async function modelsAddCommand(db: Db, file: string, flags: { name?: string | undefined; adapter?: string | undefined }, reporter: Reporter): Promise<number> {
  reporter.progress(`Checking that ${flags.adapter === undefined ? file : `${file} with the adapter ${flags.adapter}`} loads and generates...`);
  let registered;
  try {
    registered = await registerVerifiedModel(db, { file, adapter: flags.adapter, name: flags.name });
  } catch (error) {
    if (error instanceof ModelRefusedError) throw new CliError(error.message);
    throw error;
  }
  const { model, backend, loadMs, tokensPerSecond } = registered;
  const where = model.adapter_path === null ? model.path : `${model.path} + adapter ${model.adapter_path}`;
  reporter.event(
    { type: "model", ...model, lineage: modelLineage(model), verified: { backend, loadMs: Math.round(loadMs), tokensPerSecond: Math.round(tokensPerSecond * 10) / 10 } },
    `Registered model "${model.name}" (${formatBytes(model.bytes)}) at ${where}: loaded in ${(loadMs / 1000).toFixed(1)} s on ${backend}, ${tokensPerSecond.toFixed(1)} tokens/s`,
  );
  return EXIT.ok;
}

export function modelsListCommand(db: Db, reporter: Reporter): number {
  const models = listModels(db);
  if (models.length === 0) reporter.event({ type: "empty" }, "No models registered. Add one: oncotimeline models add FILE.gguf");
  for (const model of models) {
    const missing = isServerModel(model) || existsSync(model.path) ? "" : "  (file missing)";
    const adapter = model.adapter_path === null ? "" : ` + ${model.adapter_path}`;
    reporter.event({ type: "model", ...model, lineage: modelLineage(model), missing: missing !== "" }, `${model.name}\t${formatBytes(model.bytes)}\t${model.path}${adapter}${missing}`);
  }
  return EXIT.ok;
}

/** `--model` takes a registered name or a GGUF path (registered on first use). */
export function resolveModel(db: Db, nameOrFile: string | undefined): ModelRow {
  if (nameOrFile === undefined) {
    const models = listModels(db);
    if (models.length === 1) return models[0] as ModelRow;
    throw new CliError(
      models.length === 0
        ? "no model: pass --model FILE.gguf (or register one with: oncotimeline models add FILE.gguf)"
        : `several models registered (${models.map((m) => m.name).join(", ")}): choose one with --model`,
    );
  }
  const named = findModel(db, nameOrFile);
  if (named) return named;
  if (existsSync(nameOrFile)) return registerModel(db, nameOrFile);
  throw new CliError(`--model ${nameOrFile}: no registered model of that name and no such file`);
}

/**
 * `--model FILE|NAME --adapter FILE`: the base with a LoRA adapter, registered as its own model
 * once the adapter's header shows it fits the base (loading it is the engine's start).
 */
export async function resolveAdapterModel(db: Db, nameOrFile: string | undefined, adapter: string): Promise<ModelRow> {
  const base = resolveModel(db, nameOrFile);
  if (isServerModel(base)) throw new CliError(`--adapter: model "${base.name}" runs on a server, which loads its own adapters`);
  if (base.adapter_path !== null) throw new CliError(`--adapter: model "${base.name}" already has an adapter (${base.adapter_path}); name its base GGUF instead`);
  if (!existsSync(adapter)) throw new CliError(`--adapter ${adapter}: no such file`);
  const fits = await checkAdapterFits(base.path, adapter, { baseFingerprint: modelFingerprint(base.path) });
  if (!fits.ok) throw new CliError(`--adapter ${adapter}: ${fits.message}`);
  return registerModel(db, base.path, { adapter });
}

/** `models get [URI]`: download (resumable), check, verify, register; the default base names its licence first. */
export async function modelsGetCommand(db: Db, dataDir: string, uri: string | undefined, flags: { sha256?: string; name?: string; dir?: string }, reporter: Reporter): Promise<number> {
  if (flags.sha256 !== undefined && !/^[0-9a-f]{64}$/i.test(flags.sha256)) throw new CliError(`--sha256 ${flags.sha256}: 64 hexadecimal digits`);
  const wanted = uri ?? DEFAULT_BASE_MODEL.uri;
  if (uri === undefined) reporter.progress(`Downloading the default base model ${wanted} (about ${formatBytes(DEFAULT_BASE_MODEL.approxBytes)}), licensed under the ${DEFAULT_BASE_MODEL.licence}.`);
  let last = 0;
  let downloaded;
  try {
    downloaded = await downloadModel({
      uri: wanted,
      dir: flags.dir ?? path.join(dataDir, "models"),
      sha256: flags.sha256,
      token: process.env.HF_TOKEN,
      onProgress: ({ downloadedBytes, totalBytes, bytesPerSecond }) => {
        // One line per tenth, not per chunk: a 5 GB file would otherwise print thousands.
        const tenth = totalBytes > 0 ? Math.floor((downloadedBytes / totalBytes) * 10) : 0;
        if (tenth === last) return;
        last = tenth;
        reporter.progress(`  ${formatBytes(downloadedBytes)} of ${formatBytes(totalBytes)} (${formatBytes(bytesPerSecond)}/s)`);
      },
    });
  } catch (error) {
    if (error instanceof DownloadError) throw new CliError(error.message);
    throw new CliError(`download of ${wanted} stopped: ${(error as Error).message} (run the same command again to resume it)`);
  }
  reporter.event({ type: "downloaded", ...downloaded }, `Downloaded ${downloaded.path} (${formatBytes(downloaded.bytes)}), SHA-256 ${downloaded.sha256}${downloaded.checkedAgainst === null ? " (no expected hash to check against: give --sha256)" : `, as ${downloaded.checkedAgainst === "given" ? "given" : "Hugging Face publishes it"}`}.`);
  return modelsAddCommand(db, downloaded.path, { name: flags.name }, reporter);
}
