/**
 * Whether a LoRA adapter GGUF can run on a base GGUF, answered from the two files' headers before
 * anything loads: llama.cpp would refuse a mismatch only with "tensor has incorrect shape", or
 * not at all when the shapes agree but the weights are another checkpoint's (hence the lineage).
 */
import { readGgufFileInfo, type GgufFileInfo } from "node-llama-cpp";
import type { ModelLineage } from "../../src-shared/modelLineage.ts";

export type AdapterVerdict = { ok: true; tensors: number; alpha: number | null } | { ok: false; message: string };

type Shapes = ReadonlyMap<string, readonly number[]>;

export async function checkAdapterFits(basePath: string, adapterPath: string, context: { baseFingerprint: string; lineage?: ModelLineage | null | undefined }): Promise<AdapterVerdict> {
  let adapter: GgufFileInfo;
  let base: GgufFileInfo;
  try {
    adapter = await readGgufFileInfo(adapterPath, { readTensorInfo: true });
  } catch (error) {
    return { ok: false, message: `${adapterPath} is not a readable GGUF file: ${(error as Error).message}` };
  }
  const meta = adapter.metadata as Record<string, Record<string, unknown> | undefined>;
  const general = meta.general ?? {};
  const adapterMeta = meta.adapter ?? {};
  if (general.type !== "adapter" || adapterMeta.type !== "lora") {
    return { ok: false, message: `${adapterPath} is not a LoRA adapter (general.type "${String(general.type ?? "model")}", adapter.type "${String(adapterMeta.type ?? "none")}"): register a whole model with models add FILE` };
  }
  // Recorded at training: the workstation base must be the one the dataset and run were made for.
  const trainedFor = context.lineage?.base;
  if (trainedFor && trainedFor.fingerprint !== context.baseFingerprint) {
    return { ok: false, message: `the adapter was trained for base "${trainedFor.name}" (fingerprint ${trainedFor.fingerprint}), not this base (fingerprint ${context.baseFingerprint}): register it on the base it was trained on` };
  }
  try {
    base = await readGgufFileInfo(basePath, { readTensorInfo: true });
  } catch (error) {
    return { ok: false, message: `${basePath} is not a readable GGUF file: ${(error as Error).message}` };
  }
  const baseArchitecture = String((base.metadata as Record<string, Record<string, unknown> | undefined>).general?.architecture ?? "unknown");
  if (general.architecture !== baseArchitecture) {
    return { ok: false, message: `the adapter is for a "${String(general.architecture)}" model, the base is "${baseArchitecture}"` };
  }
  const baseShapes: Shapes = new Map((base.fullTensorInfo ?? base.tensorInfo ?? []).map((tensor) => [tensor.name, tensor.dimensions.map(Number)]));
  const adapterShapes: Shapes = new Map((adapter.fullTensorInfo ?? adapter.tensorInfo ?? []).map((tensor) => [tensor.name, tensor.dimensions.map(Number)]));
  const fit = loraPairsFit(adapterShapes, baseShapes);
  if (!fit.ok) return fit;
  if (fit.pairs === 0) return { ok: false, message: `${adapterPath} holds no LoRA tensors` };
  // node-llama-cpp nests metadata keys at their dots: adapter.lora.alpha is adapter → lora → alpha.
  const alpha = (adapterMeta.lora as { alpha?: unknown } | undefined)?.alpha;
  return { ok: true, tensors: fit.pairs, alpha: typeof alpha === "number" ? alpha : null };
}

/**
 * Whether each `X.lora_a`/`X.lora_b` pair fits the base's `X`, from GGUF shapes (innermost
 * dimension first). The converter asks this before it writes a file.
 */
export function loraPairsFit(adapterShapes: Shapes, baseShapes: Shapes): { ok: true; pairs: number } | { ok: false; message: string } {
  let pairs = 0;
  for (const [name, a] of adapterShapes) {
    if (!name.endsWith(".lora_a")) continue;
    const target = name.slice(0, -".lora_a".length);
    const b = adapterShapes.get(`${target}.lora_b`);
    const weight = baseShapes.get(target);
    if (!b) return { ok: false, message: `the adapter's ${name} has no matching ${target}.lora_b` };
    if (!weight) return { ok: false, message: `the adapter changes ${target}, which the base does not have (a different model size or family)` };
    // GGUF lists dimensions innermost first: a weight is [inputs, outputs], A is [inputs, rank], B is [rank, outputs].
    if (a[0] !== weight[0] || b[1] !== weight[1] || a[1] !== b[0]) {
      return { ok: false, message: `the adapter's ${target} is ${a[0]}→${b[1]} (rank ${a[1]}), the base's is ${weight[0]}→${weight[1]}: it was trained on a model of other dimensions` };
    }
    pairs++;
  }
  return { ok: true, pairs };
}
