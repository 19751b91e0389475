import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LlamaEngine, type LlamaEngineOptions } from "../../src-main/extract/llama/llamaEngine.ts";
import { loadExtractionPrompt } from "../../src-main/extract/prompt.ts";
import { runExtraction, type ExtractionEvent } from "../../src-main/extract/queue.ts";
import { openStore } from "../../src-main/store/db.ts";
import { insertLetter } from "../../src-main/store/letters.ts";
import { registerModel } from "../../src-main/store/models.ts";
import { EXTRACTION_TEST_TIMEOUT_MS, REPO_ROOT } from "../helpers/cli.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { useTestModel } from "../helpers/testModel.ts";

const tempDir = useTempDirs();
const LETTERS = path.join(REPO_ROOT, "resources", "demo", "letters");
const prompt = loadExtractionPrompt();

const modelPath = useTestModel();

/** A store holding the first `count` demo letters, and a real engine on the test model. */
function setup(count: number, options: Partial<LlamaEngineOptions> = {}) {
  const db = openStore(tempDir());
  for (const name of readdirSync(LETTERS).sort().slice(0, count)) {
    const file = path.join(LETTERS, name);
    insertLetter(db, { text: readFileSync(file, "utf8"), sourcePath: file, sourceRow: null, sourceFormat: "txt", patientExternalId: null, letterDate: null });
  }
  const model = registerModel(db, modelPath());
  const engine = new LlamaEngine({ modelPath: modelPath(), systemPrompt: prompt.text, gpu: false, threads: 1, temperature: 0.8, seed: 7, ...options });
  return { db, model, engine };
}

/** The process may already be gone (killed a moment ago and not yet reaped). */
function killQuietly(pid: number | undefined): void {
  try {
    if (pid !== undefined) process.kill(pid, "SIGKILL");
  } catch {
    // ESRCH: already exited.
  }
}

function letterEvents(events: ExtractionEvent[]) {
  return events.filter((event): event is Extract<ExtractionEvent, { type: "letter" }> => event.type === "letter");
}

describe("a letter that fails never stops the batch", () => {
  it("the model process killed mid-letter: that letter is retried once in a fresh process and the batch completes", async () => {
    // Three letters: the second is killed mid-letter; the third shows the batch going on after it.
    const { db, model, engine } = setup(3);
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
              setTimeout(() => killQuietly(firstPid), 500);
            }
          },
        },
        { retryFailed: false },
      );
      expect(summary).toMatchObject({ state: "done", done: 3, failed: 0, total: 3 });
      const second = letterEvents(events)[1];
      expect(events.filter((event) => event.type === "retry")).toEqual([
        { type: "retry", letterId: second?.letterId, source: second?.source, error: expect.stringMatching(/^crashed: the model process was killed \(SIGKILL/) },
      ]);
      expect(engine.childPid).not.toBe(firstPid);
      const attempts = db.prepare("SELECT attempts FROM job_items ORDER BY seq").all() as { attempts: number }[];
      expect(attempts.map((row) => row.attempts)).toEqual([1, 2, 1]);
      expect(db.prepare("SELECT count(*) AS n FROM extractions WHERE status = 'ok'").get()).toEqual({ n: 3 });
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    } finally {
      await engine.close();
      db.close();
    }
  }, EXTRACTION_TEST_TIMEOUT_MS);

  it("a letter that brings the process down twice is failed with both reasons; the rest complete; --retry-failed redoes only it", async () => {
    const { db, model, engine } = setup(3);
    const events: ExtractionEvent[] = [];
    let killer: NodeJS.Timeout | undefined;
    try {
      const summary = await runExtraction(
        {
          db,
          engine,
          model,
          prompt,
          onEvent: (event) => {
            events.push(event);
            if (event.type !== "letter") return;
            const finished = event.done + event.failed;
            // While letter 2 is in flight, kill every model process that comes up.
            if (finished === 1) killer = setInterval(() => killQuietly(engine.childPid), 300);
            if (finished === 2) clearInterval(killer);
          },
        },
        { retryFailed: false },
      );
      expect(summary).toMatchObject({ state: "done", done: 2, failed: 1, total: 3 });
      const failed = letterEvents(events)[1];
      expect(failed?.status).toBe("failed");
      expect(failed?.error).toMatch(/^crashed: .*\(on the retry; first attempt: crashed: /);

      const retry: ExtractionEvent[] = [];
      const again = await runExtraction({ db, engine, model, prompt, onEvent: (event) => retry.push(event) }, { retryFailed: true });
      expect(again).toMatchObject({ done: 1, failed: 0, total: 1 });
      expect(letterEvents(retry).map((event) => event.letterId)).toEqual([failed?.letterId]);
    } finally {
      clearInterval(killer);
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
      const timeout = "timeout: no result within 0.4 s; the model process was restarted";
      for (const event of letterEvents(events)) expect(event.error).toBe(`${timeout} (on the retry; first attempt: ${timeout})`);
      expect(events.filter((event) => event.type === "retry")).toHaveLength(2);
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
