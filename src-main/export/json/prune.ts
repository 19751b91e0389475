/**
 * `--exclude-ungrounded` for the document exports: drops every ungrounded text value (a likely
 * hallucination) from a letter's document, and renumbers the evidence paths to match the pruned
 * document. A timeline event, patient fact or status update whose value is ungrounded is dropped
 * whole (the value is the item); a cancer field is dropped alone, and an other cancer left with no
 * text field at all is dropped. Dates are not text values and stay (their own grade says how well
 * the letter supports them).
 */
import type { TimelineDocument } from "../../../src-shared/timeline.ts";
import type { ExtractedLetter } from "../rows.ts";
import type { EvidenceRow } from "../../store/extractions.ts";

export type Pruned = { document: TimelineDocument; evidence: EvidenceRow[]; dropped: number };

const LIST_ITEM = /^(primary_cancer\.cancer_timeline|other_cancers|patient_facts|status_updates)\[(\d+)\](.*)$/;

export function isDatePath(path: string): boolean {
  return path.endsWith(".date");
}

export function pruneUngrounded(document: TimelineDocument, evidence: readonly EvidenceRow[]): Pruned {
  const ungrounded = new Set(evidence.filter((row) => row.grade === "ungrounded" && !isDatePath(row.path)).map((row) => row.path));
  if (ungrounded.size === 0) return { document, evidence: [...evidence], dropped: 0 };
  let dropped = 0;
  const drop = (path: string): boolean => {
    if (!ungrounded.has(path)) return false;
    dropped++;
    return true;
  };
  /** Old index → new index (undefined: item dropped), per list. */
  const renumber = new Map<string, Map<number, number>>();
  const keep = <T>(list: string, items: readonly T[], kept: (item: T, path: string) => T | undefined): T[] => {
    const map = new Map<number, number>();
    const out: T[] = [];
    items.forEach((item, i) => {
      const result = kept(item, `${list}[${i}]`);
      if (result !== undefined) {
        map.set(i, out.length);
        out.push(result);
      }
    });
    renumber.set(list, map);
    return out;
  };
  const withoutFields = <T extends object>(item: T, prefix: string): T => {
    const copy: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(item)) {
      if (typeof value === "string" && key !== "type" && drop(`${prefix}.${key}`)) continue;
      copy[key] = value;
    }
    return copy as T;
  };
  const { cancer_timeline, ...primaryFields } = document.primary_cancer;
  const primary = withoutFields(primaryFields, "primary_cancer");
  const events = keep("primary_cancer.cancer_timeline", cancer_timeline, (event, path) => (drop(`${path}.value`) ? undefined : event));
  const otherCancers = keep("other_cancers", document.other_cancers, (cancer, path) => {
    const pruned = withoutFields(cancer, path);
    const hasText = (item: object) => Object.values(item).some((value) => typeof value === "string");
    return hasText(cancer) && !hasText(pruned) ? undefined : pruned;
  });
  const facts = keep("patient_facts", document.patient_facts, (fact, path) => (drop(`${path}.value`) ? undefined : fact));
  const updates = keep("status_updates", document.status_updates, (update, path) => (drop(`${path}.value`) ? undefined : update));
  const pruned: TimelineDocument = {
    primary_cancer: { ...primary, cancer_timeline: events },
    other_cancers: otherCancers,
    patient_facts: facts,
    status_updates: updates,
  };
  const kept: EvidenceRow[] = [];
  for (const row of evidence) {
    if (ungrounded.has(row.path)) continue;
    const match = LIST_ITEM.exec(row.path);
    if (!match) {
      kept.push(row);
      continue;
    }
    const [, list = "", index = "", rest = ""] = match;
    const next = renumber.get(list)?.get(Number(index));
    if (next === undefined) continue;
    kept.push({ ...row, path: `${list}[${next}]${rest}` });
  }
  return { document: pruned, evidence: kept, dropped };
}

/** A letter ready for export: its document and evidence, pruned of ungrounded values when asked. */
export type PreparedLetter = { item: ExtractedLetter; document: TimelineDocument | null; evidence: EvidenceRow[]; dropped: number };

export function prepareLetter(item: ExtractedLetter, excludeUngrounded: boolean): PreparedLetter {
  if (!item.document || !excludeUngrounded) return { item, document: item.document, evidence: item.evidence, dropped: 0 };
  return { item, ...pruneUngrounded(item.document, item.evidence) };
}
