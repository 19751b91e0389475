/**
 * `models import-lora DIR --base MODEL`: a PEFT adapter brought home from a cloud fine-tune →
 * a GGUF LoRA (our converter, no Python) → registered on its base as `models add --adapter` does,
 * once the pair loads and generates here.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { formatBytes } from "../../src-shared/formatBytes.ts";
import type { ModelLineage } from "../../src-shared/modelLineage.ts";
import { fileSha256 } from "../base/atomicFile.ts";
import { CliError, EXIT, type Reporter } from "../cliKit/reporter.ts";
import type { Db } from "../store/db.ts";
import { findModel, isServerModel, modelFingerprint, modelLineage } from "../store/models.ts";
import { convertPeftLora, LoraConversionError, type LoraOutType } from "./convert/peftLora.ts";
import { SafetensorsError } from "./convert/safetensors.ts";
import { GgufFormatError } from "./gguf/gguf.ts";
import { ModelRefusedError, registerWrittenOrRemove, verifiedFigures } from "./registerVerified.ts";

export type ImportLoraFlags = { base: string; name?: string | undefined; out?: string | undefined; type?: string | undefined };

export async function modelsImportLoraCommand(db: Db, dataDir: string, dir: string, flags: ImportLoraFlags, reporter: Reporter): Promise<number> {
  const type = flags.type ?? "f32";
  if (type !== "f32" && type !== "f16") throw new CliError(`--type ${type}: f32 (as llama.cpp's converter writes by default) or f16`);
  if (!existsSync(dir)) throw new CliError(`${dir}: no such folder`);
  const base = resolveBase(db, flags.base);
  const name = flags.name ?? path.basename(path.resolve(dir));
  const out = path.resolve(flags.out ?? path.join(dataDir, "models", `${name.replace(/[^\w.-]+/g, "_")}.lora-${type}.gguf`));
  if (existsSync(out)) throw new CliError(`${out} already exists: give another --out (or --name), or remove it`);
  await mkdir(path.dirname(out), { recursive: true });

  reporter.progress(`Converting the PEFT adapter in ${dir} for ${base.path} to ${out}...`);
  let converted;
  try {
    converted = await convertPeftLora({ adapterDir: dir, basePath: base.path, out, type: type as LoraOutType, name });
  } catch (error) {
    if (error instanceof LoraConversionError || error instanceof SafetensorsError || error instanceof GgufFormatError) throw new CliError(error.message);
    throw error;
  }

  const lineage: ModelLineage = {
    base: { name: base.name, fingerprint: modelFingerprint(base.path), checkpointSha256: null },
    dataset: null,
    recipe: {
      source: "peft-lora",
      ranks: converted.ranks,
      lora_alpha: converted.alpha,
      target_modules: converted.targetModules,
      base_model_name_or_path: converted.baseModelNameOrPath,
      adapterSha256: fileSha256(path.join(dir, "adapter_model.safetensors")),
    },
    job: null,
    training: null,
    bundleVersion: null,
    llamaCppCommit: null,
  };
  reporter.progress(`Checking that ${base.path} with the adapter loads and generates...`);
  let registered;
  try {
    registered = await registerWrittenOrRemove(db, { file: base.path, adapter: out, name, lineage }, out);
  } catch (error) {
    if (error instanceof ModelRefusedError) throw new CliError(error.message);
    throw error;
  }
  const { model, backend, loadMs, tokensPerSecond } = registered;
  reporter.event(
    {
      type: "lora-imported",
      path: out,
      pairs: converted.pairs,
      alpha: converted.alpha,
      ranks: converted.ranks,
      model: { ...model, lineage: modelLineage(model), verified: verifiedFigures(registered) },
    },
    `Wrote ${out} (${converted.pairs} LoRA pairs, rank ${converted.ranks.join("/")}, alpha ${converted.alpha}) and registered model "${model.name}" (${formatBytes(model.bytes)}): ${model.path} + adapter, loaded in ${(loadMs / 1000).toFixed(1)} s on ${backend}, ${tokensPerSecond.toFixed(1)} tokens/s`,
  );
  return EXIT.ok;
}

/** `--base` is a registered model's name or a GGUF path, as `models add FILE --adapter` takes. */
function resolveBase(db: Db, nameOrFile: string): { name: string; path: string } {
  const named = findModel(db, nameOrFile);
  if (named) {
    if (isServerModel(named)) throw new CliError(`--base ${nameOrFile}: that model runs on a server; give the GGUF the adapter was trained on`);
    if (named.adapter_path !== null) throw new CliError(`--base ${nameOrFile}: that model already has an adapter (${named.adapter_path}); name its base GGUF instead`);
    return { name: named.name, path: named.path };
  }
  if (existsSync(nameOrFile)) return { name: path.basename(nameOrFile).replace(/\.gguf$/i, ""), path: path.resolve(nameOrFile) };
  throw new CliError(`--base ${nameOrFile}: no registered model of that name and no such file`);
}
