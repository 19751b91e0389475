import { describe, expect, it } from "vitest";
import { DEFAULT_FILE_NAME_PATTERN, factsFromFileName, parseLetterDate } from "../../../src-main/ingest/index.ts";

describe("parseLetterDate", () => {
  const cases: [string, string | null][] = [
    ["2024-03-15", "2024-03-15"],
    ["2012-5-1", "2012-05-01"],
    ["2024/03/15", "2024-03-15"],
    ["2024-03-15T09:30:00Z", "2024-03-15"],
    ["2024-03-15 09:30", "2024-03-15"],
    ["15/03/2024", "2024-03-15"],
    ["5/3/2024", "2024-03-05"],
    ["15/03/24", "2024-03-15"],
    ["01/02/69", "1969-02-01"],
    ["01/02/68", "2068-02-01"],
    ["15.03.2024", "2024-03-15"],
    ["15-03-2024", "2024-03-15"],
    ["15 March 2024", "2024-03-15"],
    ["15th March 2024", "2024-03-15"],
    ["1st of Sept, 2023", "2023-09-01"],
    ["15 mar 2024", "2024-03-15"],
    ["15-Mar-24", "2024-03-15"],
    ["March 15, 2024", "2024-03-15"],
    ["  15/03/2024 ", "2024-03-15"],
    ["29/02/2024", "2024-02-29"],
    // Partial, impossible or not dates at all.
    ["29/02/2023", null],
    ["31/04/2024", null],
    ["13/13/2024", null],
    ["March 2024", null],
    ["2024-03", null],
    ["2024", null],
    ["15 Smarch 2024", null],
    ["0000-01-01", null],
    ["", null],
    ["yesterday", null],
    ["12345678", null],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${expected}`, () => expect(parseLetterDate(input)).toBe(expected));
  }
});

describe("patient and date from file names", () => {
  it("reads the default pattern", () => {
    expect(factsFromFileName("/x/P001_2024-03-15_initial.txt", DEFAULT_FILE_NAME_PATTERN)).toEqual({ patientId: "P001", letterDate: "2024-03-15" });
    expect(factsFromFileName("/x/RX-12_2023-01-31.pdf", DEFAULT_FILE_NAME_PATTERN)).toEqual({ patientId: "RX-12", letterDate: "2023-01-31" });
    expect(factsFromFileName("P001_2024-03-15", DEFAULT_FILE_NAME_PATTERN)).toEqual({ patientId: "P001", letterDate: "2024-03-15" });
  });

  it("gives nulls when the name does not match, and a null date when the date is impossible", () => {
    expect(factsFromFileName("/x/letter.txt", DEFAULT_FILE_NAME_PATTERN)).toEqual({ patientId: null, letterDate: null });
    expect(factsFromFileName("/x/P001_2024-03-151.txt", DEFAULT_FILE_NAME_PATTERN)).toEqual({ patientId: null, letterDate: null });
    expect(factsFromFileName("/x/P001_2024-02-30.txt", DEFAULT_FILE_NAME_PATTERN)).toEqual({ patientId: "P001", letterDate: null });
  });

  it("reads a custom pattern with either group, dates through parseLetterDate", () => {
    expect(factsFromFileName("/x/15-03-2024_ABC.txt", /^(?<date>\d{2}-\d{2}-\d{4})_(?<patient>\w+)/)).toEqual({ patientId: "ABC", letterDate: "2024-03-15" });
    expect(factsFromFileName("/x/clinic-NHS123.txt", /(?<patient>NHS\d+)/)).toEqual({ patientId: "NHS123", letterDate: null });
  });
});
