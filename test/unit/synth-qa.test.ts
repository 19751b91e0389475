import { describe, expect, it } from "vitest";
import { buildQaRequest, loadQaPrompt, parseQaAnswer, sourceInLetter } from "../../src-main/synth/qa.ts";
import { QA_KINDS, QaPairSchema } from "../../src-main/synth/qaSchema.ts";
import { asGeneratedText, isSyntheticText } from "../../src-main/synth/syntheticText.ts";
import { fakeQaAnswer } from "../helpers/fakeAnthropic.ts";

const LETTER = "[redacted name], 61, adenocarcinoma of the sigmoid colon.\\n\\tCapecitabine started 14/04/2021.\\nECOG PS 1. Bloods: creatinine 88 umol/L. Plan: CT in three months.";

const pair = (over: Record<string, unknown> = {}) => ({
  question: "Is the ECOG performance status 0 or 1?",
  type: "yes_no",
  answer: "Yes",
  section: "Examination",
  source: "ECOG PS 1",
  difficulty: 2,
  explanation: "ECOG PS 1 is within 0-1.",
  ...over,
});

describe("QA pairs", () => {
  it("the schema takes the four kinds with their answers, and refuses mismatched answers", () => {
    expect(QA_KINDS).toEqual(["yes_no", "numeric", "not_answerable_yes_no", "not_answerable_numeric"]);
    expect(QaPairSchema.safeParse(pair()).success).toBe(true);
    expect(QaPairSchema.safeParse(pair({ type: "numeric", answer: 88 })).success).toBe(true);
    expect(QaPairSchema.parse(pair({ type: "numeric", answer: "1.3" })).answer).toBe(1.3);
    expect(QaPairSchema.safeParse(pair({ type: "not_answerable_numeric", answer: "N/A" })).success).toBe(true);
    expect(QaPairSchema.safeParse(pair({ answer: "Maybe" })).success).toBe(false);
    expect(QaPairSchema.safeParse(pair({ type: "numeric", answer: "N/A" })).success).toBe(false);
    expect(QaPairSchema.safeParse(pair({ type: "not_answerable_yes_no", answer: "No" })).success).toBe(false);
    expect(QaPairSchema.safeParse(pair({ difficulty: 11 })).success).toBe(false);
    expect(QaPairSchema.safeParse(pair({ explanation: undefined })).success).toBe(false);
  });

  it("a source must occur verbatim in the letter; only whitespace (including literal \\n/\\t) may differ", () => {
    expect(sourceInLetter("Capecitabine started 14/04/2021", LETTER)).toBe(true);
    expect(sourceInLetter("adenocarcinoma of the sigmoid colon. Capecitabine started", LETTER)).toBe(true);
    expect(sourceInLetter("capecitabine started 14/04/2021", LETTER)).toBe(false);
    expect(sourceInLetter("Capecitabine was started in April 2021", LETTER)).toBe(false);
    expect(sourceInLetter("   ", LETTER)).toBe(false);
  });

  it("keeps valid pairs and rejects, with a reason, a pair whose source is not in the letter or that breaks the schema", () => {
    const raw = JSON.stringify({ pairs: [pair(), pair({ source: "performance status one" }), pair({ type: "numeric", answer: "high" }), pair({ type: "numeric", answer: 88, source: "creatinine 88 umol/L" })] });
    const result = parseQaAnswer(raw, LETTER);
    if (!result.ok) throw new Error(result.error);
    expect(result.pairs.map((p) => p.status)).toEqual(["accepted", "rejected", "rejected", "accepted"]);
    expect(result.pairs[1]).toMatchObject({ status: "rejected", kind: "yes_no", reason: expect.stringMatching(/^source-not-verbatim/) });
    expect(result.pairs[2]).toMatchObject({ status: "rejected", kind: "numeric", reason: expect.stringMatching(/^schema: answer/) });
  });

  it("an answer that is not JSON, or has no pairs, is an error, never an empty list", () => {
    expect(parseQaAnswer("Sure! Here are the pairs:", LETTER)).toMatchObject({ ok: false, error: expect.stringMatching(/not JSON/) });
    expect(parseQaAnswer(JSON.stringify({ questions: [] }), LETTER)).toEqual({ ok: false, error: "the QA answer has no 'pairs' list" });
  });

  it("the fake teacher's QA answer: seven verbatim pairs, one paraphrased source rejected", () => {
    const result = parseQaAnswer(fakeQaAnswer(`<note>\n${LETTER}\n</note>`), LETTER);
    if (!result.ok) throw new Error(result.error);
    expect(result.pairs.filter((p) => p.status === "accepted")).toHaveLength(7);
    expect(result.pairs.filter((p) => p.status === "rejected").map((p) => p.status === "rejected" && p.reason)).toEqual([expect.stringMatching(/^source-not-verbatim/)]);
  });

  it("the request: the versioned prompt as system block, the letter in the user message, all SyntheticText", () => {
    const letter = asGeneratedText(LETTER, { model: "m", requestId: "msg_1" });
    const request = buildQaRequest(letter);
    expect(request.system).toHaveLength(1);
    expect(request.system[0]?.origin).toEqual({ kind: "prompt", name: "prompts/synth/qa/qa.v1.md" });
    expect(loadQaPrompt().text).toMatch(/not_answerable_numeric/);
    expect(isSyntheticText(request.user)).toBe(true);
    expect(request.user.text).toContain(LETTER);
  });
});
