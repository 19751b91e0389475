import { letterOrProblem, problem } from "./letter.ts";
import { factsFromFileName } from "./names.ts";
import type { IngestItem, ResolvedIngestOptions, SourceFile } from "./types.ts";

/**
 * A PDF is one letter: its text layer, page by page, pages joined by a blank line. Scanned PDFs
 * have no text layer and are refused rather than OCR'd here.
 */
export async function* readPdf(file: SourceFile, options: ResolvedIngestOptions): AsyncGenerator<IngestItem> {
  const result = await extractPdfText(file.bytes);
  if (!result.ok) {
    yield problem(file.path, null, result.reason);
    return;
  }
  const facts = factsFromFileName(file.path, options.fileNamePattern);
  yield letterOrProblem(
    { text: result.text, sourcePath: file.path, sourceRow: null, ...facts, format: "pdf" },
    options,
    "no text layer (scanned PDF?): OCR it first",
  );
}

type PdfText = { ok: true; text: string } | { ok: false; reason: string };

async function extractPdfText(bytes: Uint8Array): Promise<PdfText> {
  // Loaded on first use: pdf.js is large and most imports never see a PDF. The legacy build is the one meant for Node.
  const pdfjs = await import("pdfjs-dist/legacy/build/pdf.mjs");
  const task = pdfjs.getDocument({
    data: new Uint8Array(bytes), // a copy: pdf.js may take ownership of the buffer it is given
    verbosity: pdfjs.VerbosityLevel.ERRORS,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: false,
  });
  try {
    const doc = await task.promise;
    const pages: string[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      let text = "";
      for (const item of content.items) {
        if ("str" in item) text += item.str + (item.hasEOL ? "\n" : "");
      }
      pages.push(text);
      page.cleanup();
    }
    return { ok: true, text: pages.join("\n\n") };
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    const message = error instanceof Error ? error.message : String(error);
    if (name === "PasswordException") return { ok: false, reason: "encrypted PDF: it needs a password; save a copy without one" };
    if (name === "InvalidPDFException") return { ok: false, reason: `not a valid PDF (corrupt or truncated): ${message}` };
    return { ok: false, reason: `could not read the PDF: ${message}` };
  } finally {
    await task.destroy();
  }
}
