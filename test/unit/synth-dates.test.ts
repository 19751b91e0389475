import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { groundDocument } from "../../src-main/grounding/index.ts";
import { listExpertExamples } from "../../src-main/synth/promptBuilder.ts";
import { shiftDates, shiftDocumentDates, shiftYearMonth, yearOnlyShift } from "../../src-main/synth/dates.ts";
import { validateTimeline, type TimelineDocument } from "../../src-shared/timeline.ts";

const EXAMPLES = path.resolve(import.meta.dirname, "../../prompts/synth/examples");

describe("shiftYearMonth / yearOnlyShift", () => {
  it("rolls months over year ends both ways", () => {
    expect(shiftYearMonth(2023, 11, 3)).toEqual({ year: 2024, month: 2 });
    expect(shiftYearMonth(2023, 1, -1)).toEqual({ year: 2022, month: 12 });
    expect(shiftYearMonth(2023, 6, -30)).toEqual({ year: 2020, month: 12 });
    expect(shiftYearMonth(2023, 12, 12)).toEqual({ year: 2024, month: 12 });
  });
  it("moves a year-only date by the rounded number of years", () => {
    expect([yearOnlyShift(0), yearOnlyShift(5), yearOnlyShift(6), yearOnlyShift(-6), yearOnlyShift(18), yearOnlyShift(-17), yearOnlyShift(24)]).toEqual([0, 0, 1, -1, 2, -1, 2]);
  });
});

describe("shiftDates", () => {
  const cases: [string, number, string][] = [
    // ISO, unpadded and padded
    ["2012-5-1", 1, "2012-6-1"],
    ["2012-5-1", 8, "2013-1-1"],
    ["2019-03-15", -3, "2018-12-15"],
    ["2019/03", 10, "2020/01"],
    // day first, four- and two-digit years, other separators
    ["15/03/2024", 2, "15/05/2024"],
    ["15/03/24", 11, "15/02/25"],
    ["15/3/24", -3, "15/12/23"],
    ["31/12/99", 1, "31/01/00"],
    ["01/01/00", -1, "01/12/99"],
    ["15.03.2019", 12, "15.03.2020"],
    ["5-3-2019", 1, "5-4-2019"],
    // end of month clamped, leap years
    ["31/01/2021", 1, "28/02/2021"],
    ["31/01/2024", 1, "29/02/2024"],
    ["29/02/2024", 12, "28/02/2025"],
    // month and year
    ["03/2019", 10, "01/2020"],
    ["March 2013", 1, "April 2013"],
    ["March 2013", -3, "December 2012"],
    ["Mar 2013", 10, "Jan 2014"],
    ["Mar-2013", 2, "May-2013"],
    ["Sept. 2019", 1, "Oct. 2019"],
    ["Sept 2019", 12, "Sept 2020"],
    ["DECEMBER 2019", 1, "JANUARY 2020"],
    ["May 2019", 1, "June 2019"],
    // ordinals
    ["3rd Feb 2021", 1, "3rd Mar 2021"],
    ["31st January 2021", 1, "28th February 2021"],
    ["1st of June 2020", -5, "1st of January 2020"],
    ["22nd Nov 2021", 2, "22nd Jan 2022"],
    ["March 3rd, 2019", 11, "February 3rd, 2020"],
    // ranges, months and days without a year, bare years
    ["April to June 2023", 7, "November to January 2024"],
    ["review on 12 March", 1, "review on 12 April"],
    ["since November", 3, "since February"],
    ["diagnosed in 2016", 7, "diagnosed in 2017"],
    ["diagnosed in 2016", 5, "diagnosed in 2016"],
    ["late 2022", -24, "late 2020"],
  ];
  it.each(cases)("%s moved %i months is %s", (input, months, expected) => {
    expect(shiftDates(input, months)).toBe(expected);
  });

  it("leaves numbers that are not dates alone", () => {
    const text = "ER 8/8, PR 3/8, Gleason 4+5=9, BP 130/80, 2000 mg, 20 Gy in 5 fractions, grade 2 may recur, Hb 108 g/L, 1.2019, CA 19-9 2010 U/mL, 1950 umol/L";
    expect(shiftDates(text, 5)).toBe(text);
  });

  it("reads through literal \\n and \\t export artefacts", () => {
    expect(shiftDates("Plan:\\n\\t1. CT 2021-6-2\\nMarch 2013\\n2019", 12)).toBe("Plan:\\n\\t1. CT 2022-6-2\\nMarch 2014\\n2020");
  });

  it("shifts every date of a mixed letter consistently and round-trips", () => {
    const letter = "Diagnosed March 2013. CT 15/03/24 and 2012-5-1; surgery 3rd Feb 2021; PSA 03/2019; seen in 2019.";
    const there = shiftDates(letter, 18);
    expect(there).toBe("Diagnosed September 2014. CT 15/09/25 and 2013-11-1; surgery 3rd Aug 2022; PSA 09/2020; seen in 2021.");
    expect(shiftDates(there, -18)).toBe(letter);
    expect(shiftDates(letter, 0)).toBe(letter);
  });

  it("keeps the date's zero padding style", () => {
    expect(shiftDates("2012-5-1", 6)).toBe("2012-11-1");
    expect(shiftDates("2012-11-1", -6)).toBe("2012-5-1");
    expect(shiftDates("2012-11-01", -6)).toBe("2012-05-01");
    expect(shiftDates("5/3/2019", 1)).toBe("5/4/2019");
    expect(shiftDates("15/11/2019", 2)).toBe("15/01/2020");
    expect(shiftDates("3 March 2019", 1)).toBe("3 April 2019");
    expect(shiftDates("31 January 2019", 1)).toBe("28 February 2019");
  });

  it("refuses fractional months", () => {
    expect(() => shiftDates("2019", 1.5)).toThrow(/integer/);
  });
});

describe("shiftDocumentDates", () => {
  const doc: TimelineDocument = {
    primary_cancer: {
      site: "left breast",
      year: 2021,
      month: 11,
      cancer_timeline: [
        { type: "treatment_systemic_start", value: "TCHP from 29/11/2021", year: 2021, month: 11 },
        { type: "treatment_surgery", value: "mastectomy in 2016", year: 2016 },
        { type: "anatomical_finding", value: "no date" },
      ],
    },
    other_cancers: [{ site: "skin", year: 2010, month: 1, latest_situation: "excised January 2010" }],
    patient_facts: [{ type: "comorbidity", value: "asthma since 2001" }],
    status_updates: [{ type: "planned_investigation", value: "CT on 12/01/22" }],
  };

  it("moves year/month fields and the dates inside text values alike", () => {
    const moved = shiftDocumentDates(doc, 3);
    expect(moved.primary_cancer).toMatchObject({ year: 2022, month: 2 });
    expect(moved.primary_cancer.cancer_timeline).toEqual([
      { type: "treatment_systemic_start", value: "TCHP from 28/02/2022", year: 2022, month: 2 },
      { type: "treatment_surgery", value: "mastectomy in 2016", year: 2016 },
      { type: "anatomical_finding", value: "no date" },
    ]);
    expect(moved.other_cancers[0]).toEqual({ site: "skin", year: 2010, month: 4, latest_situation: "excised April 2010" });
    expect(moved.status_updates[0]?.value).toBe("CT on 12/04/22");
    expect(shiftDocumentDates(doc, 8).primary_cancer.cancer_timeline[1]).toEqual({ type: "treatment_surgery", value: "mastectomy in 2017", year: 2017 });
    expect(validateTimeline(moved).ok).toBe(true);
    expect(doc.primary_cancer.year).toBe(2021); // pure: the input is unchanged
  });

  it.each(listExpertExamples())("keeps expert example %s fully grounded after shifting", (id) => {
    const letter = readFileSync(path.join(EXAMPLES, `${id}.txt`), "utf8");
    const result = validateTimeline(JSON.parse(readFileSync(path.join(EXAMPLES, `${id}.json`), "utf8")));
    if (!result.ok) throw new Error(result.errors.join("; "));
    for (const months of [-25, -7, 5, 11, 36]) {
      const shifted = shiftDocumentDates(result.document, months);
      expect(validateTimeline(shifted).ok).toBe(true);
      const weak = groundDocument(shiftDates(letter, months), shifted).filter((v) => v.grade !== "exact" && v.grade !== "normalised");
      expect(weak.map((v) => `${months}: ${v.path} ${v.grade} ${v.value}`)).toEqual([]);
    }
  });
});
