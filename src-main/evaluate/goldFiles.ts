/**
 * What a gold path holds, read one way for every command and call: a folder of n2c2 cohort files
 * (.xml), a folder of timeline documents (.json, one per letter), or else a QA file.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import type { GoldSetKind } from "../../src-shared/api/goldSets.ts";
import { ScoringInputError } from "./scoringInputError.ts";

export type GoldKind = GoldSetKind;

export function isFolder(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

export function goldKind(goldPath: string): GoldKind {
  if (!isFolder(goldPath)) return "qa";
  return readdirSync(goldPath).some((name) => name.toLowerCase().endsWith(".xml")) ? "cohort" : "timeline";
}

/** The names of a folder's files ending in `extension` (".json", ".xml"), sorted; a folder that is not there is named. */
export function filesEndingWith(dir: string, extension: string, what: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ScoringInputError(`${dir}: the ${what} folder does not exist`);
  return readdirSync(dir)
    .filter((name) => name.toLowerCase().endsWith(extension))
    .sort();
}
