import { describe, expect, it } from "vitest";
import { isMemoryError, layersThatFit, nextReduction, planEngineShape, shapeCost, type EngineShape, type MemoryModel } from "../../src-main/extract/llama/sizing.ts";

const GiB = 2 ** 30;

/** Llama-3.1-8B Q4_K_M: 32 layers, 4.9 GB of weights, f16 KV of 8 heads × 128 × 2 × 2 bytes × 32 layers. */
const LLAMA_8B: MemoryModel = { totalLayers: 32, modelBytes: 4.9e9, bytesPerToken: 131072, contextOverheadBytes: 0.5 * GiB };

describe("the out-of-memory back-off order", () => {
  it("halves sequences, then context (not below the minimum), then GPU layers, then falls back to the CPU, then gives up", () => {
    let shape: EngineShape = { parallel: 4, contextSize: 8192, gpuLayers: 32, gpu: true };
    const notes: string[] = [];
    for (let step = nextReduction(shape, "context", 3000); step; step = nextReduction(shape, "context", 3000)) {
      notes.push(step.note);
      shape = step.shape;
    }
    expect(notes).toEqual([
      "sequences 4 → 2",
      "sequences 2 → 1",
      "context 8192 → 4096 tokens per sequence",
      "context 4096 → 3000 tokens per sequence",
      "GPU layers 32 → 16",
      "GPU layers 16 → 8",
      "GPU layers 8 → 4",
      "GPU layers 4 → 2",
      "GPU layers 2 → 1",
      "GPU → CPU (nothing fitted in video memory)",
    ]);
    expect(shape).toEqual({ parallel: 1, contextSize: 3000, gpuLayers: 0, gpu: false });
  });

  it("when the model itself does not fit, sequences and context cannot help: layers go first", () => {
    const shape: EngineShape = { parallel: 8, contextSize: 8192, gpuLayers: 20, gpu: true };
    expect(nextReduction(shape, "model", 2048)).toEqual({ shape: { ...shape, gpuLayers: 10 }, note: "GPU layers 20 → 10" });
  });

  it("layers node-llama-cpp fitted itself ('auto') are not halved: the CPU is next", () => {
    expect(nextReduction({ parallel: 1, contextSize: 2048, gpuLayers: "auto", gpu: true }, "model", 2048)?.note).toBe("GPU → CPU (nothing fitted in video memory)");
  });

  it("on the CPU with one sequence at the minimum context there is nothing left to give up", () => {
    expect(nextReduction({ parallel: 1, contextSize: 2048, gpuLayers: 0, gpu: false }, "context", 2048)).toBeNull();
  });

  it("only memory errors trigger it", () => {
    const insufficient = new Error("A context size of 131072 with 64 sequences is too large for the available RAM");
    insufficient.name = "InsufficientMemoryError";
    expect(isMemoryError(insufficient)).toBe(true);
    expect(isMemoryError(new Error("ggml_backend_cuda_buffer_type_alloc_buffer: failed to allocate 2048 MiB"))).toBe(true);
    expect(isMemoryError(new Error("failed to load model"))).toBe(false);
    expect(isMemoryError("out of memory")).toBe(false);
  });
});

describe("planning the engine shape from free memory", () => {
  it("a request that fits is loaded as asked", () => {
    const plan = planEngineShape(LLAMA_8B, { vramFree: 78 * GiB, ramFree: 100 * GiB }, { parallel: 8, contextSize: 8192, minContextSize: 6000 });
    expect(plan).toMatchObject({ shape: { parallel: 8, contextSize: 8192, gpuLayers: 32, gpu: true }, reductions: [], fits: true });
  });

  it("64 sequences of 16k on an 80 GB GPU: halved once to fit the free VRAM, all layers stay on the GPU", () => {
    const plan = planEngineShape(LLAMA_8B, { vramFree: 78 * GiB, ramFree: 100 * GiB }, { parallel: 64, contextSize: 16384, minContextSize: 6000 });
    expect(plan.reductions).toEqual(["sequences 64 → 32 to fit 78.0 GiB free VRAM"]);
    expect(plan.shape).toEqual({ parallel: 32, contextSize: 16384, gpuLayers: 32, gpu: true });
    expect(plan.fits).toBe(true);
    expect(plan.vram).toBeLessThanOrEqual(78 * GiB);
  });

  it("a small GPU: sequences, then context, then as many layers as fit (not a blind halving)", () => {
    const plan = planEngineShape(LLAMA_8B, { vramFree: 4 * GiB, ramFree: 30 * GiB }, { parallel: 2, contextSize: 8192, minContextSize: 6000 });
    expect(plan.reductions).toEqual([
      "sequences 2 → 1 to fit 4.0 GiB free VRAM",
      "context 8192 → 6000 tokens per sequence to fit 4.0 GiB free VRAM",
      `GPU layers 32 → ${layersThatFit(LLAMA_8B, { vramFree: 4 * GiB, ramFree: 30 * GiB }, 1, 6000)} to fit 4.0 GiB free VRAM`,
    ]);
    expect(plan.shape.gpuLayers).toBeGreaterThan(0);
    expect(plan.shape.gpuLayers).toBeLessThan(32);
    expect(plan.fits).toBe(true);
    expect(plan.vram).toBeLessThanOrEqual(4 * GiB);
  });

  it("no GPU: everything in RAM; a request too big for it is reduced against free RAM", () => {
    const plan = planEngineShape(LLAMA_8B, { vramFree: null, ramFree: 16 * GiB }, { parallel: 16, contextSize: 8192, minContextSize: 6000 });
    expect(plan.shape.gpu).toBe(false);
    expect(plan.reductions).toEqual(["sequences 16 → 8 to fit 16.0 GiB free RAM"]);
    expect(plan.ram).toBeLessThanOrEqual(16 * GiB);
  });

  it("a GPU too small for even one layer: the CPU", () => {
    const plan = planEngineShape(LLAMA_8B, { vramFree: 0.6 * GiB, ramFree: 30 * GiB }, { parallel: 1, contextSize: 4096, minContextSize: 4096 });
    expect(plan.reductions).toEqual(["GPU → CPU to fit 0.6 GiB free VRAM"]);
    expect(plan.shape).toEqual({ parallel: 1, contextSize: 4096, gpuLayers: 0, gpu: false });
  });

  it("nothing fits at all: the smallest shape, marked as not fitting", () => {
    const plan = planEngineShape(LLAMA_8B, { vramFree: null, ramFree: 1 * GiB }, { parallel: 2, contextSize: 4096, minContextSize: 4096 });
    expect(plan).toMatchObject({ shape: { parallel: 1, contextSize: 4096, gpu: false }, fits: false });
  });

  it("costs split by layer placement: half the layers on the GPU puts half the weights and KV there", () => {
    const all = shapeCost(LLAMA_8B, { parallel: 1, contextSize: 8192, gpuLayers: 0 });
    const half = shapeCost(LLAMA_8B, { parallel: 1, contextSize: 8192, gpuLayers: 16 });
    expect(all.vram).toBe(0);
    expect(half.ram).toBeCloseTo((all.ram - LLAMA_8B.contextOverheadBytes) / 2);
    expect(half.vram).toBeCloseTo(half.ram + LLAMA_8B.contextOverheadBytes);
  });
});
