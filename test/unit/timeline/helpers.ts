/** Builds LetterTimeline inputs the way the app will: a document grounded in its letter's text. */
import { groundDocument } from "../../../src-main/grounding/index.ts";
import type { LetterTimeline } from "../../../src-shared/patientTimeline.ts";
import { validateTimeline, type CancerEvent, type TimelineDocument } from "../../../src-shared/timeline.ts";

type DocumentParts = {
  primary?: Partial<Omit<TimelineDocument["primary_cancer"], "cancer_timeline">>;
  events?: CancerEvent[];
  other_cancers?: TimelineDocument["other_cancers"];
  patient_facts?: TimelineDocument["patient_facts"];
  status_updates?: TimelineDocument["status_updates"];
};

/** A validated document from its parts (missing sections empty). */
export function doc(parts: DocumentParts): TimelineDocument {
  const result = validateTimeline({
    primary_cancer: { ...parts.primary, cancer_timeline: parts.events ?? [] },
    other_cancers: parts.other_cancers ?? [],
    patient_facts: parts.patient_facts ?? [],
    status_updates: parts.status_updates ?? [],
  });
  if (!result.ok) throw new Error(result.errors.join("; "));
  return result.document;
}

/** A letter: the document is grounded in `text` with the real grounding function. */
export function letter(
  letterId: number,
  letterDate: string | null,
  text: string,
  document: TimelineDocument,
  corrected = false,
): LetterTimeline {
  return { letterId, letterDate, source: `letter-${letterId}.txt`, document, evidence: groundDocument(text, document), corrected };
}
