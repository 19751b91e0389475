/**
 * Whether an exported value is the model's output or a reviewer's correction. Exports read the
 * corrected document (when there is one); a value counts as the model's when the model's own
 * document holds it too: the same list item anywhere in the same list (items move when an
 * earlier one is removed), or the same field value at the same place.
 */
import { getAtPath, parsePath } from "../../src-shared/documentPath.ts";
import { formatPath, type TimelineDocument } from "../../src-shared/timeline.ts";
import { canonicalJson } from "../audit/canonicalJson.ts";

export const VALUE_ORIGINS = ["model", "corrected"] as const;
export type ValueOrigin = (typeof VALUE_ORIGINS)[number];

export type Reviewed = { document: TimelineDocument | null; modelDocument: TimelineDocument | null; corrected: boolean };

/** `path` as in evidence: a field (`primary_cancer.site`), a list item's field, or `….date` for year+month. */
export function originOf(item: Reviewed, path: string): ValueOrigin {
  if (!item.corrected || !item.document || !item.modelDocument) return "model";
  const segments = parsePath(path);
  const field = segments.at(-1) as string;
  const owner = formatPath(segments.slice(0, -1));
  const same = (a: unknown, b: unknown) => a !== undefined && b !== undefined && canonicalJson(pick(a, field)) === canonicalJson(pick(b, field));
  const ours = getAtPath(item.document, owner);
  const theirs = getAtPath(item.modelDocument, owner);
  const last = segments.length >= 2 ? segments.at(-2) : undefined;
  if (typeof last === "number") {
    const list = getAtPath(item.modelDocument, formatPath(segments.slice(0, -2)));
    if (ours !== undefined && Array.isArray(list) && list.some((candidate) => canonicalJson(candidate) === canonicalJson(ours))) return "model";
  }
  return same(ours, theirs) ? "model" : "corrected";
}

/** The part of an item a value path stands for: its field, or year and month for `date`. */
function pick(item: unknown, field: string): unknown {
  if (item === null || typeof item !== "object") return null;
  const record = item as Record<string, unknown>;
  if (field === "date") return { year: record.year ?? null, month: record.month ?? null };
  return record[field] ?? null;
}

/** The letter as a whole: "corrected" once a reviewer changed anything in it. */
export function letterOrigin(item: Reviewed): ValueOrigin {
  return item.corrected ? "corrected" : "model";
}
