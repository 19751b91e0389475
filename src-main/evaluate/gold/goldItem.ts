/**
 * One item of a gold set as the store keeps it: a timeline letter (its text and gold timeline), a
 * question about a note (its text, and the gold line: id, note_id, kind, question, answer,
 * source), or a cohort patient (the notes' text and the n2c2 file as written). `letter` is null
 * where the source had no text (a gold folder given without its letters): such a set scores
 * prediction files but cannot be run.
 */
import { createHash } from "node:crypto";

export type { GoldSetKind } from "../../../src-shared/api/goldSets.ts";

export type GoldItem = {
  /** Unique in its set: the letter's file stem, the question's id, the patient's file stem. */
  name: string;
  /** QA: the note (letter) the question is about; its text is `letter`. */
  note: string | null;
  letter: string | null;
  /** Timeline: the document; QA: the gold line; cohort: the n2c2 XML text. */
  gold: unknown;
};

/** The letter's fingerprint for leakage checks: whitespace runs collapsed, so a re-wrapped copy still matches. */
export function letterSha256(text: string): string {
  return createHash("sha256").update(text.replace(/\s+/g, " ").trim()).digest("hex");
}
