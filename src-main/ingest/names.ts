import { basename } from "node:path";
import { parseLetterDate } from "./dates.ts";

export type NameFacts = { patientId: string | null; letterDate: string | null };

/** Patient and date from a file's base name, via the `patient` and `date` named groups of `pattern`. */
export function factsFromFileName(path: string, pattern: RegExp): NameFacts {
  const groups = pattern.exec(basename(path))?.groups;
  const patient = groups?.["patient"]?.trim();
  const date = groups?.["date"];
  return {
    patientId: patient ? patient : null,
    letterDate: date ? parseLetterDate(date) : null,
  };
}
