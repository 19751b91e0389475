/**
 * Extraction jobs through the service API the UI uses: start, pause, resume, cancel, progress,
 * per-letter errors and retry of failed letters, with the real engine on the tiny test model.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createServices, type Services } from "../../src-main/api/services.ts";
import { dispatchApiCall } from "../../src-main/api/dispatch.ts";
import type { ApiName, ApiOutput, JobSummary } from "../../src-shared/api.ts";
import { EXTRACTION_TEST_TIMEOUT_MS } from "../helpers/cli.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { ensureTestModel } from "../helpers/testModel.ts";

const tempDir = useTempDirs();
const open: Services[] = [];
afterEach(async () => {
  for (const services of open.splice(0)) await services.close();
});

const DEMO = path.resolve("resources/demo/letters");

async function setup(letters: number) {
  const services = createServices({ dataDir: tempDir(), engine: { gpu: false, threads: 1, temperature: 0.8, seed: 7 }, log: () => {} });
  open.push(services);
  const call = async <N extends ApiName>(name: N, input: unknown): Promise<ApiOutput<N>> => {
    const result = await dispatchApiCall(services.handlers, name, input);
    if (!result.ok) throw new Error(`${name}: ${result.error.code}: ${result.error.message}`);
    return result.value as ApiOutput<N>;
  };
  const files = readdirSync(DEMO).sort().slice(0, letters).map((name) => path.join(DEMO, name));
  await call("letters.import", { paths: files });
  const modelPath = await ensureTestModel();
  const model = await call("models.add", { path: modelPath, name: "tiny" });
  await call("settings.set", { reviewer: "", extraction: { parallel: 1, contexts: null, contextSize: 4096, maxTokens: 1024, gpu: "off" }, export: { bom: false, excludeUngrounded: false, folder: null } });
  return { services, call, model };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = EXTRACTION_TEST_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("extraction jobs through the API", () => {
  it(
    "pauses after the letters in flight, resumes the same job, and finishes every letter once",
    async () => {
      // Three letters, one at a time: the first done, the second in flight when Pause comes (it
      // finishes), the third left for the resumed job.
      const { services, call, model } = await setup(3);
      const started = await call("jobs.startExtraction", { modelId: model.id });
      expect(started).toMatchObject({ state: "running", total: 3, done: 0 });
      await expect(call("jobs.startExtraction", { modelId: model.id })).rejects.toThrow(/conflict: an extraction is already running/);

      await until("the first letter", async () => (await call("jobs.get", { id: started.id })).done + (await call("jobs.get", { id: started.id })).failed >= 1);
      const pausing = await call("jobs.pause", { id: started.id });
      expect(pausing.message).toMatch(/pausing/);
      await services.jobs.idle();
      const paused = await call("jobs.get", { id: started.id });
      expect(paused.state).toBe("paused");
      expect(paused.done + paused.failed).toBeGreaterThanOrEqual(1);
      expect(paused.done + paused.failed).toBeLessThan(3);

      const resumed = await call("jobs.resume", { id: started.id });
      expect(resumed.id).toBe(started.id);
      await services.jobs.idle();
      const finished = await call("jobs.get", { id: started.id });
      expect(finished).toMatchObject({ state: "done", total: 3, pending: 0 });
      expect(finished.done + finished.failed).toBe(3);
      const rows = services.db.prepare("SELECT letter_id, count(*) AS n FROM extractions GROUP BY letter_id").all() as { n: number }[];
      expect(rows).toHaveLength(3);
      expect(rows.every((row) => row.n === 1)).toBe(true);
      const list = await call("jobs.list", {});
      expect(list.map((job: JobSummary) => job.id)).toEqual([started.id]);
      await expect(call("jobs.startExtraction", { modelId: model.id })).rejects.toThrow(/every letter already has a result/);
    },
    EXTRACTION_TEST_TIMEOUT_MS,
  );

  it(
    "cancel closes the job for good; the letters it did not reach go to the next job",
    async () => {
      // Two letters: cancelled at once, the one in flight (if any) finishes; the other goes to the next job.
      const { services, call, model } = await setup(2);
      const started = await call("jobs.startExtraction", { modelId: model.id });
      const cancelling = await call("jobs.cancel", { id: started.id });
      expect(cancelling.message).toMatch(/cancelling/);
      await services.jobs.idle();
      const cancelled = await call("jobs.get", { id: started.id });
      expect(cancelled.state).toBe("cancelled");
      await expect(call("jobs.resume", { id: started.id })).rejects.toThrow(/cancelled: nothing to resume/);
      const processed = cancelled.done + cancelled.failed;
      expect(processed).toBeLessThan(2);

      const next = await call("jobs.startExtraction", { modelId: model.id });
      expect(next.id).not.toBe(started.id);
      expect(next.total).toBe(2 - processed);
      await services.jobs.idle();
      expect(await call("jobs.get", { id: next.id })).toMatchObject({ state: "done", pending: 0 });
      const letters = await call("letters.list", {});
      expect(letters.rows.every((row) => row.status !== "not_extracted")).toBe(true);
    },
    EXTRACTION_TEST_TIMEOUT_MS,
  );

  it("a model that cannot load is a clear failure to start, not a job", async () => {
    const { services, call } = await setup(1);
    const bogus = path.join(tempDir(), "gone.gguf");
    const row = services.db.prepare("INSERT INTO models (name, path, bytes, fingerprint, added_at) VALUES ('gone', ?, 1, 'x', 'now') RETURNING id").get(bogus) as { id: number };
    await expect(call("jobs.startExtraction", { modelId: row.id })).rejects.toThrow(/could not load model "gone": the model file is missing/);
    expect(await call("jobs.list", {})).toEqual([]);
  });
});
