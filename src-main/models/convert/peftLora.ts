/**
 * A PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors, as a cloud fine-tune or
 * the cluster bundle saves it) → a GGUF LoRA adapter that node-llama-cpp applies to its base GGUF,
 * without Python. It writes what llama.cpp's convert_lora_to_gguf.py writes for a Llama adapter:
 * the same tensor names, shapes, order and values (A as is, B with the q/k row permutation of
 * the base's weights), the same adapter metadata. Checked against the base GGUF before a byte is
 * written: the architecture, and every A/B pair's shape against the weight it changes.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { loraPairsFit } from "../adapterCheck.ts";
import { GgmlType, f32ToF16Bits, getGgufKv, ggufKv, readGgufFile, writeGgufFile, type GgufFile, type GgufTensorSource } from "../gguf/gguf.ts";
import { llamaGgufName, llamaPermuteHeads, permuteRows } from "./llamaTensors.ts";
import { isFloatDtype, readSafetensors, readTensorF32, type SafetensorsFile, type SafetensorsTensor } from "./safetensors.ts";

export type LoraOutType = "f32" | "f16";

export type PeftLoraConversion = {
  readonly out: string;
  /** A/B pairs written. */
  readonly pairs: number;
  readonly alpha: number;
  /** The ranks found (one unless the config has a rank_pattern). */
  readonly ranks: readonly number[];
  /** PEFT's target_modules as its config lists them. */
  readonly targetModules: readonly string[];
  readonly baseModelNameOrPath: string | null;
};

export class LoraConversionError extends Error {
  override name = "LoraConversionError";
}

/** GGML_QUANT_VERSION, which gguf-py writes into every file it makes. */
const GGML_QUANT_VERSION = 2;
const PREFIX = "base_model.model.";

type PeftConfig = { alpha: number; targetModules: string[]; baseModelNameOrPath: string | null };
type Pair = { target: string; ggufName: string; a?: SafetensorsTensor; b?: SafetensorsTensor };

export async function convertPeftLora(options: { adapterDir: string; basePath: string; out: string; type?: LoraOutType; name?: string }): Promise<PeftLoraConversion> {
  const { adapterDir, basePath, out } = options;
  const type = options.type ?? "f32";
  const config = await readPeftConfig(adapterDir);
  const weightsPath = path.join(adapterDir, "adapter_model.safetensors");
  if (!(await isFile(weightsPath))) {
    const pickle = await isFile(path.join(adapterDir, "adapter_model.bin"));
    throw new LoraConversionError(
      pickle
        ? `${adapterDir} holds adapter_model.bin (a PyTorch pickle), not adapter_model.safetensors: only safetensors is read here, since a pickle can run code when loaded. Save the adapter with safe_serialization=True`
        : `${adapterDir} has no adapter_model.safetensors (a PEFT adapter folder holds adapter_config.json and adapter_model.safetensors)`,
    );
  }
  const weights = await readSafetensors(weightsPath);
  const base = await readBase(basePath);
  const pairs = pairTensors(weights);

  // Checked before writing, pair by pair, so a misfit is named by the adapter's own tensor names.
  const baseShapes = new Map(base.file.tensors.map((tensor) => [tensor.name, tensor.dims]));
  for (const pair of pairs) {
    const { a, b } = pair as Required<Pair>;
    const shapes = new Map([
      [`${pair.ggufName}.lora_a`, [...a.shape].reverse()],
      [`${pair.ggufName}.lora_b`, [...b.shape].reverse()],
    ]);
    const fit = loraPairsFit(shapes, baseShapes);
    if (!fit.ok) {
      const module = `${PREFIX}${pair.target.replace(/\.weight$/, "")}`;
      throw new LoraConversionError(`${weightsPath}: ${module} (lora_A [${a.shape.join(", ")}], lora_B [${b.shape.join(", ")}]) does not fit the base ${basePath}: ${fit.message}`);
    }
  }

  const ggmlType = type === "f16" ? GgmlType.F16 : GgmlType.F32;
  const tensors: GgufTensorSource[] = [];
  for (const pair of pairs) {
    const { a, b } = pair as Required<Pair>;
    const heads = llamaPermuteHeads(pair.target, base.heads);
    tensors.push({ name: `${pair.ggufName}.lora_a`, dims: [...a.shape].reverse(), type: ggmlType, data: async function* () { yield encode(await readTensorF32(weights, a), type); } });
    tensors.push({
      name: `${pair.ggufName}.lora_b`,
      dims: [...b.shape].reverse(),
      type: ggmlType,
      data: async function* () {
        const values = await readTensorF32(weights, b);
        const [rows, cols] = b.shape as [number, number];
        yield encode(heads === null ? values : permuteRows(values, rows, cols, heads), type);
      },
    });
  }
  await writeGgufFile(out, {
    metadata: [
      ggufKv.string("general.architecture", "llama"),
      ggufKv.string("general.type", "adapter"),
      ggufKv.string("adapter.type", "lora"),
      ggufKv.string("general.name", options.name ?? path.basename(path.resolve(adapterDir))),
      ggufKv.f32("adapter.lora.alpha", config.alpha),
      ggufKv.u32("general.quantization_version", GGML_QUANT_VERSION),
    ],
    tensors,
  });
  const ranks = [...new Set(pairs.map((pair) => (pair.a as SafetensorsTensor).shape[0] as number))].sort((x, y) => x - y);
  return { out, pairs: pairs.length, alpha: config.alpha, ranks, targetModules: config.targetModules, baseModelNameOrPath: config.baseModelNameOrPath };
}

async function readPeftConfig(adapterDir: string): Promise<PeftConfig> {
  const file = path.join(adapterDir, "adapter_config.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new LoraConversionError(code === "ENOENT" ? `${adapterDir} has no adapter_config.json: it is not a PEFT adapter folder` : `cannot read ${file}: ${(error as Error).message}`);
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new LoraConversionError(`${file} is not JSON: ${(error as Error).message}`);
  }
  const refuse = (why: string): never => {
    throw new LoraConversionError(`${file}: ${why}`);
  };
  if (raw.peft_type !== undefined && raw.peft_type !== "LORA") refuse(`peft_type is ${JSON.stringify(raw.peft_type)}; only LORA adapters can be converted`);
  if (typeof raw.lora_alpha !== "number" || !(raw.lora_alpha > 0)) refuse(`lora_alpha is ${JSON.stringify(raw.lora_alpha)}, not a positive number`);
  // llama.cpp scales every pair by alpha / rank: these PEFT options scale otherwise, and an adapter
  // converted anyway would run, silently, with the wrong strength.
  if (raw.use_dora === true) refuse("use_dora is true: DoRA adapters have magnitude vectors llama.cpp does not apply");
  if (raw.use_rslora === true) refuse("use_rslora is true: rank-stabilised LoRA scales by alpha/√rank, llama.cpp by alpha/rank");
  if (raw.fan_in_fan_out === true) refuse("fan_in_fan_out is true: that layout is GPT-2's, not Llama's");
  if (isNonEmptyObject(raw.alpha_pattern)) refuse(`alpha_pattern gives some modules their own alpha (${Object.keys(raw.alpha_pattern as object).join(", ")}); a GGUF adapter has one`);
  if (Array.isArray(raw.modules_to_save) && raw.modules_to_save.length > 0) {
    refuse(`modules_to_save (${raw.modules_to_save.join(", ")}) keeps whole trained layers beside the LoRA, which a GGUF adapter cannot hold`);
  }
  const targets = Array.isArray(raw.target_modules) ? raw.target_modules.map(String) : typeof raw.target_modules === "string" ? [raw.target_modules] : [];
  return { alpha: raw.lora_alpha as number, targetModules: targets, baseModelNameOrPath: typeof raw.base_model_name_or_path === "string" ? raw.base_model_name_or_path : null };
}

/** The A/B pairs in convert_lora_to_gguf.py's order: by first appearance in the names' sorted order. */
function pairTensors(weights: SafetensorsFile): Pair[] {
  const pairs = new Map<string, Pair>();
  const names = weights.tensors.map((tensor) => tensor.name).sort();
  for (const name of names) {
    const tensor = weights.tensors.find((t) => t.name === name) as SafetensorsTensor;
    const where = `${weights.path}: tensor ${name}`;
    if (!name.startsWith(PREFIX)) throw new LoraConversionError(`${where} is not a PEFT adapter tensor (names start with "${PREFIX}")`);
    const inner = name.slice(PREFIX.length);
    if (/\.lora_embedding_[AB]$/.test(inner)) throw new LoraConversionError(`${where} is a LoRA on the token embeddings, which this converter does not write`);
    // PEFT may save a targeted layer's frozen weight beside its pair (lm_head does); it is the base's own, as convert_lora_to_gguf.py assumes too.
    if (inner.endsWith(".base_layer.weight")) continue;
    const part = inner.match(/^(.+)\.lora_([AB])\.weight$/);
    if (part === null) throw new LoraConversionError(`${where} is neither a lora_A nor a lora_B weight (a full layer saved with the adapter, or a DoRA magnitude): only LoRA pairs can be converted`);
    const target = `${part[1]}.weight`;
    const ggufName = llamaGgufName(target);
    if (ggufName === null) throw new LoraConversionError(`${where} changes ${target}, which a Llama model has no GGUF tensor for`);
    if (!isFloatDtype(tensor.dtype)) throw new LoraConversionError(`${where} is ${tensor.dtype}; LoRA weights must be F32, F16 or BF16`);
    if (tensor.shape.length !== 2) throw new LoraConversionError(`${where} has shape [${tensor.shape.join(", ")}], not a matrix`);
    const pair = pairs.get(target) ?? { target, ggufName };
    pairs.set(target, pair);
    if (part[2] === "A") pair.a = tensor;
    else pair.b = tensor;
  }
  if (pairs.size === 0) throw new LoraConversionError(`${weights.path} holds no LoRA tensors`);
  for (const pair of pairs.values()) {
    const missing = pair.a === undefined ? "lora_A" : pair.b === undefined ? "lora_B" : null;
    if (missing !== null) throw new LoraConversionError(`${weights.path}: ${PREFIX}${pair.target.replace(/\.weight$/, "")} has no ${missing}.weight (the file is incomplete)`);
    const rank = (pair.a as SafetensorsTensor).shape[0];
    const bRank = (pair.b as SafetensorsTensor).shape[1];
    if (rank !== bRank) throw new LoraConversionError(`${weights.path}: ${PREFIX}${pair.target}'s lora_A has rank ${rank}, its lora_B ${bRank}`);
  }
  return [...pairs.values()];
}

async function readBase(basePath: string): Promise<{ file: GgufFile; heads: { count: number; countKv: number } }> {
  let file: GgufFile;
  try {
    file = await readGgufFile(basePath);
  } catch (error) {
    throw new LoraConversionError(`the base ${basePath} is not a readable GGUF file: ${(error as Error).message}`);
  }
  const kind = getGgufKv(file, "general.type")?.value;
  if (kind === "adapter") throw new LoraConversionError(`the base ${basePath} is itself an adapter: give the GGUF model the adapter was trained on`);
  const architecture = getGgufKv(file, "general.architecture")?.value;
  if (architecture !== "llama") throw new LoraConversionError(`the base ${basePath} is a "${String(architecture ?? "unknown")}" model: only Llama adapters can be converted here`);
  const count = Number(getGgufKv(file, "llama.attention.head_count")?.value);
  const countKv = Number(getGgufKv(file, "llama.attention.head_count_kv")?.value ?? count);
  if (!Number.isInteger(count) || count <= 0 || !Number.isInteger(countKv) || countKv <= 0) {
    throw new LoraConversionError(`the base ${basePath} does not say its attention head counts (llama.attention.head_count)`);
  }
  return { file, heads: { count, countKv } };
}

function encode(values: Float32Array, type: LoraOutType): Uint8Array {
  if (type === "f32") return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const half = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) half[i] = f32ToF16Bits(values[i] as number);
  return new Uint8Array(half.buffer);
}

function isNonEmptyObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && Object.keys(value).length > 0;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
