import { describe, expect, it } from "vitest";
import { API } from "../../src-shared/api.ts";
import { appApi } from "../../src-shared/api/app.ts";
import { exportApi } from "../../src-shared/api/export.ts";
import { extractApi } from "../../src-shared/api/extract.ts";
import { ingestApi } from "../../src-shared/api/ingest.ts";
import { modelsApi } from "../../src-shared/api/models.ts";
import { settingsApi } from "../../src-shared/api/settings.ts";
import { synthApi } from "../../src-shared/api/synth.ts";
import { timelineApi } from "../../src-shared/api/timeline.ts";
import { createServices } from "../../src-main/api/services.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const SLICES = [appApi, ingestApi, modelsApi, extractApi, timelineApi, exportApi, synthApi, settingsApi];

describe("the API contract's slices", () => {
  const tempDir = useTempDirs();

  // The join is a spread, so two slices declaring one name would silently keep the last.
  it("declare every call exactly once", () => {
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
