/**
 * A timeline document read for scoring, gold or predicted, as onco-ext's files are written
 * (docs/domain.md §6): a missing value may be absent, "" or null, and all three read as absent;
 * an item whose type is outside the schema (onco-ext's gold has `investigation_finding` in
 * timelines) is kept under its own type, so it is scored (a model held to the schema cannot
 * match it) and reported, never dropped silently.
 */
import { readFileSync } from "node:fs";
import { CANCER_EVENT_TYPES, PATIENT_FACT_TYPES, STATUS_UPDATE_TYPES } from "../../../src-shared/timeline.ts";

export const SCALAR_FIELDS = ["site", "year", "month", "metastases", "tnm_stage", "other_stage", "histopathology_status", "biomarker_status"] as const;
export type ScalarField = (typeof SCALAR_FIELDS)[number];

export const LIST_SECTIONS = ["cancer_timeline", "other_cancers", "patient_facts", "status_updates"] as const;
export type ListSection = (typeof LIST_SECTIONS)[number];

/** A list item as scored: an other cancer's site (or, without one, its histopathology) stands in for type and value (its type is "other_cancer"). */
export type ScoredItem = { type: string; value: string; year?: number; month?: number };

export type ScoredDocument = { scalars: Partial<Record<ScalarField, string>>; lists: Record<ListSection, ScoredItem[]> };

export type ReadTimeline = { document: ScoredDocument; notes: string[] } | { document: null; error: string };

const KNOWN_TYPES: Record<Exclude<ListSection, "other_cancers">, readonly string[]> = {
  cancer_timeline: CANCER_EVENT_TYPES,
  patient_facts: PATIENT_FACT_TYPES,
  status_updates: STATUS_UPDATE_TYPES,
};

export function readTimelineFile(file: string): ReadTimeline {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    return { document: null, error: `not valid JSON (${(error as Error).message})` };
  }
  if (!isObject(value)) return { document: null, error: "not a JSON object" };
  return toScored(value);
}

export function toScored(value: Record<string, unknown>): ReadTimeline {
  const notes: string[] = [];
  const primary = isObject(value.primary_cancer) ? value.primary_cancer : {};
  const scalars: ScoredDocument["scalars"] = {};
  for (const field of SCALAR_FIELDS) {
    const text = scalarText(primary[field]);
    if (text !== undefined) scalars[field] = text;
  }
  const listOf = (raw: unknown, path: string): Record<string, unknown>[] => {
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) {
      notes.push(`${path} is not a list: left out`);
      return [];
    }
    return raw.filter((item, index) => {
      if (isObject(item)) return true;
      notes.push(`${path}[${index}] is not an object: left out`);
      return false;
    });
  };
  const items = (section: Exclude<ListSection, "other_cancers">, raw: unknown, path: string): ScoredItem[] =>
    listOf(raw, path).flatMap((item, index) => {
      const type = scalarText(item.type);
      const text = scalarText(item.value);
      if (type === undefined || text === undefined) {
        notes.push(`${path}[${index}] has no ${type === undefined ? "type" : "value"}: left out`);
        return [];
      }
      if (!KNOWN_TYPES[section].includes(type)) notes.push(`${path}[${index}]: type "${type}" is not a ${section} type in the schema (scored as it is)`);
      return [dated({ type, value: text }, item)];
    });
  const others = listOf(value.other_cancers, "other_cancers").flatMap((item, index) => {
    // A cancer with no site (a leukaemia) is named by its histopathology instead.
    const name = scalarText(item.site) ?? scalarText(item.histopathology_status);
    if (name === undefined) {
      notes.push(`other_cancers[${index}] has neither site nor histopathology: left out`);
      return [];
    }
    return [dated({ type: "other_cancer", value: name }, item)];
  });
  return {
    document: {
      scalars,
      lists: {
        cancer_timeline: items("cancer_timeline", primary.cancer_timeline, "primary_cancer.cancer_timeline"),
        other_cancers: others,
        patient_facts: items("patient_facts", value.patient_facts, "patient_facts"),
        status_updates: items("status_updates", value.status_updates, "status_updates"),
      },
    },
    notes,
  };
}

function dated(item: ScoredItem, raw: Record<string, unknown>): ScoredItem {
  const year = wholeNumber(raw.year);
  const month = wholeNumber(raw.month);
  return { ...item, ...(year === undefined ? {} : { year }), ...(month === undefined ? {} : { month }) };
}

/** A scalar as text, or undefined for a missing value (absent, null, "" or only spaces). */
function scalarText(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value !== "string") return undefined;
  return value.trim() === "" ? undefined : value;
}

function wholeNumber(value: unknown): number | undefined {
  const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof number === "number" && Number.isInteger(number) ? number : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
