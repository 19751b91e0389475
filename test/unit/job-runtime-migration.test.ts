import { copyFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openStore, STORE_FILE } from "../../src-main/store/db.ts";
import { exportableSynthLetters, synthStatus } from "../../src-main/store/synth.ts";
import { MIGRATIONS } from "../../src-main/store/migrations/index.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();

/**
 * test/fixtures/store-schema-5.sqlite was written by the code of commit 31066a7 (schema 5, the
 * last before the job runtime) through its own store functions: six letters, a model, a finished
 * extraction job (four letters done, one failed), a second one killed mid-letter (owner pid
 * 999999), an interrupted shard job, a generation job stopped at its budget (two items done with
 * their letters, one failed, one submitted in Message Batch msgbatch_01ABC, one pending) and a
 * finished QA job with an accepted and a rejected pair.
 */
function upgradedStore() {
  const dir = tempDir();
  copyFileSync(path.join(import.meta.dirname, "../fixtures/store-schema-5.sqlite"), path.join(dir, STORE_FILE));
  return openStore(dir);
}

describe("migration 006_job_runtime: a store made by the code before it", () => {
  it("is registered as version 6, with foreign keys checked", () => {
    expect(MIGRATIONS.find((m) => m.name === "job-runtime")).toMatchObject({ version: 6, foreignKeys: "off" });
    const db = upgradedStore();
    expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.at(-1)?.version);
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(db.pragma("foreign_key_check")).toEqual([]);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('synth_jobs', 'synth_items')").all()).toEqual([]);
    db.close();
  });

  it("keeps every job with its kind, state, owner, settings and budget; extraction jobs keep their ids", () => {
    const db = upgradedStore();
    const jobs = db.prepare("SELECT id, kind, job_key, state, model_id, owner_pid, params, budget_usd FROM jobs ORDER BY id").all();
    expect(jobs).toEqual([
      { id: 1, kind: "extract", job_key: null, state: "done", model_id: 1, owner_pid: expect.any(Number), params: '{"retryFailed":false}', budget_usd: null },
      { id: 2, kind: "extract", job_key: null, state: "running", model_id: 1, owner_pid: 999999, params: '{"retryFailed":true}', budget_usd: null },
      { id: 3, kind: "extract:shard-1-of-2", job_key: null, state: "interrupted", model_id: 1, owner_pid: expect.any(Number), params: '{"retryFailed":false,"shard":{"index":0,"count":2}}', budget_usd: null },
      { id: 4, kind: "synth:generate", job_key: "genkey-1", state: "budget-reached", model_id: null, owner_pid: null, params: '{"rows":5,"model":"claude-sonnet-4-5","promptVersion":"synth-v2"}', budget_usd: 5 },
      { id: 5, kind: "synth:qa", job_key: "qakey-1", state: "done", model_id: null, owner_pid: null, params: '{"letters":1,"model":"claude-sonnet-4-5","promptVersion":"qa-v1"}', budget_usd: null },
    ]);
    // Extraction results still point at their jobs.
    expect(db.prepare("SELECT job_id, count(*) AS n FROM extractions GROUP BY job_id").all()).toEqual([{ job_id: 1, n: 5 }]);
    db.close();
  });

  it("keeps every item: extraction items keyed by letter, synthetic items with their ids, batch, attempts, errors and cost", () => {
    const db = upgradedStore();
    const extraction = db.prepare("SELECT job_id, item_key, seq, state, attempts, error FROM job_items WHERE job_id <= 3 ORDER BY job_id, seq").all();
    expect(extraction).toEqual([
      ...[1, 2, 3, 4].map((letter) => ({ job_id: 1, item_key: String(letter), seq: letter, state: "done", attempts: 1, error: null })),
      { job_id: 1, item_key: "5", seq: 5, state: "failed", attempts: 1, error: "invalid output: truncated" },
      { job_id: 1, item_key: "6", seq: 6, state: "pending", attempts: 0, error: null },
      { job_id: 2, item_key: "5", seq: 5, state: "pending", attempts: 0, error: null },
      { job_id: 2, item_key: "6", seq: 6, state: "running", attempts: 1, error: null },
    ]);
    const synthetic = db.prepare("SELECT id, job_id, item_key, state, external_id, attempts, error, input_tokens, cache_write_tokens, cache_read_tokens, cost_usd FROM job_items WHERE job_id > 3 ORDER BY id").all();
    expect(synthetic).toEqual([
      { id: 1, job_id: 4, item_key: "gen-a", state: "done", external_id: null, attempts: 0, error: null, input_tokens: 1200, cache_write_tokens: 5000, cache_read_tokens: 0, cost_usd: 0.0312 },
      { id: 2, job_id: 4, item_key: "gen-b", state: "done", external_id: null, attempts: 0, error: null, input_tokens: 1200, cache_write_tokens: 5000, cache_read_tokens: 0, cost_usd: 0.0312 },
      { id: 3, job_id: 4, item_key: "gen-c", state: "failed", external_id: null, attempts: 0, error: "the answer is not JSON", input_tokens: 1200, cache_write_tokens: 0, cache_read_tokens: 5000, cost_usd: 0.005 },
      { id: 4, job_id: 4, item_key: "gen-d", state: "submitted", external_id: "msgbatch_01ABC", attempts: 1, error: null, input_tokens: 0, cache_write_tokens: 0, cache_read_tokens: 0, cost_usd: 0 },
      { id: 5, job_id: 4, item_key: "gen-e", state: "pending", external_id: null, attempts: 0, error: null, input_tokens: 0, cache_write_tokens: 0, cache_read_tokens: 0, cost_usd: 0 },
      { id: 6, job_id: 5, item_key: "qa:qa-v1:1", state: "done", external_id: null, attempts: 0, error: null, input_tokens: 900, cache_write_tokens: 0, cache_read_tokens: 0, cost_usd: 0.0072 },
    ]);
    db.close();
  });

  it("synthetic letters and QA pairs still hang off their items: the studio's status and export read as before", () => {
    const db = upgradedStore();
    const status = synthStatus(db);
    expect(status.jobs.map((job) => [job.id, job.kind, job.state, job.model, job.budgetUsd, job.items.total])).toEqual([
      [4, "generate", "budget-reached", "claude-sonnet-4-5", 5, 5],
      [5, "qa", "done", "claude-sonnet-4-5", null, 1],
    ]);
    expect(status.costUsd).toBeCloseTo(0.0312 * 2 + 0.005 + 0.0072, 10);
    expect(status.letters).toEqual({ accepted: 1, flagged: 0, rejected: 1 });
    expect(status.qa).toMatchObject({ accepted: 1, rejected: 1 });
    const exported = [...exportableSynthLetters(db, false)];
    expect(exported.map((row) => [row.id, row.idempotency_key, JSON.parse(row.qa)])).toEqual([[1, "gen-a", [{ question: "Is there breast cancer?", answer: "yes" }]]]);
    db.close();
  });
});
