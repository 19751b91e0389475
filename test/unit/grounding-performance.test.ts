import { describe, expect, it } from "vitest";
import { groundAll, longLetter, valuesFor } from "../../scripts/bench/grounding.ts";

describe("grounding a long letter", () => {
  it("grounds 200 values in a 100 KB letter with one index and no search quadratic in the letter", () => {
    const letter = longLetter(100_000);
    const values = valuesFor(letter, 200);
    const started = performance.now();
    const results = groundAll(letter, values);
    // Reported, not asserted: timings on a shared machine vary (scripts/bench-grounding.ts compares).
    console.log(`grounded ${values.length} values in a ${letter.length}-character letter in ${(performance.now() - started).toFixed(0)} ms`);
    const grades = new Map<string, number>();
    for (const { grade } of results) grades.set(grade, (grades.get(grade) ?? 0) + 1);
    // valuesFor makes a quarter of each kind; every misspelt value is still found.
    expect(grades.get("fuzzy")).toBe(50);
    expect(grades.get("ungrounded")).toBe(50);
    expect((grades.get("exact") ?? 0) + (grades.get("normalised") ?? 0)).toBe(100);
  });
});
