/**
 * Validation of one generated letter + gold pair (the teacher's `{content, output}` answer): it
 * parses, its gold validates against the timeline schema, every gold value is grounded in the
 * letter, the requested artefacts are there, and it is not a near-duplicate of a letter already
 * accepted in this store. Every finding is kept as a reason, so a rejected letter says why.
 */
import { groundDocument } from "../grounding/index.ts";
import { validateTimeline, type TimelineDocument } from "../../src-shared/timeline.ts";
import { parseAnswerJson } from "./answerJson.ts";
import { checkArtefact, requestedArtefacts } from "./artefacts.ts";
import { minhash, type NearDuplicateIndex, type Signature } from "./nearDuplicate.ts";

export const REASON_CODES = ["truncated", "unparseable", "bad-shape", "schema", "ungrounded", "fuzzy", "missing-artefact", "near-duplicate"] as const;
export type ReasonCode = (typeof REASON_CODES)[number];
export type ValidationReason = { code: ReasonCode; severity: "reject" | "flag"; detail: string };
export type ValidationStatus = "accepted" | "flagged" | "rejected";

/**
 * What an imperfectly grounded gold value does to its letter. Default: an ungrounded value
 * rejects (gold the letter does not support teaches the student to hallucinate); a fuzzy one only
 * flags (the artefacts ask for misspellings, which ground fuzzily by design).
 */
export type GroundingPolicy = { ungrounded: "reject" | "flag"; fuzzy: "reject" | "flag" | "accept" };
export const DEFAULT_GROUNDING_POLICY: GroundingPolicy = Object.freeze({ ungrounded: "reject", fuzzy: "flag" });

export type ValidationInput = {
  /** The model's whole answer. */
  raw: string;
  /** "max_tokens" means the answer was cut off. */
  stopReason: string | null;
  /** The grid row's data-quality issue, which names the artefacts to look for. */
  dataQualityIssue: string | null;
};

export type ValidationOutcome = {
  status: ValidationStatus;
  reasons: ValidationReason[];
  /** Present once the answer parsed into a letter. */
  content: string | null;
  gold: TimelineDocument | null;
  signature: Signature | null;
};

type Parsed = { ok: true; content: string; output: unknown } | { ok: false; reason: ValidationReason };

export function parseGeneratedPair(raw: string): Parsed {
  const json = parseAnswerJson(raw);
  if (!json.ok) return { ok: false, reason: { code: "unparseable", severity: "reject", detail: `the answer is not JSON (${json.error})` } };
  const object = json.value as { content?: unknown; output?: unknown } | null;
  if (typeof object !== "object" || object === null || Array.isArray(object)) {
    return { ok: false, reason: { code: "bad-shape", severity: "reject", detail: "the answer is not a JSON object" } };
  }
  if (typeof object.content !== "string" || object.content.trim() === "") {
    return { ok: false, reason: { code: "bad-shape", severity: "reject", detail: "'content' (the letter) is missing or empty" } };
  }
  if (typeof object.output !== "object" || object.output === null) {
    return { ok: false, reason: { code: "bad-shape", severity: "reject", detail: "'output' (the gold timeline) is missing" } };
  }
  return { ok: true, content: object.content, output: object.output };
}

/** Grounding findings under the policy: one reason per grade that matters, naming the first few paths. */
export function groundingReasons(content: string, gold: TimelineDocument, policy: GroundingPolicy = DEFAULT_GROUNDING_POLICY): ValidationReason[] {
  const values = groundDocument(content, gold);
  const reasons: ValidationReason[] = [];
  const describe = (items: typeof values): string =>
    items
      .slice(0, 3)
      .map((v) => `${v.path} "${v.value.length > 60 ? `${v.value.slice(0, 57)}...` : v.value}"`)
      .join("; ") + (items.length > 3 ? `; and ${items.length - 3} more` : "");
  const ungrounded = values.filter((v) => v.grade === "ungrounded");
  if (ungrounded.length > 0) {
    reasons.push({ code: "ungrounded", severity: policy.ungrounded, detail: `${ungrounded.length} gold value(s) not found in the letter: ${describe(ungrounded)}` });
  }
  const fuzzy = values.filter((v) => v.grade === "fuzzy");
  if (fuzzy.length > 0 && policy.fuzzy !== "accept") {
    reasons.push({ code: "fuzzy", severity: policy.fuzzy, detail: `${fuzzy.length} gold value(s) found only approximately: ${describe(fuzzy)}` });
  }
  return reasons;
}

function outcome(reasons: ValidationReason[], rest: Omit<ValidationOutcome, "status" | "reasons">): ValidationOutcome {
  const status: ValidationStatus = reasons.some((r) => r.severity === "reject") ? "rejected" : reasons.length > 0 ? "flagged" : "accepted";
  return { status, reasons, ...rest };
}

/**
 * Validates one answer. The near-duplicate index is only read here; the caller adds an accepted
 * or flagged letter to it once the letter is committed.
 */
export function validateGeneratedPair(input: ValidationInput, index: NearDuplicateIndex, policy: GroundingPolicy = DEFAULT_GROUNDING_POLICY): ValidationOutcome {
  const none = { content: null, gold: null, signature: null };
  if (input.stopReason === "max_tokens") {
    return outcome([{ code: "truncated", severity: "reject", detail: "the answer was cut off at the output token limit" }], none);
  }
  const parsed = parseGeneratedPair(input.raw);
  if (!parsed.ok) return outcome([parsed.reason], none);
  const valid = validateTimeline(parsed.output);
  if (!valid.ok) {
    const more = valid.errors.length > 5 ? `; and ${valid.errors.length - 5} more` : "";
    return outcome([{ code: "schema", severity: "reject", detail: `the gold does not fit the timeline schema: ${valid.errors.slice(0, 5).join("; ")}${more}` }], {
      ...none,
      content: parsed.content,
    });
  }
  const content = parsed.content;
  const gold = valid.document;
  const reasons = groundingReasons(content, gold, policy);
  for (const kind of requestedArtefacts(input.dataQualityIssue)) {
    const check = checkArtefact(kind, content, gold);
    if (!check.present) reasons.push({ code: "missing-artefact", severity: "reject", detail: `requested ${kind} ("${input.dataQualityIssue ?? ""}") not found: ${check.evidence}` });
  }
  const signature = minhash(content);
  const nearest = index.nearest(signature);
  if (nearest) {
    reasons.push({ code: "near-duplicate", severity: "reject", detail: `near-duplicate of letter ${nearest.id} (estimated Jaccard ${nearest.similarity.toFixed(2)} ≥ ${index.threshold})` });
  }
  return outcome(reasons, { content, gold, signature });
}
