import { z } from "zod";
import { ExtractionSettingsSchema } from "./extract.ts";
import { endpoint, id, nonEmpty } from "./endpoint.ts";
import type { ModelLineage } from "../modelLineage.ts";

export { DEFAULT_BASE_MODEL } from "../baseModel.ts";

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

export type ModelDownloadState = "running" | "verifying" | "registered" | "failed" | "cancelled";
/** A base GGUF being brought here (models.download), as this process knows it; kept until the app closes. */
export type ModelDownload = {
  id: number;
  uri: string;
  /** The name asked for (else the file's). */
  name: string | null;
  state: ModelDownloadState;
  downloadedBytes: number;
  /** 0 until the server has said. */
  totalBytes: number;
  /** Average speed since the download (re)started. */
  bytesPerSecond: number;
  /** Why it failed, or what a cancel left (a partial file that the next download of the address resumes). */
  message: string | null;
  /** The file, once all its bytes are here. */
  path: string | null;
  sha256: string | null;
  /** What the SHA-256 was checked against: the one given, the one Hugging Face publishes, or nothing. */
  checkedAgainst: "given" | "hugging-face" | null;
  /** The registered model, once the file passed its size and SHA-256 checks and loaded and generated here. */
  modelId: number | null;
  startedAt: string;
  finishedAt: string | null;
};

/** A GGUF's address: https://… or hf:USER/REPO/FILE.gguf (node-llama-cpp's URI forms). */
const modelUri = z
  .string()
  .trim()
  .max(2000)
  .regex(/^(https:\/\/|hf:)\S+$/, "a GGUF's address: https://… or hf:USER/REPO/FILE.gguf");
const modelName = z.string().trim().min(1).max(120);

export const modelsApi = {
  "models.list": endpoint<ModelSummary[]>()(z.strictObject({})),
  /** Registers a GGUF after loading it once and extracting one test letter. */
  "models.add": endpoint<ModelSummary>()(z.strictObject({ path: nonEmpty, adapterPath: nonEmpty.optional(), name: modelName.optional() })),
  /**
   * Starts downloading a base GGUF into the data folder's models/ (default: DEFAULT_BASE_MODEL) and
   * returns at once; the download is followed with models.downloads. Resumable, size and SHA-256
   * checked (the one given, else Hugging Face's), then registered once it loads and generates here.
   */
  "models.download": endpoint<ModelDownload>()(
    z.strictObject({
      uri: modelUri.optional(),
      sha256: z
        .string()
        .trim()
        .regex(/^[0-9a-fA-F]{64}$/, "64 hexadecimal digits")
        .transform((hex) => hex.toLowerCase())
        .optional(),
      name: modelName.optional(),
    }),
  ),
  /** This process's downloads, newest first. */
  "models.downloads": endpoint<ModelDownload[]>()(z.strictObject({})),
  /** Stops a running download; its partial file stays, so downloading the same address again resumes it. */
  "models.cancelDownload": endpoint<ModelDownload>()(z.strictObject({ id })),
  "models.hardware": endpoint<HardwareInfo>()(z.strictObject({})),
  "models.estimate": endpoint<ModelEstimate>()(
    z.strictObject({ modelId: id, ...ExtractionSettingsSchema.pick({ parallel: true, contextSize: true }).partial().shape }),
  ),
} as const;
