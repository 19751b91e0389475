/**
 * Sizing the local engine from free memory. The numbers come from node-llama-cpp's own estimates
 * (GgufInsights), so what the app promises matches what the loader will accept; the planning
 * itself is pure arithmetic, tested without a model.
 */
import os from "node:os";
import { getLlama, GgufInsights, InsufficientMemoryError, readGgufFileInfo, type Llama } from "node-llama-cpp";
import type { HardwareInfo, ModelEstimate } from "../../../src-shared/api.ts";

/** The shape the worker loads: what the back-off reduces, step by step. */
export type EngineShape = {
  /** Sequences (letters in flight). */
  parallel: number;
  /** Tokens of context per sequence. */
  contextSize: number;
  /** Model layers on the GPU; "auto": node-llama-cpp fits as many as free VRAM allows. */
  gpuLayers: number | "auto";
  gpu: boolean;
};

/** What node-llama-cpp throws when an allocation (or its own estimate of one) does not fit. */
export function isMemoryError(error: unknown): boolean {
  // InsufficientMemoryError keeps the name "Error", and its messages say "RAM" / "VRAM".
  if (error instanceof InsufficientMemoryError) return true;
  return error instanceof Error && (error.name === "InsufficientMemoryError" || /memory|allocate|\bV?RAM\b/i.test(error.message));
}

/** A reduced shape and one human line saying what was given up. */
export type Reduction = { shape: EngineShape; note: string };

/**
 * The next smaller shape after a failed allocation, in the order that costs throughput least per
 * byte saved: fewer sequences (each holds its own KV cache), then a smaller context (never below
 * what one letter needs), then fewer GPU layers (slower per token), then the CPU. `stage` says
 * what failed: when the model itself did not fit, sequences and context cannot help.
 * null: nothing left to give up.
 */
export function nextReduction(shape: EngineShape, stage: "model" | "context", minContextSize: number): Reduction | null {
  if (stage === "context" && shape.parallel > 1) {
    const parallel = Math.floor(shape.parallel / 2);
    return { shape: { ...shape, parallel }, note: `sequences ${shape.parallel} → ${parallel}` };
  }
  if (stage === "context" && shape.contextSize > minContextSize) {
    const contextSize = Math.max(minContextSize, Math.floor(shape.contextSize / 2));
    return { shape: { ...shape, contextSize }, note: `context ${shape.contextSize} → ${contextSize} tokens per sequence` };
  }
  // "auto" already fitted the layers to free VRAM: when that did not fit, only the CPU is left.
  if (shape.gpu && typeof shape.gpuLayers === "number" && shape.gpuLayers > 1) {
    const gpuLayers = Math.floor(shape.gpuLayers / 2);
    return { shape: { ...shape, gpuLayers }, note: `GPU layers ${shape.gpuLayers} → ${gpuLayers}` };
  }
  if (shape.gpu) return { shape: { ...shape, gpu: false, gpuLayers: 0 }, note: "GPU → CPU (nothing fitted in video memory)" };
  return null;
}

/** What a shape costs, as a linear model fitted from node-llama-cpp's estimates. */
export type MemoryModel = {
  totalLayers: number;
  /** Weights of all layers. */
  modelBytes: number;
  /** KV cache and compute buffers per token of context, all layers together. */
  bytesPerToken: number;
  /** Per context, whatever its size (graph, scratch). */
  contextOverheadBytes: number;
};

export type MemoryFree = { vramFree: number | null; ramFree: number };

/** Bytes a shape needs in VRAM and RAM: each layer's share of weights and KV goes where the layer is. */
export function shapeCost(memory: MemoryModel, shape: { parallel: number; contextSize: number; gpuLayers: number }): { vram: number; ram: number } {
  const onGpu = memory.totalLayers === 0 ? 0 : Math.min(shape.gpuLayers, memory.totalLayers) / memory.totalLayers;
  const weightsAndKv = memory.modelBytes + memory.bytesPerToken * shape.contextSize * shape.parallel;
  const vram = onGpu > 0 ? weightsAndKv * onGpu + memory.contextOverheadBytes : 0;
  return { vram, ram: weightsAndKv * (1 - onGpu) + (onGpu > 0 ? 0 : memory.contextOverheadBytes) };
}

/** The most layers that fit in free VRAM at this parallel × context (0 without a GPU). */
export function layersThatFit(memory: MemoryModel, free: MemoryFree, parallel: number, contextSize: number): number {
  if (free.vramFree === null) return 0;
  for (let layers = memory.totalLayers; layers > 0; layers--) {
    if (shapeCost(memory, { parallel, contextSize, gpuLayers: layers }).vram <= free.vramFree) return layers;
  }
  return 0;
}

export type PlannedShape = { shape: EngineShape & { gpuLayers: number }; reductions: string[]; fits: boolean; vram: number; ram: number };

/**
 * The shape to load for the requested one, reduced in the back-off's order until it fits.
 * Pure: the worker still backs off for real, because estimates are estimates.
 */
export function planEngineShape(
  memory: MemoryModel,
  free: MemoryFree,
  requested: { parallel: number; contextSize: number; gpuLayers?: number; minContextSize: number },
): PlannedShape {
  const gpu = free.vramFree !== null;
  let shape: EngineShape & { gpuLayers: number } = {
    parallel: requested.parallel,
    contextSize: requested.contextSize,
    gpuLayers: gpu ? Math.min(requested.gpuLayers ?? memory.totalLayers, memory.totalLayers) : 0,
    gpu,
  };
  const reductions: string[] = [];
  const fits = (candidate: typeof shape) => {
    const cost = shapeCost(memory, candidate);
    return cost.vram <= (free.vramFree ?? 0) && cost.ram <= free.ramFree;
  };
  while (!fits(shape)) {
    const step = nextReduction(shape, "context", requested.minContextSize);
    if (!step) break;
    let next = { ...step.shape, gpuLayers: step.shape.gpuLayers === "auto" ? 0 : step.shape.gpuLayers };
    let note = step.note;
    if (next.gpu && next.gpuLayers !== shape.gpuLayers) {
      // Halving layers overshoots: take the most that fit at this parallel × context instead.
      const fit = Math.min(shape.gpuLayers - 1, layersThatFit(memory, free, shape.parallel, shape.contextSize));
      next = fit > 0 ? { ...next, gpuLayers: fit } : { ...next, gpu: false, gpuLayers: 0 };
      note = fit > 0 ? `GPU layers ${shape.gpuLayers} → ${fit}` : "GPU → CPU";
    }
    const cost = shapeCost(memory, shape);
    const where = gpu && cost.vram > (free.vramFree ?? 0) ? `${formatGiB(free.vramFree ?? 0)} free VRAM` : `${formatGiB(free.ramFree)} free RAM`;
    reductions.push(`${note} to fit ${where}`);
    shape = next;
  }
  const cost = shapeCost(memory, shape);
  return { shape, reductions, fits: fits(shape), vram: cost.vram, ram: cost.ram };
}

export function formatGiB(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

function backendOf(llama: Llama): string {
  return llama.gpu === false ? "cpu" : llama.gpu;
}

let sharedLlama: Promise<Llama> | undefined;

/** A Llama with the best backend this machine has (prebuilt binaries only; never builds). */
function defaultLlama(): Promise<Llama> {
  sharedLlama ??= getLlama({ gpu: "auto", build: "never", logLevel: "error" as never });
  return sharedLlama;
}

/** What node-llama-cpp would run on here, and how much memory is free for it. */
export async function hardwareInfo(llama?: Llama): Promise<HardwareInfo> {
  const engine = llama ?? (await defaultLlama());
  const gpu = engine.gpu !== false;
  const vram = gpu ? await engine.getVramState() : null;
  const names = gpu ? await engine.getGpuDeviceNames() : [];
  return {
    backend: backendOf(engine),
    gpuName: names.length > 0 ? names.join(", ") : null,
    vramTotal: vram?.total ?? null,
    vramFree: vram?.free ?? null,
    ramTotal: os.totalmem(),
    ramFree: os.freemem(),
    cpuCores: os.availableParallelism(),
  };
}

/** Fits the linear memory model to node-llama-cpp's estimates for this file. */
export function memoryModelOf(insights: GgufInsights, contextSize: number): MemoryModel {
  const totalLayers = insights.totalLayers;
  // The estimates are per layer placement; read them all-on-CPU so the sum is the whole cost.
  // The deprecated (non-V2) estimators on purpose: V2 loads the model to measure, these are arithmetic.
  const model = insights.estimateModelResourceRequirements({ gpuLayers: 0 });
  // Two sizes separate the per-token cost from the fixed per-context overhead.
  const small = Math.max(512, Math.floor(contextSize / 2));
  const at = (size: number) => {
    const cost = insights.estimateContextResourceRequirements({ contextSize: size, modelGpuLayers: 0, sequences: 1 });
    return cost.cpuRam + cost.gpuVram;
  };
  const big = Math.max(contextSize, small + 512);
  const bytesPerToken = Math.max(0, (at(big) - at(small)) / (big - small));
  return {
    totalLayers,
    modelBytes: model.cpuRam + model.gpuVram,
    bytesPerToken,
    contextOverheadBytes: Math.max(0, at(small) - bytesPerToken * small),
  };
}

/**
 * What loading this model with `parallel` sequences of `contextSize` would take here, for the
 * model screen: how many layers fit on the GPU, the bytes, and what would have to give.
 */
export async function estimateModel(
  modelPath: string,
  options: { parallel: number; contextSize: number; gpu: boolean; llama?: Llama },
): Promise<Omit<ModelEstimate, "modelId">> {
  const llama = options.llama ?? (await defaultLlama());
  const insights = await GgufInsights.from(await readGgufFileInfo(modelPath), llama);
  const memory = memoryModelOf(insights, options.contextSize);
  const hardware = await hardwareInfo(llama);
  const free: MemoryFree = { vramFree: options.gpu ? hardware.vramFree : null, ramFree: hardware.ramFree };
  const gpuLayers = layersThatFit(memory, free, options.parallel, options.contextSize);
  const cost = shapeCost(memory, { parallel: options.parallel, contextSize: options.contextSize, gpuLayers });
  const notes: string[] = [];
  if (free.vramFree === null) notes.push(options.gpu ? "no GPU found: runs on the CPU" : "GPU off: runs on the CPU");
  else if (gpuLayers < memory.totalLayers) notes.push(`only ${gpuLayers} of ${memory.totalLayers} layers fit in ${formatGiB(free.vramFree)} free VRAM`);
  const fits = cost.ram <= free.ramFree && cost.vram <= (free.vramFree ?? 0);
  if (!fits) {
    const plan = planEngineShape(memory, free, { parallel: options.parallel, contextSize: options.contextSize, minContextSize: Math.min(options.contextSize, 2048) });
    notes.push(`does not fit as asked (${formatGiB(cost.ram)} RAM needed, ${formatGiB(free.ramFree)} free)`);
    notes.push(...plan.reductions.map((line) => `would load with ${line}`));
  }
  return { totalLayers: memory.totalLayers, gpuLayers, vramBytes: cost.vram, ramBytes: cost.ram, contextSize: options.contextSize, parallel: options.parallel, fits, notes };
}
