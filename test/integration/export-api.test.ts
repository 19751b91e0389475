/** Export through the service API the Export screen uses, and "show in folder" limited to what was exported. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createServices, type Services } from "../../src-main/api/services.ts";
import { dispatchApiCall } from "../../src-main/api/dispatch.ts";
import type { ApiName, ApiOutput } from "../../src-shared/api.ts";
import { demoStore } from "../helpers/exportStore.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const open: Services[] = [];
afterEach(async () => {
  for (const services of open.splice(0)) await services.close();
});

function servicesOnDemo(reveal?: (file: string) => void) {
  const dir = tempDir();
  demoStore(dir).db.close();
  const services = createServices({ dataDir: dir, log: () => {}, ...(reveal ? { reveal } : {}) });
  open.push(services);
  return async <N extends ApiName>(name: N, input: unknown): Promise<ApiOutput<N>> => {
    const result = await dispatchApiCall(services.handlers, name, input);
    if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
    return result.value as ApiOutput<N>;
  };
}

describe("export API", () => {
  it("exports a patient's letters and reveals only files this session exported", async () => {
    const shown: string[] = [];
    const call = servicesOnDemo((file) => shown.push(file));
    const out = path.join(tempDir(), "p001.csv");
    const result = await call("export.run", { format: "csv-wide", out, patient: "P001", bom: true });
    expect(result).toMatchObject({ format: "csv-wide", paths: [out], letters: 4, rows: 4, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(readFileSync(out, "utf8").startsWith("\uFEFFletter_id,")).toBe(true);

    await call("export.reveal", { path: out });
    expect(shown).toEqual([out]);
    await expect(call("export.reveal", { path: "/etc/passwd" })).rejects.toThrow(/invalid-input: \/etc\/passwd was not exported in this session/);
    expect(shown).toEqual([out]);
  });

  it("in the browser build, says where the file is instead", async () => {
    const call = servicesOnDemo();
    const out = path.join(tempDir(), "all.json");
    await call("export.run", { format: "json", out, excludeUngrounded: true });
    await expect(call("export.reveal", { path: out })).rejects.toThrow(`conflict: open it from your file manager: ${out}`);
    await expect(call("export.run", { format: "csv", out: path.join(tempDir(), "missing", "deep", "x.csv"), modelId: 99 })).rejects.toThrow(/not-found: no model 99/);
  });
});
