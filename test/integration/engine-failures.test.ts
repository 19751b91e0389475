import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { LlamaEngine, type LlamaEngineOptions } from "../../src-main/extract/llama/llamaEngine.ts";
import { loadExtractionPrompt } from "../../src-main/extract/prompt.ts";
import { runExtraction, type ExtractionEvent } from "../../src-main/extract/queue.ts";
import { openStore } from "../../src-main/store/db.ts";
import { insertLetter } from "../../src-main/store/letters.ts";
import { registerModel } from "../../src-main/store/models.ts";
import { EXTRACTION_TEST_TIMEOUT_MS, REPO_ROOT } from "../helpers/cli.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { ensureTestModel } from "../helpers/testModel.ts";

const tempDir = useTempDirs();
const LETTERS = path.join(REPO_ROOT, "resources", "demo", "letters");
const prompt = loadExtractionPrompt();

let modelPath: string;
beforeAll(async () => {
  modelPath = await ensureTestModel();
});

/** A store holding the first `count` demo letters, and a real engine on the test model. */
function setup(count: number, options: Partial<LlamaEngineOptions> = {}) {
  const db = openStore(tempDir());
  for (const name of readdirSync(LETTERS).sort().slice(0, count)) {
    const file = path.join(LETTERS, name);
    insertLetter(db, { text: readFileSync(file, "utf8"), sourcePath: file, sourceRow: null, sourceFormat: "txt", patientExternalId: null, letterDate: null });
  }
  const model = registerModel(db, modelPath);
  const engine = new LlamaEngine({ modelPath, systemPrompt: prompt.text, gpu: false, threads: 1, temperature: 0.8, seed: 7, ...options });
  return { db, model, engine };
}

function letterEvents(events: ExtractionEvent[]) {
  return events.filter((event): event is Extract<ExtractionEvent, { type: "letter" }> => event.type === "letter");
}

describe("a letter that fails never stops the batch", () => {
  it("the model process crashing mid-letter fails that letter with the reason; the next letters run in a fresh process", async () => {
    const { db, model, engine } = setup(4);
    const events: ExtractionEvent[] = [];
    let firstPid: number | undefined;
    try {
      const summary = await runExtraction(
        {
          db,
          engine,
          model,
          prompt,
          onEvent: (event) => {
            events.push(event);
            if (event.type === "letter" && event.done + event.failed === 1) {
              firstPid = engine.childPid;
              // Letter 2 is being generated (each takes seconds): kill its process part-way.
              setTimeout(() => process.kill(firstPid as number, "SIGKILL"), 500);
            }
          },
        },
        { retryFailed: false },
      );
      expect(summary).toMatchObject({ state: "done", done: 3, failed: 1, total: 4 });
      expect(letterEvents(events).map((event) => event.status)).toEqual(["ok", "failed", "ok", "ok"]);
      expect(letterEvents(events)[1]?.error).toMatch(/^crashed: the model process was killed \(SIGKILL/);
      expect(engine.childPid).not.toBe(firstPid);
      const rows = db.prepare("SELECT status, error FROM extractions ORDER BY letter_id").all() as { status: string; error: string | null }[];
      expect(rows.map((row) => row.status)).toEqual(["ok", "failed", "ok", "ok"]);
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");

      // Retrying the failed letter only: it now succeeds; the others are not redone.
      const retry: ExtractionEvent[] = [];
      const again = await runExtraction({ db, engine, model, prompt, onEvent: (event) => retry.push(event) }, { retryFailed: true });
      expect(again).toMatchObject({ done: 1, failed: 0, total: 1 });
      expect(letterEvents(retry).map((event) => event.letterId)).toEqual([letterEvents(events)[1]?.letterId]);
    } finally {
      await engine.close();
      db.close();
    }
  }, EXTRACTION_TEST_TIMEOUT_MS);

  it("a letter over the time limit is failed as a timeout and the batch goes on", async () => {
    const { db, model, engine } = setup(2, { letterTimeoutMs: 400 });
    const events: ExtractionEvent[] = [];
    try {
      const summary = await runExtraction({ db, engine, model, prompt, onEvent: (event) => events.push(event) }, { retryFailed: false });
      expect(summary).toMatchObject({ state: "done", done: 0, failed: 2 });
      for (const event of letterEvents(events)) expect(event.error).toBe("timeout: no result within 0.4 s; the model process was restarted");
    } finally {
      await engine.close();
      db.close();
    }
  }, EXTRACTION_TEST_TIMEOUT_MS);

  it("output cut off by the token limit is reported as such, not as broken JSON", async () => {
    const { db, model, engine } = setup(1, { maxTokens: 24 });
    const events: ExtractionEvent[] = [];
    try {
      await runExtraction({ db, engine, model, prompt, onEvent: (event) => events.push(event) }, { retryFailed: false });
      expect(letterEvents(events)[0]?.error).toBe(
        "output-cut-off: the output reached the 24-token limit before the document was complete (--max-tokens)",
      );
    } finally {
      await engine.close();
      db.close();
    }
  }, EXTRACTION_TEST_TIMEOUT_MS);
});
