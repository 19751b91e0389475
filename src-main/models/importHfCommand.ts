/**
 * `models import-hf DIR`: a merged Llama checkpoint brought home (a cloud fine-tune's export) →
 * a GGUF model (our converter, no Python) → registered as `models add` does, once it loads and
 * generates here.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { formatBytes } from "../../src-shared/formatBytes.ts";
import { CliError, EXIT, type Reporter } from "../cliKit/reporter.ts";
import type { Db } from "../store/db.ts";
import { convertHfLlama, type CheckpointOutType } from "./convert/hfToGguf.ts";
import { HfCheckpointError } from "./convert/hfCheckpoint.ts";
import { SafetensorsError } from "./convert/safetensors.ts";
import { ModelRefusedError, registerWrittenOrRemove, verifiedFigures } from "./registerVerified.ts";

export type ImportHfFlags = { name?: string | undefined; out?: string | undefined; type?: string | undefined };

export async function modelsImportHfCommand(db: Db, dataDir: string, dir: string, flags: ImportHfFlags, reporter: Reporter): Promise<number> {
  const type = flags.type ?? "q8_0";
  if (type !== "f16" && type !== "q8_0") throw new CliError(`--type ${type}: f16 or q8_0`);
  if (!existsSync(dir)) throw new CliError(`${dir}: no such folder`);
  const name = flags.name ?? path.basename(path.resolve(dir));
  const out = path.resolve(flags.out ?? path.join(dataDir, "models", `${name.replace(/[^\w.-]+/g, "_")}.${type}.gguf`));
  if (existsSync(out)) throw new CliError(`${out} already exists: give another --out (or --name), or remove it`);
  await mkdir(path.dirname(out), { recursive: true });

  reporter.progress(`Converting the checkpoint in ${dir} to ${type.toUpperCase()} at ${out}...`);
  const started = performance.now();
  let converted;
  try {
    converted = await convertHfLlama({ dir, out, type: type as CheckpointOutType, name });
  } catch (error) {
    if (error instanceof HfCheckpointError || error instanceof SafetensorsError) throw new CliError(error.message);
    throw error;
  }
  const seconds = (performance.now() - started) / 1000;
  reporter.progress(`Wrote ${converted.tensors} tensors (${formatBytes(converted.bytes)}) in ${seconds.toFixed(1)} s. Checking that it loads and generates...`);
  let registered;
  try {
    registered = await registerWrittenOrRemove(db, { file: out, name }, out);
  } catch (error) {
    if (error instanceof ModelRefusedError) throw new CliError(error.message);
    throw error;
  }
  const { model, backend, loadMs, tokensPerSecond } = registered;
  reporter.event(
    {
      type: "hf-imported",
      path: out,
      tensors: converted.tensors,
      bytes: converted.bytes,
      seconds: Math.round(seconds * 10) / 10,
      model: { ...model, verified: verifiedFigures(registered) },
    },
    `Wrote ${out} (${formatBytes(converted.bytes)}, ${type.toUpperCase()}) in ${seconds.toFixed(1)} s and registered model "${model.name}": loaded in ${(loadMs / 1000).toFixed(1)} s on ${backend}, ${tokensPerSecond.toFixed(1)} tokens/s`,
  );
  return EXIT.ok;
}
