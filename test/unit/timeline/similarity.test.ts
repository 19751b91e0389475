import { describe, expect, it } from "vitest";
import { cleanText, extractDates, features, matchScore, similarity, stem, veto } from "../../../src-main/timeline/similarity.ts";
import { DEFAULT_SIMILARITY, normaliseStage, normaliseText } from "../../../src-main/timeline/merge.ts";

const score = (a: string, b: string) => matchScore(features(a), features(b));

describe("timeline similarity", () => {
  it("reads the date formats letters use, day first", () => {
    const { dates, rest } = extractDates(
      cleanText("on 2021-2-10, 29/03/2021, 21/06/21, 24th Feb 2021, March 2013, late May 2022, in 2015, 40 Gy"),
    );
    expect(dates).toEqual(
      expect.arrayContaining([
        { year: 2021, month: 2, day: 10 },
        { year: 2021, month: 3, day: 29 },
        { year: 2021, month: 6, day: 21 },
        { year: 2021, month: 2, day: 24 },
        { year: 2013, month: 3 },
        { year: 2022, month: 5 },
        { year: 2015 },
      ]),
    );
    expect(dates).toHaveLength(7);
    expect(rest).toContain("40 gy");
    // An impossible day/month is not a date; the year in it still is.
    expect(extractDates("45/13/2021").dates).toEqual([{ year: 2021 }]);
  });

  it("evens out export artefacts and simple word endings", () => {
    expect(cleanText("Tamoxifen 20?mg\\ndaily")).toBe("tamoxifen 20 mg daily");
    expect(stem("cycles")).toBe(stem("cycle"));
    expect(stem("reduced")).toBe(stem("reduce"));
    expect(stem("nodes")).toBe(stem("node"));
    expect(features("docetaxel reduced from C4").tokens.has("#4")).toBe(true);
  });

  it("weighs dates, drugs and numbers above ordinary words", () => {
    const { tokens } = features("Pembrolizumab 200 mg started 03/04/2023");
    expect(tokens.get("pembrolizumab")).toBe(3);
    expect(tokens.get("@2023-04")).toBe(3);
    expect(tokens.get("#200")).toBe(2);
    expect(tokens.get("mg")).toBe(1);
  });

  it("scores restatements above the threshold and different events below", () => {
    const same = [
      ["Neoadjuvant TCHP, cycle 1 29/03/2021", "Neoadjuvant TCHP x 6 cycles, 29/03/2021 - 12/07/2021"],
      [
        "Following cycle 3 she developed grade 2 diarrhoea, which we attributed to docetaxel, requiring loperamide, and the docetaxel dose was reduced by 20% from cycle 4 onwards",
        "docetaxel reduced 20% from C4 for diarrhoea",
      ],
      ["Osimertinib 80 mg daily from 12/09/2022", "Osimertinib 12/09/2022 - 10/01/2024"],
    ] as const;
    for (const [a, b] of same) expect(score(a, b)).toBeGreaterThanOrEqual(DEFAULT_SIMILARITY);
    const different = [
      ["cycle 1 of FOLFOX", "cycle 6 of FOLFOX"],
      ["osimertinib 80 mg daily", "osimertinib 40 mg daily"],
      ["tamoxifen started", "tamoxifen stopped"],
      ["CT on 05/12/2022 showed partial response", "CT on 23/05/2023 showed partial response"],
      ["isotope bone scan was clear", "Hb 108 g/L, neutrophils 2.1"],
    ] as const;
    for (const [a, b] of different) expect(score(a, b)).toBeLessThan(DEFAULT_SIMILARITY);
  });

  it("explains a refusal by its veto", () => {
    expect(veto(features("cycle 1 of FOLFOX"), features("cycle 6 of FOLFOX"))).toBe("numbers");
    expect(veto(features("tamoxifen started"), features("tamoxifen stopped"))).toBe("actions");
    expect(veto(features("CT 05/12/2022"), features("CT May 2023"))).toBe("dates");
    // A shared day-level date outweighs a different count.
    expect(veto(features("TCHP cycle 1 29/03/2021"), features("TCHP x 6 cycles 29/03/2021"))).toBeNull();
    expect(similarity(features(""), features("anything"))).toBe(0);
  });

  it("normalises scalar values without hiding real differences", () => {
    expect(normaliseStage("Stage IIB")).toBe(normaliseStage("IIb"));
    expect(normaliseStage("T3 N1 M0")).toBe(normaliseStage("T3N1M0"));
    expect(normaliseStage("cT3 N1 M0")).not.toBe(normaliseStage("T3 N1 M0"));
    expect(normaliseText("PD-L1 TPS 5%; ER 8/8")).toBe(normaliseText("PDL1 TPS 5%, ER 8 / 8"));
    expect(normaliseText("ER+")).not.toBe(normaliseText("ER-"));
  });
});
