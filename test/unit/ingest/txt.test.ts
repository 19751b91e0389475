import { beforeEach, describe, expect, it } from "vitest";
import { decodeText } from "../../../src-main/ingest/encoding.ts";
import { collect, put } from "./helpers.ts";
import { useTempDirs } from "../../helpers/tempDir.ts";

const LETTER = "Diagnosis: carcinoma of the breast £250 café – T2N1\nPlan: review in 3 months\n";

function utf16le(text: string): Buffer {
  return Buffer.from(text, "utf16le");
}
function utf16be(text: string): Buffer {
  return utf16le(text).swap16();
}

const tempDir = useTempDirs();

describe("txt reader", () => {
  let dir = "";
  beforeEach(() => {
    dir = tempDir();
  });

  const cases: [string, () => Buffer, string][] = [
    ["UTF-8", () => Buffer.from(LETTER, "utf8"), "utf-8"],
    ["UTF-8 with BOM", () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(LETTER, "utf8")]), "utf-8"],
    ["UTF-16 LE with BOM", () => Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(LETTER)]), "utf-16le"],
    ["UTF-16 BE with BOM", () => Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(LETTER)]), "utf-16be"],
    ["UTF-16 LE without BOM", () => utf16le(LETTER), "utf-16le"],
  ];
  for (const [name, bytes, encoding] of cases) {
    it(`decodes ${name}`, async () => {
      const path = await put(dir, "P001_2024-03-15_initial.txt", bytes());
      const { letters, problems } = await collect([path]);
      expect(problems).toEqual([]);
      expect(letters).toEqual([
        { text: LETTER, sourcePath: path, sourceRow: null, patientId: "P001", letterDate: "2024-03-15", format: "txt" },
      ]);
      const decoded = decodeText(bytes());
      expect(decoded.ok && decoded.encoding).toBe(encoding);
    });
  }

  it("decodes Windows-1252 (£ é – as 0xA3 0xE9 0x96)", async () => {
    const bytes = Buffer.concat([Buffer.from("Cost "), Buffer.from([0xa3]), Buffer.from("5, caf"), Buffer.from([0xe9]), Buffer.from(" "), Buffer.from([0x96]), Buffer.from(" done\r\n")]);
    const path = await put(dir, "legacy.txt", bytes);
    const { letters, problems } = await collect([path]);
    expect(problems).toEqual([]);
    expect(letters[0]?.text).toBe("Cost £5, café – done\r\n");
    expect(letters[0]?.patientId).toBeNull();
    expect(letters[0]?.letterDate).toBeNull();
  });

  it("keeps mostly-UTF-8 text with a damaged byte as UTF-8, not Windows-1252 mojibake", async () => {
    const bytes = Buffer.concat([Buffer.from("Cost £5, café – "), Buffer.from([0xe2, 0x80]), Buffer.from(" end")]);
    const path = await put(dir, "damaged.txt", bytes);
    const { letters } = await collect([path]);
    expect(letters[0]?.text).toBe("Cost £5, café – \uFFFD end");
  });

  it("keeps export artefacts exactly as read", async () => {
    const text = "Histology:\\n\\nGrade 2?\tER positive\\t\\t? HER2 negative";
    const path = await put(dir, "a.txt", text);
    const { letters } = await collect([path]);
    expect(letters[0]?.text).toBe(text);
  });

  it("refuses a binary file renamed .txt", async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 1, 0]);
    const path = await put(dir, "image.txt", bytes);
    const { letters, problems } = await collect([path]);
    expect(letters).toEqual([]);
    expect(problems).toEqual([
      { sourcePath: path, sourceRow: null, message: "not valid UTF-8/16 or Windows-1252 text: looks binary (NUL bytes)" },
    ]);
  });

  it("refuses control-character noise without NULs", async () => {
    const bytes = Buffer.alloc(400, 0x41);
    for (let i = 0; i < 400; i += 10) bytes[i] = 0x01;
    const path = await put(dir, "noise.txt", bytes);
    const { problems } = await collect([path]);
    expect(problems[0]?.message).toBe("not valid UTF-8/16 or Windows-1252 text: looks binary (40 control characters)");
  });

  it("refuses text in another legacy encoding rather than storing mojibake", async () => {
    // "Пациент с раком молочной железы" in Windows-1251: almost every byte is above 0x7F.
    const cp1251 = Buffer.from([0xcf, 0xe0, 0xf6, 0xe8, 0xe5, 0xed, 0xf2, 0x20, 0xf1, 0x20, 0xf0, 0xe0, 0xea, 0xee, 0xec, 0x20, 0xec, 0xee, 0xeb, 0xee, 0xf7, 0xed, 0xee, 0xe9, 0x20, 0xe6, 0xe5, 0xeb, 0xe5, 0xe7, 0xfb]);
    const path = await put(dir, "ru.txt", cp1251);
    const { letters, problems } = await collect([path]);
    expect(letters).toEqual([]);
    expect(problems[0]?.message).toMatch(/^not valid UTF-8\/16 or Windows-1252 text: \d+% of bytes are non-ASCII/);
  });

  it("refuses a UTF-16 BOM followed by an odd number of bytes", async () => {
    const path = await put(dir, "odd.txt", Buffer.from([0xff, 0xfe, 0x41, 0x00, 0x42]));
    const { problems } = await collect([path]);
    expect(problems[0]?.message).toBe(
      "not valid UTF-8/16 or Windows-1252 text: starts with a UTF-16 LE byte-order mark but is not valid UTF-16",
    );
  });

  it("reports empty and whitespace-only files", async () => {
    const empty = await put(dir, "empty.txt", "");
    const blank = await put(dir, "blank.txt", " \r\n\t\n");
    const bomOnly = await put(dir, "bom.txt", Buffer.from([0xef, 0xbb, 0xbf]));
    const { letters, problems } = await collect([empty, blank, bomOnly]);
    expect(letters).toEqual([]);
    expect(problems.map((p) => p.message)).toEqual(["empty file", "empty file", "empty file"]);
  });

  it("refuses a letter over maxLetterChars", async () => {
    const path = await put(dir, "long.txt", "x".repeat(1001));
    const { letters, problems } = await collect([path], { maxLetterChars: 1000 });
    expect(letters).toEqual([]);
    expect(problems[0]?.message).toBe("letter is 1,001 characters, over the 1,000 limit (maxLetterChars)");
  });
});
