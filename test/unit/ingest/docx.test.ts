import JSZip from "jszip";
import { beforeEach, describe, expect, it } from "vitest";
import { documentXml, makeDocx } from "../../helpers/fixtures.ts";
import { collect, put } from "./helpers.ts";
import { useTempDirs } from "../../helpers/tempDir.ts";

/** Rewrites the uncompressed size of `name` in both the local header and the central directory: a lying zip. */
function declareSize(zip: Buffer, name: string, size: number): Buffer {
  const out = Buffer.from(zip);
  for (let i = 0; i + 46 <= out.length; i++) {
    const signature = out.readUInt32LE(i);
    if (signature === 0x04034b50 && out.toString("latin1", i + 30, i + 30 + out.readUInt16LE(i + 26)) === name) out.writeUInt32LE(size, i + 22);
    if (signature === 0x02014b50 && out.toString("latin1", i + 46, i + 46 + out.readUInt16LE(i + 28)) === name) out.writeUInt32LE(size, i + 24);
  }
  return out;
}

const tempDir = useTempDirs();

describe("docx reader", () => {
  let dir = "";
  beforeEach(() => {
    dir = tempDir();
  });

  it("reads the text of a real .docx", async () => {
    const path = await put(dir, "P002_2023-11-02.docx", await makeDocx(documentXml(["Diagnosis: carcinoma of the breast £", "Plan: letrozole – review 15/03/24"])));
    const { letters, problems } = await collect([path]);
    expect(problems).toEqual([]);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ sourcePath: path, sourceRow: null, patientId: "P002", letterDate: "2023-11-02", format: "docx" });
    expect(letters[0]?.text).toContain("Diagnosis: carcinoma of the breast £");
    expect(letters[0]?.text).toContain("Plan: letrozole – review 15/03/24");
  });

  it("refuses the same .docx truncated", async () => {
    const bytes = await makeDocx(documentXml(["Diagnosis: melanoma"]));
    const path = await put(dir, "cut.docx", bytes.subarray(0, Math.floor(bytes.length / 2)));
    const { letters, problems } = await collect([path]);
    expect(letters).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(/^not a valid \.docx \(corrupt or truncated zip\): /);
  });

  it("refuses a zip bomb by its compression ratio with default limits", async () => {
    const bomb = await makeDocx(documentXml(["Diagnosis: melanoma"], " ".repeat(20 * 1024 * 1024)));
    const path = await put(dir, "bomb.docx", bomb);
    const { letters, problems } = await collect([path]);
    expect(bomb.length).toBeLessThan(200 * 1024);
    expect(letters).toEqual([]);
    expect(problems[0]?.message).toMatch(/^looks like a zip bomb: word\/document\.xml inflates \d+x \(.+ to 20\.0 MiB\)$/);
  });

  it("refuses a .docx that inflates past maxInflatedBytes", async () => {
    const path = await put(dir, "big.docx", await makeDocx(documentXml(["Diagnosis: melanoma"], " ".repeat(200_000))));
    const { letters, problems } = await collect([path], { maxInflatedBytes: 64 * 1024 });
    expect(letters).toEqual([]);
    expect(problems[0]?.message).toBe("looks like a zip bomb: its parts inflate to more than 64.0 KiB (maxInflatedBytes)");
  });

  it("refuses a zip whose headers understate what a part inflates to", async () => {
    const honest = await makeDocx(documentXml(["Diagnosis: melanoma"], " ".repeat(100_000)));
    const path = await put(dir, "liar.docx", declareSize(honest, "word/document.xml", 1000));
    const { letters, problems } = await collect([path]);
    expect(letters).toEqual([]);
    expect(problems[0]?.message).toBe("looks like a zip bomb: word/document.xml inflates past the size its zip header declares");
  });

  it("refuses a zip without word/document.xml", async () => {
    const zip = new JSZip();
    zip.file("hello.txt", "not a word document");
    const path = await put(dir, "other.docx", await zip.generateAsync({ type: "nodebuffer" }));
    const { problems } = await collect([path]);
    expect(problems[0]?.message).toBe("not a .docx: the zip has no word/document.xml (is it another kind of zip?)");
  });

  it("names an OLE file (encrypted .docx or renamed .doc)", async () => {
    const ole = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]);
    const path = await put(dir, "locked.docx", ole);
    const { problems } = await collect([path]);
    expect(problems[0]?.message).toMatch(/^not a \.docx: this is an OLE compound file/);
  });

  it("reports a .docx with no text", async () => {
    const path = await put(dir, "blank.docx", await makeDocx(documentXml([])));
    const { letters, problems } = await collect([path]);
    expect(letters).toEqual([]);
    expect(problems[0]?.message).toBe("document has no text");
  });
});
