import { describe, expect, it } from "vitest";
import { jaccard, minhash, NearDuplicateIndex, shingles, signatureFromBuffer, signatureToBuffer, similarity, words } from "../../src-main/synth/nearDuplicate.ts";
import { sampleGrid } from "../../src-main/synth/gridSampler.ts";
import { renderGridRow } from "../../src-main/synth/promptBuilder.ts";
import { fakeLetterAnswer } from "../helpers/fakeAnthropic.ts";

const letters = sampleGrid(12, undefined, 9).map((row) => (JSON.parse(fakeLetterAnswer(renderGridRow(row).text)) as { content: string }).content);

describe("near-duplicate detection (MinHash over word 3-shingles)", () => {
  it("reads words as a reader does: case, punctuation and literal \\n/\\t artefacts do not count", () => {
    expect(words("Plan:\\n\\tCT  in 3 MONTHS.")).toEqual(["plan", "ct", "in", "3", "months"]);
    expect(similarity(minhash("Plan:\\n\\tCT in 3 months, then review."), minhash("plan: ct in 3 months then review"))).toBe(1);
  });

  it("gives 1 for the same letter and a high score for a lightly edited one", () => {
    const letter = letters[0] as string;
    expect(similarity(minhash(letter), minhash(letter))).toBe(1);
    const edited = letter.replace(/ECOG PS \d/, "ECOG PS 3");
    expect(similarity(minhash(letter), minhash(edited))).toBeGreaterThan(0.8);
  });

  it("estimates the exact Jaccard similarity closely (within 0.12 for 128 hashes)", () => {
    for (let i = 0; i + 1 < letters.length; i++) {
      const a = letters[i] as string;
      const b = `${letters[i + 1] as string} ${a.slice(0, a.length / 2)}`;
      expect(Math.abs(similarity(minhash(a), minhash(b)) - jaccard(shingles(a), shingles(b)))).toBeLessThan(0.12);
    }
  });

  it("keeps different letters below the threshold", () => {
    const index = new NearDuplicateIndex();
    letters.forEach((letter, i) => {
      const signature = minhash(letter);
      expect(index.nearest(signature)).toBeNull();
      index.add(String(i), signature);
    });
    expect(index.nearest(minhash(letters[4] as string))).toEqual({ id: "4", similarity: 1 });
  });

  it("stores a signature as 512 bytes and reads it back unchanged", () => {
    const signature = minhash(letters[1] as string);
    const buffer = signatureToBuffer(signature);
    expect(buffer.byteLength).toBe(512);
    expect(Array.from(signatureFromBuffer(Buffer.from(buffer)))).toEqual(Array.from(signature));
    expect(() => signatureFromBuffer(Buffer.alloc(10))).toThrow(/512 bytes/);
  });

  it("handles texts shorter than one shingle", () => {
    expect(shingles("two words")).toEqual(new Set(["two words"]));
    expect(similarity(minhash("two words"), minhash("Two words."))).toBe(1);
    expect(() => new NearDuplicateIndex(0)).toThrow(RangeError);
  });
});
