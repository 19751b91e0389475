import { clusterSettings } from "../../src-main/finetune/clusterSettings.ts";
import { hostedFinetuneSettings } from "../../src-main/finetune/hostedSettings.ts";
import { describe, expect, it } from "vitest";
import { createServices } from "../../src-main/api/services.ts";
import { openStore } from "../../src-main/store/db.ts";
import { MIGRATIONS } from "../../src-main/store/migrations/index.ts";
import { getSetting, setSetting } from "../../src-main/store/settings.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();

/** What the settings screen saved before settings were kept per capability: one "app" blob. */
const appBlob = {
  reviewer: "Dr Ada",
  extraction: { parallel: 4, contexts: 2, contextSize: 16384, maxTokens: 2048, gpu: "off" },
  export: { bom: true, excludeUngrounded: true, folder: "/exports" },
};

/** A data folder as the version before settings sections left it, holding `blob` as its settings. */
function storeOfLastVersion(blob: unknown): string {
  const dir = tempDir();
  const db = openStore(dir, MIGRATIONS.filter((migration) => migration.version < 5));
  setSetting(db, "app", blob);
  db.close();
  return dir;
}

describe("settings kept per capability", () => {
  it("the migration splits the last version's blob into one row per capability", () => {
    const db = openStore(storeOfLastVersion(appBlob));
    try {
      expect(getSetting(db, "app")).toBeUndefined();
      expect(getSetting(db, "settings.review")).toEqual({ reviewer: "Dr Ada" });
      expect(getSetting(db, "settings.extraction")).toEqual(appBlob.extraction);
      expect(getSetting(db, "settings.export")).toEqual(appBlob.export);
    } finally {
      db.close();
    }
  });

  it("a store of the last version reads every setting back unchanged", async () => {
    const services = createServices({ dataDir: storeOfLastVersion(appBlob), log: () => {} });
    try {
      // The cluster and hosted fine-tuning sections came later: a store from before has their defaults.
      expect(await services.handlers["settings.get"]({})).toEqual({ ...appBlob, cluster: clusterSettings.defaults, hostedFinetune: hostedFinetuneSettings.defaults, warnings: [] });
    } finally {
      await services.close();
    }
  });

  it("a blob the last version threw away whole for one bad field keeps the rest, reports the field once, and saving clears it", async () => {
    const logged: unknown[] = [];
    const blob = { ...appBlob, extraction: { ...appBlob.extraction, maxTokens: 10 }, theme: "dark" };
    const services = createServices({ dataDir: storeOfLastVersion(blob), log: (message) => logged.push(message) });
    try {
      const read = await services.handlers["settings.get"]({});
      expect(read).toMatchObject({ ...appBlob, extraction: { ...appBlob.extraction, maxTokens: 4096 } });
      expect(read.warnings.map(({ setting, problem }) => ({ setting, problem }))).toEqual([
        { setting: "theme", problem: "unknown" },
        { setting: "extraction.maxTokens", problem: "invalid" },
      ]);
      await services.handlers["settings.get"]({});
      expect(logged).toEqual(read.warnings.map((warning) => `settings: ${warning.message}`));

      // The settings screen sends back what it was given, warnings included.
      expect(await services.handlers["settings.set"](read)).toEqual({ ...appBlob, extraction: { ...appBlob.extraction, maxTokens: 4096 }, cluster: clusterSettings.defaults, hostedFinetune: hostedFinetuneSettings.defaults, warnings: [] });
    } finally {
      await services.close();
    }
  });

  it("a blob that is not an object is dropped, leaving the defaults", () => {
    const db = openStore(storeOfLastVersion("not settings"));
    try {
      expect(db.prepare("SELECT key FROM settings").all()).toEqual([]);
    } finally {
      db.close();
    }
  });
});
