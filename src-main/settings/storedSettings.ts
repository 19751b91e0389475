import type { Settings, SettingsView } from "../../src-shared/api.ts";
import { exportSettings } from "../export/settings.ts";
import { extractionSettings } from "../extract/settings.ts";
import { clusterSettings } from "../finetune/clusterSettings.ts";
import { hostedFinetuneSettings } from "../finetune/hostedSettings.ts";
import type { Db } from "../store/db.ts";
import { getSetting, setSetting } from "../store/settings.ts";
import { reviewSettings } from "../timeline/settings.ts";
import { readSection, sectionKey, type SectionRead, type SettingsSection } from "./section.ts";

function readStored<T extends Record<string, unknown>>(db: Db, section: SettingsSection<T>): SectionRead<T> {
  return readSection(section, getSetting(db, sectionKey(section)));
}

export function readSettings(db: Db): SettingsView {
  const review = readStored(db, reviewSettings);
  const extraction = readStored(db, extractionSettings);
  const exporting = readStored(db, exportSettings);
  const cluster = readStored(db, clusterSettings);
  const hosted = readStored(db, hostedFinetuneSettings);
  return {
    ...review.value,
    extraction: extraction.value,
    export: exporting.value,
    cluster: cluster.value,
    hostedFinetune: hosted.value,
    warnings: [...review.warnings, ...extraction.warnings, ...exporting.warnings, ...cluster.warnings, ...hosted.warnings],
  };
}

/** The settings to store: a section left out keeps what is stored. */
export type SettingsUpdate = Omit<Settings, "extraction" | "export" | "cluster" | "hostedFinetune"> & Partial<Pick<Settings, "extraction" | "export" | "cluster" | "hostedFinetune">>;

/** Every section given rewritten whole, so fields this version refused or does not know are gone. */
export function writeSettings(db: Db, settings: SettingsUpdate): void {
  const { extraction, export: exporting, cluster, hostedFinetune, ...review } = settings;
  db.transaction(() => {
    setSetting(db, sectionKey(reviewSettings), review);
    if (extraction) setSetting(db, sectionKey(extractionSettings), extraction);
    if (exporting) setSetting(db, sectionKey(exportSettings), exporting);
    if (cluster) setSetting(db, sectionKey(clusterSettings), cluster);
    if (hostedFinetune) setSetting(db, sectionKey(hostedFinetuneSettings), hostedFinetune);
  })();
}

/** Reads the settings as they are now, and logs each problem with them once rather than at every read. */
export function settingsReader(db: Db, log: (error: unknown) => void): () => SettingsView {
  const reported = new Set<string>();
  return () => {
    const settings = readSettings(db);
    for (const warning of settings.warnings) {
      if (reported.has(warning.message)) continue;
      reported.add(warning.message);
      log(`settings: ${warning.message}`);
    }
    return settings;
  };
}
