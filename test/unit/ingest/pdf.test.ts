import { PDFDocument, PDFHexString, StandardFonts, rgb } from "pdf-lib";
import { beforeEach, describe, expect, it } from "vitest";
import { collect, put } from "./helpers.ts";
import { useTempDirs } from "../../helpers/tempDir.ts";

async function textPdf(pages: string[][]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = doc.addPage([595, 842]);
    lines.forEach((line, i) => page.drawText(line, { x: 50, y: 780 - i * 20, size: 12, font }));
  }
  return doc.save();
}

const tempDir = useTempDirs();

describe("pdf reader", () => {
  let dir = "";
  beforeEach(() => {
    dir = tempDir();
  });

  it("reads the text layer, pages joined by a blank line", async () => {
    const bytes = await textPdf([["Diagnosis: carcinoma of the breast", "Stage: T2 N1 M0 £ é –"], ["Plan: review in 3 months"]]);
    const path = await put(dir, "P003_2022-01-09_mdt.pdf", bytes);
    const { letters, problems } = await collect([path]);
    expect(problems).toEqual([]);
    expect(letters).toEqual([
      {
        text: "Diagnosis: carcinoma of the breast\nStage: T2 N1 M0 £ é –\n\nPlan: review in 3 months",
        sourcePath: path,
        sourceRow: null,
        patientId: "P003",
        letterDate: "2022-01-09",
        format: "pdf",
      },
    ]);
  });

  it("refuses a PDF without a text layer", async () => {
    const doc = await PDFDocument.create();
    doc.addPage().drawRectangle({ x: 50, y: 50, width: 200, height: 100, color: rgb(0.2, 0.2, 0.2) });
    const path = await put(dir, "scan.pdf", await doc.save());
    const { letters, problems } = await collect([path]);
    expect(letters).toEqual([]);
    expect(problems).toEqual([{ sourcePath: path, sourceRow: null, message: "no text layer (scanned PDF?): OCR it first" }]);
  });

  it("refuses a corrupt PDF", async () => {
    const path = await put(dir, "broken.pdf", "%PDF-1.7\nthis is not really a pdf\n");
    const { problems } = await collect([path]);
    expect(problems[0]?.message).toMatch(/^not a valid PDF \(corrupt or truncated\): /);
  });

  it("refuses an encrypted PDF", async () => {
    const doc = await PDFDocument.create();
    doc.addPage().drawText("secret", { x: 50, y: 50 });
    // Standard security handler, RC4 40-bit, with a U entry no empty password can produce: a user password is needed.
    const encrypt = doc.context.obj({
      Filter: "Standard",
      V: 1,
      R: 2,
      P: -44,
      O: PDFHexString.of("11".repeat(32)),
      U: PDFHexString.of("22".repeat(32)),
    });
    doc.context.trailerInfo.Encrypt = doc.context.register(encrypt);
    doc.context.trailerInfo.ID = doc.context.obj([PDFHexString.of("33".repeat(16)), PDFHexString.of("33".repeat(16))]);
    const path = await put(dir, "locked.pdf", await doc.save({ useObjectStreams: false }));
    const { letters, problems } = await collect([path]);
    expect(letters).toEqual([]);
    expect(problems[0]?.message).toBe("encrypted PDF: it needs a password; save a copy without one");
  });
});
