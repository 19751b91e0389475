import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LlamaEngine } from "../../src-main/extract/llama/llamaEngine.ts";
import { loadExtractionPrompt } from "../../src-main/extract/prompt.ts";
import { runExtraction, type ExtractionEvent } from "../../src-main/extract/queue.ts";
import { openStore } from "../../src-main/store/db.ts";
import { evidenceFor, getExtraction } from "../../src-main/store/extractions.ts";
import { insertLetter } from "../../src-main/store/letters.ts";
import { registerModel } from "../../src-main/store/models.ts";
import { EXTRACTION_TEST_TIMEOUT_MS, REPO_ROOT } from "../helpers/cli.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { useTestModel } from "../helpers/testModel.ts";

const tempDir = useTempDirs();
const modelPath = useTestModel();

describe("a letter longer than the context", () => {
  it("is extracted in overlapping parts, merged, and grounded against the whole letter", async () => {
    const dir = path.join(REPO_ROOT, "resources", "demo", "letters");
    const text = readdirSync(dir).sort().slice(0, 8).map((name) => readFileSync(path.join(dir, name), "utf8")).join("\n\n");
    const db = openStore(tempDir());
    const { letterId } = insertLetter(db, { text, sourcePath: "/letters/long.txt", sourceRow: null, sourceFormat: "txt", patientExternalId: null, letterDate: null });
    const model = registerModel(db, modelPath());
    const prompt = loadExtractionPrompt();
    const engine = new LlamaEngine({ modelPath: modelPath(), systemPrompt: prompt.text, gpu: false, threads: 1, temperature: 0.8, seed: 7 });
    try {
      const measured = await engine.measure(text);
      expect(measured.tokens).toBeGreaterThan(measured.budget);
      const events: ExtractionEvent[] = [];
      const summary = await runExtraction({ db, engine, model, prompt, onEvent: (event) => events.push(event) }, { retryFailed: false });
      expect(summary, JSON.stringify(events.at(-1))).toMatchObject({ done: 1, failed: 0 });
      const stored = getExtraction(db, letterId, model.id);
      const warnings = JSON.parse(stored?.warnings ?? "[]") as string[];
      expect(warnings[0]).toMatch(new RegExp(`^split into [2-9] parts: the letter is ${measured.tokens} tokens, ${measured.budget} fit in the context$`));
      for (const row of evidenceFor(db, stored?.id as number)) {
        if (row.start !== null) expect(row.end as number).toBeLessThanOrEqual(text.length);
      }
    } finally {
      await engine.close();
      db.close();
    }
  }, EXTRACTION_TEST_TIMEOUT_MS);
});
