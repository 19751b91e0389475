import { describe, expect, it } from "vitest";
import { estimateModel, hardwareInfo } from "../../src-main/extract/llama/sizing.ts";
import { useTestModel } from "../helpers/testModel.ts";

const modelPath = useTestModel();

describe("sizing from node-llama-cpp's own view of this machine", () => {
  it("hardwareInfo: this machine has no GPU, so the CPU backend and no VRAM figures", async () => {
    const info = await hardwareInfo();
    expect(info).toEqual({
      backend: "cpu",
      gpuName: null,
      vramTotal: null,
      vramFree: null,
      ramTotal: expect.any(Number),
      ramFree: expect.any(Number),
      cpuCores: expect.any(Number),
    });
    expect(info.ramFree).toBeGreaterThan(0);
    expect(info.ramFree).toBeLessThanOrEqual(info.ramTotal);
    expect(info.cpuCores).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it("estimateModel: the tiny model fits on the CPU; more sequences cost more RAM", async () => {
    const one = await estimateModel(modelPath(), { parallel: 1, contextSize: 8192, gpu: false });
    const four = await estimateModel(modelPath(), { parallel: 4, contextSize: 8192, gpu: false });
    expect(one).toMatchObject({ totalLayers: expect.any(Number), gpuLayers: 0, vramBytes: 0, contextSize: 8192, parallel: 1, fits: true, notes: ["GPU off: runs on the CPU"] });
    expect(one.totalLayers).toBeGreaterThan(0);
    expect(four.ramBytes).toBeGreaterThan(one.ramBytes);
  }, 120_000);

  it("estimateModel: a request no machine here can hold says so, and what the engine would give up", async () => {
    const huge = await estimateModel(modelPath(), { parallel: 256, contextSize: 131072, gpu: true });
    expect(huge.fits).toBe(false);
    expect(huge.notes[0]).toBe("no GPU found: runs on the CPU");
    expect(huge.notes[1]).toMatch(/^does not fit as asked \(\d+\.\d GiB RAM needed, \d+\.\d GiB free\)$/);
    expect(huge.notes[2]).toMatch(/^would load with sequences 256 → 128 to fit \d+\.\d GiB free RAM$/);
  }, 120_000);
});
