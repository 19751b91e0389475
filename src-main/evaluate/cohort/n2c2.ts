/**
 * Cohort-selection gold in the n2c2 2018 shared task's track 1 format, one XML file per patient:
 * `<PatientMatching><TEXT>the notes</TEXT><TAGS><ABDOMINAL met="met"/>...</TAGS></PatientMatching>`,
 * 13 criteria, each "met" or "not met". Read with fast-xml-parser; a file that is not this shape
 * is named with what is wrong.
 */
import { readFileSync } from "node:fs";
import { XMLParser } from "fast-xml-parser";

export const N2C2_CRITERIA = [
  "ABDOMINAL",
  "ADVANCED-CAD",
  "ALCOHOL-ABUSE",
  "ASP-FOR-MI",
  "CREATININE",
  "DIETSUPP-2MOS",
  "DRUG-ABUSE",
  "ENGLISH",
  "HBA1C",
  "KETO-1YR",
  "MAJOR-DIABETES",
  "MAKES-DECISIONS",
  "MI-6MOS",
] as const;

export type MetLabel = "met" | "not met";

/** A patient's file: its notes and, per criterion, the label (null: absent or not "met"/"not met"). */
export type N2c2Patient = { text: string; tags: Record<string, MetLabel | null>; unknownTags: string[] };

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", parseAttributeValue: false, trimValues: false });

export function readN2c2File(file: string): { patient: N2c2Patient } | { error: string } {
  let parsed: unknown;
  try {
    parsed = parser.parse(readFileSync(file, "utf8"), true);
  } catch (error) {
    return { error: `not well-formed XML (${(error as Error).message.split("\n")[0]})` };
  }
  const root = (parsed as Record<string, unknown>).PatientMatching;
  if (typeof root !== "object" || root === null) return { error: "no <PatientMatching> element" };
  const { TEXT: text, TAGS: tags } = root as Record<string, unknown>;
  const tagObject = typeof tags === "object" && tags !== null ? (tags as Record<string, unknown>) : {};
  const labels: Record<string, MetLabel | null> = {};
  for (const criterion of N2C2_CRITERIA) {
    const tag = tagObject[criterion];
    const met = typeof tag === "object" && tag !== null ? (tag as Record<string, unknown>).met : undefined;
    labels[criterion] = met === "met" || met === "not met" ? met : null;
  }
  return {
    patient: {
      text: typeof text === "string" ? text : "",
      tags: labels,
      unknownTags: Object.keys(tagObject).filter((name) => !(N2C2_CRITERIA as readonly string[]).includes(name)),
    },
  };
}
