/** The Models screen's calls: hardware and memory estimates come from a short-lived inference process. */
import { afterEach, describe, expect, it } from "vitest";
import { createServices, type Services } from "../../src-main/api/services.ts";
import { dispatchApiCall } from "../../src-main/api/dispatch.ts";
import { registerModel } from "../../src-main/store/models.ts";
import type { ApiName, ApiOutput } from "../../src-shared/api.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { ensureTestModel } from "../helpers/testModel.ts";

const tempDir = useTempDirs();
let services: Services | undefined;
afterEach(async () => {
  await services?.close();
});

async function call<N extends ApiName>(name: N, input: unknown): Promise<ApiOutput<N>> {
  const result = await dispatchApiCall((services as Services).handlers, name, input);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as ApiOutput<N>;
}

describe("models API", () => {
  it("reports this machine's backend and memory, and estimates a registered model at the chosen shape", async () => {
    services = createServices({ dataDir: tempDir(), log: () => {} });
    const hardware = await call("models.hardware", {});
    expect(hardware).toMatchObject({ backend: "cpu", vramTotal: null, cpuCores: expect.any(Number) });
    expect(hardware.ramTotal).toBeGreaterThan(hardware.ramFree);

    const model = registerModel(services.db, await ensureTestModel(), { name: "tiny" });
    const estimate = await call("models.estimate", { modelId: model.id, parallel: 2, contextSize: 4096 });
    expect(estimate).toMatchObject({ modelId: model.id, parallel: 2, contextSize: 4096, gpuLayers: 0, fits: true });
    expect(estimate.totalLayers).toBeGreaterThan(0);
    expect(estimate.ramBytes).toBeGreaterThan(0);
    await expect(call("models.estimate", { modelId: 999 })).rejects.toThrow(/not-found: no model 999/);
    // The estimate takes the extraction settings' own ranges.
    await expect(call("models.estimate", { modelId: model.id, contextSize: 512 })).rejects.toThrow(/invalid-input: models.estimate: contextSize: Too small: expected number to be >=1024/);
  }, 120_000);
});
