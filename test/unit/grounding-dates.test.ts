import { describe, expect, it } from "vitest";
import { groundableValues, groundDate, groundDocument, indexLetter, YEAR_ONLY_SCORE } from "../../src-main/grounding/index.ts";
import type { TimelineDocument } from "../../src-shared/timeline.ts";

function dated(letter: string, year: number, month?: number, near: { start: number; end: number } | null = null) {
  const result = groundDate(indexLetter(letter), { year, month }, near);
  return { grade: result.grade, text: result.span ? letter.slice(result.span.start, result.span.end) : null, score: result.span?.score ?? null };
}

describe("date grounding", () => {
  it.each([
    ["Diagnosed in 2019 after a scan.", "2019", 2019, undefined],
    ["Diagnosed 03/2019 after a scan.", "03/2019", 2019, 3],
    ["Biopsy on 15/03/2019 confirmed it.", "15/03/2019", 2019, 3],
    ["Biopsy on 15/03/19 confirmed it.", "15/03/19", 2019, 3],
    ["Biopsy on 2019-3-1 confirmed it.", "2019-3-1", 2019, 3],
    ["Biopsy on 2019-03-15 confirmed it.", "2019-03-15", 2019, 3],
    ["Biopsy on 15.03.2019 confirmed it.", "15.03.2019", 2019, 3],
    ["Diagnosed in March 2019.", "March 2019", 2019, 3],
    ["Diagnosed in Mar 2019.", "Mar 2019", 2019, 3],
    ["Diagnosed in Sept. 2019.", "Sept. 2019", 2019, 9],
    ["Biopsy on 3rd March 2019.", "3rd March 2019", 2019, 3],
    ["Biopsy on March 3rd, 2019.", "March 3rd, 2019", 2019, 3],
    ["Plan:\\nMarch 2019 restaging", "March 2019", 2019, 3], // after a literal \n export artefact
    ["4 cycles from April to June 2023.", "April", 2023, 4], // the first month of a range takes the range's year
  ] as const)("finds %j as %j", (letter, text, year, month) => {
    expect(dated(letter, year, month)).toEqual({ grade: "exact", text, score: 1 });
  });

  it("finds the end month of a range too", () => {
    expect(dated("4 cycles from April to June 2023.", 2023, 6)).toMatchObject({ grade: "exact", text: "June 2023" });
  });

  it("grades a bare year for a year+month date as fuzzy, and a different month as no support", () => {
    expect(dated("Diagnosed in 2019.", 2019, 3)).toEqual({ grade: "fuzzy", text: "2019", score: YEAR_ONLY_SCORE });
    expect(dated("Diagnosed in June 2019.", 2019, 3)).toEqual({ grade: "ungrounded", text: null, score: null });
    expect(dated("Diagnosed in March 2018.", 2019, 3).grade).toBe("ungrounded");
    expect(dated("No dates here at all.", 2019).grade).toBe("ungrounded");
  });

  it("does not read doses, scores or stages as dates", () => {
    const letter = "ER 8/8, PR 3/8, T2 N1 M0, dose 12.5 mg, Hb 96 g/L, 1.2019 mmol, 2019.5 units";
    expect(indexLetter(letter).dates).toEqual([]);
  });

  it("keeps one mention per date and reads a year range as two years", () => {
    expect(indexLetter("on 15/03/2019 and in 2018-2019").dates.map((d) => [d.year, d.month])).toEqual([
      [2019, 3],
      [2018, null],
      [2019, null],
    ]);
  });

  it("prefers the date in the same sentence as the item's text, then the closest", () => {
    const letter = "Surgery on 01/03/2019 went well. She then started letrozole on 20/03/2019, and 2019 was quiet.";
    const letrozole = letter.indexOf("started letrozole");
    const near = { start: letrozole, end: letrozole + "started letrozole".length };
    expect(dated(letter, 2019, 3, near).text).toBe("20/03/2019");
    expect(dated(letter, 2019, undefined, near).text).toBe("20/03/2019");
    expect(dated(letter, 2019, 3, { start: 0, end: 7 }).text).toBe("01/03/2019");
    expect(dated(letter, 2019, 3).text).toBe("01/03/2019"); // no text span: the first
  });

  it("grounds the dates of the primary cancer, its events and other cancers in groundDocument", () => {
    const letter =
      "Diagnosis: right breast cancer, March 2019.\\nSurgery: wide local excision 02/04/19.\\n" +
      "Started letrozole on 2019-5-1. Previous melanoma of the back in 2004. Chemotherapy began in 2019.";
    const document: TimelineDocument = {
      primary_cancer: {
        site: "right breast",
        year: 2019,
        month: 3,
        cancer_timeline: [
          { type: "treatment_surgery", value: "wide local excision", year: 2019, month: 4 },
          { type: "treatment_systemic_start", value: "Started letrozole", year: 2019, month: 5 },
          { type: "treatment_systemic_start", value: "Chemotherapy", year: 2019, month: 7 },
          { type: "other_progress_or_event", value: "well" },
        ],
      },
      other_cancers: [{ site: "melanoma of the back", year: 2004 }],
      patient_facts: [],
      status_updates: [],
    };
    const result = groundDocument(letter, document);
    expect(result.map(({ path }) => path)).toEqual(groundableValues(document).map(({ path }) => path));
    const dates = result
      .filter(({ path }) => path.endsWith(".date"))
      .map(({ path, value, grade, span }) => [path, value, grade, span ? letter.slice(span.start, span.end) : null]);
    expect(dates).toEqual([
      ["primary_cancer.date", "2019-03", "exact", "March 2019"],
      ["primary_cancer.cancer_timeline[0].date", "2019-04", "exact", "02/04/19"],
      ["primary_cancer.cancer_timeline[1].date", "2019-05", "exact", "2019-5-1"],
      ["primary_cancer.cancer_timeline[2].date", "2019-07", "fuzzy", "2019"],
      ["other_cancers[0].date", "2004", "exact", "2004"],
    ]);
    // The bare year chosen for the chemotherapy is the one in its own sentence, not the first 2019.
    const chemo = result.find(({ path }) => path === "primary_cancer.cancer_timeline[2].date");
    expect(chemo?.span?.start).toBe(letter.lastIndexOf("2019"));
  });
});
