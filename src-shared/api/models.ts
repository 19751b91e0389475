import { z } from "zod";
import { ExtractionSettingsSchema } from "./extract.ts";
import { endpoint, id, nonEmpty } from "./endpoint.ts";
import type { ModelLineage } from "../modelLineage.ts";

export type ModelSummary = {
  id: number;
  name: string;
  path: string;
  bytes: number;
  addedAt: string;
  /** An on-premise inference server rather than a GGUF file. */
  server: boolean;
  /** A LoRA adapter GGUF applied on `path` (a fine-tune of that base); null for a base alone. */
  adapterPath: string | null;
  lineage: ModelLineage | null;
};
export type HardwareInfo = {
  /** What node-llama-cpp would use: cuda | vulkan | metal | cpu. */
  backend: string;
  gpuName: string | null;
  vramTotal: number | null;
  vramFree: number | null;
  ramTotal: number;
  ramFree: number;
  cpuCores: number;
};
export type ModelEstimate = {
  modelId: number;
  totalLayers: number;
  /** Layers that fit on the GPU at these settings (0 on a CPU). */
  gpuLayers: number;
  vramBytes: number;
  ramBytes: number;
  contextSize: number;
  parallel: number;
  fits: boolean;
  notes: string[];
};

export const modelsApi = {
  "models.list": endpoint<ModelSummary[]>()(z.strictObject({})),
  /** Registers a GGUF after loading it once and extracting one test letter. */
  "models.add": endpoint<ModelSummary>()(z.strictObject({ path: nonEmpty, adapterPath: nonEmpty.optional(), name: z.string().trim().min(1).max(120).optional() })),
  "models.hardware": endpoint<HardwareInfo>()(z.strictObject({})),
  "models.estimate": endpoint<ModelEstimate>()(
    z.strictObject({ modelId: id, ...ExtractionSettingsSchema.pick({ parallel: true, contextSize: true }).partial().shape }),
  ),
} as const;
