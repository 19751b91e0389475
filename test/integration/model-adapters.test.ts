/**
 * A registered model is a base GGUF, optionally with a LoRA adapter GGUF applied at load. The
 * adapter here is written by a test helper (random weights, the tiny model's shapes), so these
 * tests need no Python; the fine-tuning tests bring real trained adapters.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { listAudit } from "../../src-main/audit/auditLog.ts";
import { EngineError } from "../../src-main/extract/engine.ts";
import { LlamaEngine } from "../../src-main/extract/llama/llamaEngine.ts";
import { checkAdapterFits } from "../../src-main/models/adapterCheck.ts";
import { ModelRefusedError, registerVerifiedModel } from "../../src-main/models/registerVerified.ts";
import { openStore } from "../../src-main/store/db.ts";
import { listModels, modelFingerprint, registerModel } from "../../src-main/store/models.ts";
import type { ModelLineage } from "../../src-shared/modelLineage.ts";
import { ENGINE_FLAGS, EXTRACTION_TEST_TIMEOUT_MS, REPO_ROOT, runCli } from "../helpers/cli.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { writeTestAdapter } from "../helpers/testAdapter.ts";
import { useTestModel } from "../helpers/testModel.ts";

const tempDir = useTempDirs();
const modelPath = useTestModel();

function lineageFor(fingerprint: string): ModelLineage {
  return {
    base: { name: "tiny", fingerprint, checkpointSha256: null },
    dataset: null,
    recipe: { rank: 8 },
    job: null,
    training: null,
    bundleVersion: null,
    llamaCppCommit: null,
  };
}

describe("an adapter is checked against its base before anything loads", () => {
  it("accepts an adapter of the base's shapes and names each kind of misfit", async () => {
    const dir = tempDir();
    const base = modelPath();
    const baseFingerprint = modelFingerprint(base);
    const fits = await writeTestAdapter(path.join(dir, "fits.gguf"));
    expect(await checkAdapterFits(base, fits, { baseFingerprint })).toEqual({ ok: true, tensors: 4, alpha: 16 });

    const wide = await writeTestAdapter(path.join(dir, "wide.gguf"), { embd: 128, kvDim: 64 });
    expect(await checkAdapterFits(base, wide, { baseFingerprint })).toEqual({
      ok: false,
      message: "the adapter's blk.0.attn_q.weight is 128→128 (rank 8), the base's is 64→64: it was trained on a model of other dimensions",
    });
    const deeper = await writeTestAdapter(path.join(dir, "deeper.gguf"), { blocks: 3 });
    expect(await checkAdapterFits(base, deeper, { baseFingerprint })).toEqual({
      ok: false,
      message: "the adapter changes blk.2.attn_q.weight, which the base does not have (a different model size or family)",
    });
    const qwen = await writeTestAdapter(path.join(dir, "qwen.gguf"), { architecture: "qwen2" });
    expect(await checkAdapterFits(base, qwen, { baseFingerprint })).toEqual({ ok: false, message: 'the adapter is for a "qwen2" model, the base is "llama"' });
    expect(await checkAdapterFits(base, base, { baseFingerprint })).toEqual({
      ok: false,
      message: `${base} is not a LoRA adapter (general.type "model", adapter.type "none"): register a whole model with models add FILE`,
    });
    // Same shapes, but the lineage says it was trained for another base checkpoint.
    expect(await checkAdapterFits(base, fits, { baseFingerprint, lineage: lineageFor("0123abcd") })).toEqual({
      ok: false,
      message: `the adapter was trained for base "tiny" (fingerprint 0123abcd), not this base (fingerprint ${baseFingerprint}): register it on the base it was trained on`,
    });
  });

  it("registers base + adapter as its own verified model with its lineage; a misfit is refused and not registered", async () => {
    const dir = tempDir();
    const db = openStore(tempDir());
    try {
      const base = registerModel(db, modelPath(), { name: "tiny" });
      const adapter = await writeTestAdapter(path.join(dir, "fine-tune.gguf"));
      const lineage = lineageFor(base.fingerprint);
      const { model } = await registerVerifiedModel(db, { file: modelPath(), adapter, name: "tiny-ft", lineage }, { gpu: false, threads: 1 });
      expect(model).toMatchObject({ name: "tiny-ft", path: modelPath(), adapter_path: adapter });
      expect(model.fingerprint).not.toBe(base.fingerprint);
      expect(JSON.parse(model.lineage as string)).toEqual(lineage);
      // The same two files again are the same model.
      expect(registerModel(db, modelPath(), { adapter }).id).toBe(model.id);

      const wide = await writeTestAdapter(path.join(dir, "wide.gguf"), { embd: 128, kvDim: 64 });
      const refused = registerVerifiedModel(db, { file: modelPath(), adapter: wide }, { gpu: false, threads: 1 });
      await expect(refused).rejects.toThrow(ModelRefusedError);
      await expect(refused).rejects.toThrow(`refused ${wide} on ${modelPath()}: the adapter's blk.0.attn_q.weight is 128→128`);
      expect(listModels(db).map((row) => row.name)).toEqual(["tiny", "tiny-ft"]);
    } finally {
      db.close();
    }
  }, EXTRACTION_TEST_TIMEOUT_MS);
});

describe("the engine applies the adapter", () => {
  it("the same seeded run gives other output with the adapter, and the same output twice", async () => {
    const adapter = await writeTestAdapter(path.join(tempDir(), "a.gguf"), { scale: 1 });
    const complete = async (adapterPath: string | undefined) => {
      const engine = new LlamaEngine({ modelPath: modelPath(), adapterPath, systemPrompt: "Extract the timeline as JSON.", gpu: false, threads: 1, temperature: 0.8, seed: 7, contextSize: 2048, maxTokens: 96 });
      try {
        await engine.start();
        return (await engine.complete("Seen 3 March 2024: breast cancer, ER positive.")).text;
      } catch (error) {
        // Random weights run to the output cap; what was generated until then is the answer.
        if (error instanceof EngineError && error.kind === "output-cut-off" && error.partial) return error.partial.text;
        throw error;
      } finally {
        await engine.close();
      }
    };
    const bare = await complete(undefined);
    const tuned = await complete(adapter);
    expect(tuned).not.toBe(bare);
    expect(await complete(adapter)).toBe(tuned);
  }, EXTRACTION_TEST_TIMEOUT_MS);

  it("extract --model BASE --adapter FILE stores results under the fine-tune, apart from the base's", async () => {
    const data = tempDir();
    const adapter = await writeTestAdapter(path.join(tempDir(), "ft.gguf"));
    const letter = path.join(REPO_ROOT, "resources", "demo", "letters");
    expect((await runCli(["--data", data, "import", letter])).code).toBe(0);
    const run = await runCli(["--data", data, "--json", "extract", "--model", modelPath(), "--adapter", adapter, ...ENGINE_FLAGS, "--max-tokens", "256", "--shard", "1/12"]);
    expect([0, 1], run.stderr).toContain(run.code);
    const listed = await runCli(["--data", data, "--json", "models", "list"]);
    // The base is registered on first use, as --model FILE always did; the fine-tune is a model of its own.
    expect(listed.events).toEqual([
      expect.objectContaining({ type: "model", name: "tiny", path: modelPath(), adapter_path: null }),
      expect.objectContaining({ type: "model", name: "ft", path: modelPath(), adapter_path: adapter, lineage: null }),
    ]);
    const stored = openStore(data);
    try {
      const counts = stored.prepare("SELECT m.name, COUNT(*) AS n FROM extractions e JOIN models m ON m.id = e.model_id GROUP BY m.name").all();
      expect(counts).toEqual([{ name: "ft", n: expect.any(Number) }]);
    } finally {
      stored.close();
    }

    // Every export names the model behind its values, down to the adapter file, here and in the audit trail.
    const out = path.join(tempDir(), "export.json");
    expect((await runCli(["--data", data, "export", "--format", "json", "--model", "ft", "--out", out])).code).toBe(0);
    const provenance = { name: "ft", fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/), adapter: adapter, base: null, dataset: null, job: null, bundleVersion: null };
    expect((JSON.parse(readFileSync(out, "utf8")) as { modelProvenance: unknown }).modelProvenance).toEqual(provenance);
    const audited = openStore(data);
    try {
      expect(listAudit(audited, { action: "export" })[0]?.details).toMatchObject({ modelProvenance: provenance });
    } finally {
      audited.close();
    }

    const misfit = await writeTestAdapter(path.join(tempDir(), "misfit.gguf"), { blocks: 3 });
    const refused = await runCli(["--data", data, "extract", "--model", modelPath(), "--adapter", misfit, ...ENGINE_FLAGS]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`--adapter ${misfit}: the adapter changes blk.2.attn_q.weight, which the base does not have`);
  }, EXTRACTION_TEST_TIMEOUT_MS);
});
