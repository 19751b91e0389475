import { describe, expect, it } from "vitest";
import { groundValue, indexLetter, type GroundingOptions } from "../../src-main/grounding/index.ts";

const LETTER =
  "Management:\\tStarted pembrolizumab 200 mg on 02/05/2023.\\n\\nPlan: continue pembrolizumab every three weeks.\\n" +
  "Toxicity: pembrolizumab\\n\\t induced   colitis, grade 2. The patient?s perfomance status is 1.\\n" +
  "She remains disease free. Restaging scans were unremarkable; HER2 negative, PR+. Seen by Dr Pembrolizumabs.";

function grounded(value: string, options?: GroundingOptions) {
  const result = groundValue(indexLetter(LETTER), value, options);
  return {
    grade: result.grade,
    text: result.span ? LETTER.slice(result.span.start, result.span.end) : null,
    score: result.span ? Number(result.span.score.toFixed(3)) : null,
  };
}

describe("fuzzy grounding", () => {
  it("finds a misspelt drug name, scored 1 - edits / length", () => {
    expect(grounded("pembrolizamab")).toEqual({ grade: "fuzzy", text: "pembrolizumab", score: Number((1 - 1 / 13).toFixed(3)) });
  });

  it("finds a value with one short word different", () => {
    const result = grounded("continue pembrolizumab every 3 weeks");
    expect(result).toMatchObject({ grade: "fuzzy", text: "continue pembrolizumab every three weeks" });
    expect(result.score).toBeGreaterThanOrEqual(0.8);
    expect(result.score).toBeLessThan(1);
  });

  it("leaves a paraphrase ungrounded", () => {
    expect(grounded("no evidence of recurrence").grade).toBe("ungrounded");
    expect(grounded("restaging imaging was normal").grade).toBe("ungrounded");
  });

  it("still prefers normalised for another case, and maps a fuzzy span across re-wrapped whitespace", () => {
    expect(grounded("her2 NEGATIVE")).toMatchObject({ grade: "normalised", text: "HER2 negative", score: 1 });
    expect(grounded("pembrolizumab induced colitis")).toMatchObject({ grade: "normalised" });
    expect(grounded("pembrolizumab induced colitus")).toMatchObject({
      grade: "fuzzy",
      text: "pembrolizumab\\n\\t induced   colitis",
    });
  });

  it("treats a character lost as ? like any other character", () => {
    expect(grounded("patient's performance status")).toMatchObject({ grade: "fuzzy", text: "patient?s perfomance status" });
  });

  it("snaps a match that ends inside a word to the whole word, counting the extra letters", () => {
    // "Pembrolizumabs" (a name) holds the drug name exactly but is not it: one edit more, not exact.
    const letter = "Seen by Dr Pembrolizumabs today.";
    const result = groundValue(indexLetter(letter), "pembrolizumab");
    expect(result.grade).toBe("fuzzy");
    expect(letter.slice(result.span?.start, result.span?.end)).toBe("Pembrolizumabs");
    expect(result.span?.score).toBeCloseTo(1 - 1 / 13);
  });

  it("never fuzzy-matches a very short value", () => {
    // The letter has PR+ and HER2: one edit away, but under four characters that means nothing.
    expect(grounded("ER+", { fuzzyThreshold: 0.5 }).grade).toBe("ungrounded");
    // At the default threshold a four-character value would need a fifth of an edit.
    expect(grounded("HER3").grade).toBe("ungrounded");
  });

  it("takes the threshold as an option", () => {
    expect(grounded("pembrolizamab", { fuzzyThreshold: 0.95 }).grade).toBe("ungrounded");
    expect(grounded("perfomance stats", { fuzzyThreshold: 0.95 }).grade).toBe("ungrounded");
    expect(grounded("perfomance stats").grade).toBe("fuzzy");
  });
});

describe("fuzzy grounding never accepts a span that reverses the fact", () => {
  const letter = "Diagnosis: invasive ductal carcinoma of the right breast, HER2- disease. Lymphovascular invasion seen. ER positive.";
  const grade = (value: string) => groundValue(indexLetter(letter), value).grade;

  it("rejects another side, another sign, or a dropped negation", () => {
    expect(grade("invasive ductal carcinoma of the left breast")).toBe("ungrounded");
    expect(grade("HER2+ disease")).toBe("ungrounded");
    expect(grade("No lymphovascular invasion seen")).toBe("ungrounded");
  });

  it("does not trust a misspelt side word either: the reviewer checks it", () => {
    expect(grade("invasive ductal carcinoma of the rigth breast")).toBe("ungrounded");
  });

  it("still accepts a misspelling of a word that does not change the fact", () => {
    expect(grade("invasive ductle carcinoma of the right breast")).toBe("fuzzy");
    expect(grade("Lymphovascular invasion seem")).toBe("fuzzy");
  });
});
