import type { Database } from "better-sqlite3";
import { up as initial } from "./001_initial.ts";
import { up as audit } from "./002_audit.ts";
import { up as review } from "./003_review.ts";
import { up as synth } from "./004_synth.ts";
import { up as settingsSections } from "./005_settings_sections.ts";
import { up as jobRuntime } from "./006_job_runtime.ts";
import { up as datasets } from "./007_datasets.ts";
import { up as modelAdapters } from "./008_model_adapters.ts";
import { up as goldSets } from "./009_gold_sets.ts";

/**
 * `foreignKeys: "off"`: the migration rebuilds tables that others reference, which SQLite only
 * allows with foreign-key enforcement off (it cannot be switched inside a transaction); the
 * references are checked before the migration commits.
 */
export type Migration = { version: number; name: string; up: (db: Database) => void; foreignKeys?: "off" };

/** Append only: a shipped migration is never edited, a new number is added instead. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "initial", up: initial },
  { version: 2, name: "audit", up: audit },
  { version: 3, name: "review", up: review },
  { version: 4, name: "synth", up: synth },
  { version: 5, name: "settings-sections", up: settingsSections },
  { version: 6, name: "job-runtime", up: jobRuntime, foreignKeys: "off" },
  { version: 7, name: "datasets", up: datasets },
  { version: 8, name: "model-adapters", up: modelAdapters },
  { version: 9, name: "gold-sets", up: goldSets },
];
