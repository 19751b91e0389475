import { describe, expect, it } from "vitest";
import * as contract from "../../src-shared/api.ts";
import { createServices } from "../../src-main/api/services.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const { API } = contract;
// Every slice the contract re-exports (each capability's `<capability>Api`), found rather than
// listed, so a new capability needs no line here.
const SLICES = Object.entries(contract)
  .filter(([name, value]) => name.endsWith("Api") && typeof value === "object")
  .map(([, slice]) => slice as object);

describe("the API contract's slices", () => {
  const tempDir = useTempDirs();

  // The join is a spread, so two slices declaring one name would silently keep the last.
  it("declare every call exactly once", () => {
    expect(SLICES.length).toBeGreaterThanOrEqual(8);
    const names = SLICES.flatMap((slice) => Object.keys(slice));
    expect(new Set(names).size).toBe(names.length);
    expect(names.sort()).toEqual(Object.keys(API).sort());
  });

  it("have exactly one handler per call", async () => {
    const services = createServices({ dataDir: tempDir() });
    try {
      expect(Object.keys(services.handlers).sort()).toEqual(Object.keys(API).sort());
    } finally {
      await services.close();
    }
  });
});
