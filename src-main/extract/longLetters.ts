/**
 * Letters longer than the model's context: split into overlapping parts at natural boundaries,
 * each part extracted on its own, the part documents merged. Evidence needs no mapping back:
 * the merged document is grounded against the whole letter afterwards.
 */
import { LIMITS, type TimelineDocument } from "../../src-shared/timeline.ts";

export type LetterPart = { start: number; end: number; text: string };

/** Break points, best first: paragraph (real or a literal "\n\n" export artefact), line, sentence, word. */
const BREAKS: readonly RegExp[] = [/\n\s*\n|\\n\s*\\n/g, /\n|\\n/g, /[.;:!?]\s/g, /\s/g];

/**
 * Parts of at most `maxChars`, each starting `overlapChars` or so before the previous one ended
 * (so a fact cut by a boundary is whole in one of them), split at the best break in the second
 * half of the window.
 */
export function splitLetter(text: string, maxChars: number, overlapChars: number): LetterPart[] {
  if (maxChars < 1) throw new Error("maxChars must be positive");
  const parts: LetterPart[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + maxChars);
    if (end < text.length) end = lastBreak(text, start + Math.floor(maxChars / 2), end) ?? end;
    parts.push({ start, end, text: text.slice(start, end) });
    if (end >= text.length) break;
    const wanted = Math.max(start + 1, end - overlapChars);
    start = Math.max(wanted, lastBreak(text, wanted, end - 1) ?? wanted);
  }
  return parts;
}

/** The end of the latest break of the best kind found within [from, to). */
function lastBreak(text: string, from: number, to: number): number | undefined {
  const window = text.slice(from, to);
  for (const pattern of BREAKS) {
    let found: number | undefined;
    for (const match of window.matchAll(pattern)) found = from + (match.index ?? 0) + match[0].length;
    if (found !== undefined && found > from) return found;
  }
  return undefined;
}

const key = (text: string) => text.toLowerCase().replace(/\s+/g, " ").trim();

/**
 * One document from the parts' documents. Lists are joined, dropping the duplicates the overlap
 * produces; a cancer field takes the first part's value, and a different value in a later part
 * is reported, never silently chosen.
 */
export function mergePartDocuments(parts: readonly TimelineDocument[]): { document: TimelineDocument; warnings: string[] } {
  const warnings: string[] = [];
  const primary: Record<string, unknown> = {};
  for (const [i, part] of parts.entries()) {
    for (const [field, value] of Object.entries(part.primary_cancer)) {
      if (field === "cancer_timeline" || value === undefined) continue;
      if (!(field in primary)) primary[field] = value;
      else if (key(String(primary[field])) !== key(String(value))) {
        warnings.push(`part ${i + 1} gives another primary_cancer.${field} (${JSON.stringify(value)}); kept ${JSON.stringify(primary[field])}`);
      }
    }
  }
  const unique = <T>(items: T[], identity: (item: T) => string, limit: number, name: string): T[] => {
    const seen = new Set<string>();
    const kept = items.filter((item) => !seen.has(identity(item)) && seen.add(identity(item)));
    if (kept.length > limit) warnings.push(`${name}: ${kept.length} items from the parts, kept the first ${limit} (the format's limit)`);
    return kept.slice(0, limit);
  };
  const dated = (item: { type: string; value: string; year?: number; month?: number }) => `${item.type}|${key(item.value)}|${item.year ?? ""}|${item.month ?? ""}`;
  const document: TimelineDocument = {
    primary_cancer: {
      ...(primary as Omit<TimelineDocument["primary_cancer"], "cancer_timeline">),
      cancer_timeline: unique(parts.flatMap((p) => p.primary_cancer.cancer_timeline), dated, LIMITS.timelineEvents, "cancer_timeline"),
    },
    other_cancers: unique(parts.flatMap((p) => p.other_cancers), (c) => key(JSON.stringify(c)), LIMITS.otherCancers, "other_cancers"),
    patient_facts: unique(parts.flatMap((p) => p.patient_facts), dated, LIMITS.patientFacts, "patient_facts"),
    status_updates: unique(parts.flatMap((p) => p.status_updates), dated, LIMITS.statusUpdates, "status_updates"),
  };
  return { document, warnings };
}
