import type { Database } from "better-sqlite3";
import { up as initial } from "./001_initial.ts";
import { up as audit } from "./002_audit.ts";
import { up as review } from "./003_review.ts";
import { up as synth } from "./004_synth.ts";
import { up as settingsSections } from "./005_settings_sections.ts";

export type Migration = { version: number; name: string; up: (db: Database) => void };

/** Append only: a shipped migration is never edited, a new number is added instead. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "initial", up: initial },
  { version: 2, name: "audit", up: audit },
  { version: 3, name: "review", up: review },
  { version: 4, name: "synth", up: synth },
  { version: 5, name: "settings-sections", up: settingsSections },
];
