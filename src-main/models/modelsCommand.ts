import { existsSync } from "node:fs";
import { formatBytes } from "../../src-shared/formatBytes.ts";
import type { Db } from "../store/db.ts";
import { findModel, isServerModel, listModels, registerModel, type ModelRow } from "../store/models.ts";
import { verifyModel } from "../extract/llama/verifyModel.ts";
import { CliError, EXIT, type Reporter } from "../cliKit/reporter.ts";

/** Registers a GGUF only after it loaded and generated here: a broken file is refused now, not mid-batch. */
export async function modelsAddCommand(db: Db, file: string, name: string | undefined, reporter: Reporter): Promise<number> {
  if (!existsSync(file)) throw new CliError(`no such model file: ${file}`);
  reporter.progress(`Checking that ${file} loads and generates...`);
  const verified = await verifyModel(file);
  if (!verified.ok) throw new CliError(`refused ${file}: ${verified.message}`);
  const model = registerModel(db, file, name);
  const { backend, loadMs, tokensPerSecond } = verified;
  reporter.event(
    { type: "model", ...model, verified: { backend, loadMs: Math.round(loadMs), tokensPerSecond: Math.round(tokensPerSecond * 10) / 10 } },
    `Registered model "${model.name}" (${formatBytes(model.bytes)}) at ${model.path}: loaded in ${(loadMs / 1000).toFixed(1)} s on ${backend}, ${tokensPerSecond.toFixed(1)} tokens/s`,
  );
  return EXIT.ok;
}

export function modelsListCommand(db: Db, reporter: Reporter): number {
  const models = listModels(db);
  if (models.length === 0) reporter.event({ type: "empty" }, "No models registered. Add one: oncotimeline models add FILE.gguf");
  for (const model of models) {
    const missing = isServerModel(model) || existsSync(model.path) ? "" : "  (file missing)";
    reporter.event({ type: "model", ...model, missing: missing !== "" }, `${model.name}\t${formatBytes(model.bytes)}\t${model.path}${missing}`);
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
