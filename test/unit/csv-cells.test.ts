import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { csvLine, neutraliseCell } from "../../src-main/export/cells.ts";

/** A deterministic generator of awkward strings: formula starts, quotes, commas, line breaks, unicode. */
function* awkwardStrings(count: number): Generator<string> {
  const alphabet = ["=", "+", "-", "@", "\t", "\r", "\n", '"', ",", ";", " ", "a", "Z", "1", "é", "£", "?", "\\", "'", "—"];
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let i = 0; i < count; i++) {
    const length = next() % 12;
    yield Array.from({ length }, () => alphabet[next() % alphabet.length]).join("");
  }
}

describe("CSV cells", () => {
  it("neutralises every cell a spreadsheet would run as a formula", () => {
    for (const start of ["=", "+", "-", "@", "\t", "\r"]) expect(neutraliseCell(`${start}SUM(A1)`)).toBe(`'${start}SUM(A1)`);
    expect(neutraliseCell("ER positive")).toBe("ER positive");
  });

  it("property: any string survives a round trip through a CSV parser, and no cell starts a formula", () => {
    for (const text of awkwardStrings(2000)) {
      const [row] = parse(csvLine([text, 7, null, true]), { relax_quotes: false }) as string[][];
      const cell = row?.[0] ?? "";
      expect(/^[=+\-@\t\r]/.test(cell), JSON.stringify(text)).toBe(false);
      expect(cell.startsWith("'") && /^[=+\-@\t\r]/.test(text) ? cell.slice(1) : cell).toBe(text);
      expect(row?.slice(1)).toEqual(["7", "", "true"]);
    }
  });

  it("writes numbers as bare numbers, negative ones included", () => {
    expect(csvLine([-3, 2024, "x"])).toBe("-3,2024,x\r\n");
  });
});
