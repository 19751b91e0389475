import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { clusterSettings } from "../../src-main/finetune/clusterSettings.ts";
import { readSettings, writeSettings } from "../../src-main/settings/storedSettings.ts";
import { openStore } from "../../src-main/store/db.ts";
import { exportSettings } from "../../src-main/export/settings.ts";
import { extractionSettings } from "../../src-main/extract/settings.ts";
import { readSection, type SettingsSection } from "../../src-main/settings/section.ts";
import type { ExtractionSettings } from "../../src-shared/api.ts";

/** What today's settings screen stores for extraction, every value away from its default. */
const storedToday = { parallel: 4, contexts: 2, contextSize: 16384, maxTokens: 2048, gpu: "off" };

describe("a settings section read field by field", () => {
  it("keeps every stored value when a later version adds a field, which takes its default", () => {
    const withNewField: SettingsSection<ExtractionSettings & { flashAttention: "auto" | "on" | "off" }> = {
      ...extractionSettings,
      fields: { ...extractionSettings.fields, flashAttention: z.enum(["auto", "on", "off"]) },
      defaults: { ...extractionSettings.defaults, flashAttention: "auto" },
    };
    expect(readSection(withNewField, storedToday)).toEqual({ value: { ...storedToday, flashAttention: "auto" }, warnings: [] });
  });

  it("reports an invalid field, uses its default, and keeps the others", () => {
    const read = readSection(extractionSettings, { ...storedToday, parallel: 1000 });
    expect(read.value).toEqual({ ...storedToday, parallel: 1 });
    expect(read.warnings).toEqual([{ setting: "extraction.parallel", problem: "invalid", message: expect.stringMatching(/^extraction\.parallel 1000 is refused \(.*256.*\); the default 1 is used$/) }]);
  });

  it("reports an unknown field and ignores it", () => {
    const read = readSection(exportSettings, { bom: true, excludeUngrounded: true, folder: "/exports", zip: true });
    expect(read.value).toEqual({ bom: true, excludeUngrounded: true, folder: "/exports" });
    expect(read.warnings).toEqual([{ setting: "export.zip", problem: "unknown", message: "export.zip is not a setting this version knows; it is ignored" }]);
  });

  it("gives the defaults for a section never stored, and says so when what is stored is not an object", () => {
    expect(readSection(exportSettings, undefined)).toEqual({ value: exportSettings.defaults, warnings: [] });
    const read = readSection(exportSettings, [true]);
    expect(read.value).toEqual(exportSettings.defaults);
    expect(read.warnings).toEqual([{ setting: "export", problem: "invalid", message: "the stored export settings are not readable ([true]); the defaults are used" }]);
  });
});

describe("settings.set", () => {
  it("keeps a section the caller left out (a client from before the section existed), and rewrites the ones it sent", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "oncotimeline-settings-"));
    const db = openStore(dir);
    try {
      const cluster = { ...clusterSettings.defaults, host: "hpc-login", username: "onco" };
      writeSettings(db, { reviewer: "A", extraction: extractionSettings.defaults, export: exportSettings.defaults, cluster });
      writeSettings(db, { reviewer: "B", extraction: { ...extractionSettings.defaults, parallel: 3 } });
      const read = readSettings(db);
      expect(read).toMatchObject({ reviewer: "B", extraction: { parallel: 3 }, export: exportSettings.defaults, cluster, warnings: [] });
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
