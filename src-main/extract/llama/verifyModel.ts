/**
 * Proves a GGUF file works before it is registered: a file that cannot load would otherwise
 * only fail at the first extraction, possibly hours into a queued batch. Loads it in the
 * inference child (the same code path extraction uses) and extracts one short letter with the
 * grammar.
 */
import { open } from "node:fs/promises";
import { GgufInsights, readGgufFileInfo } from "node-llama-cpp";
import { EngineError } from "../engine.ts";
import { LlamaEngine, type LlamaEngineOptions } from "./llamaEngine.ts";

export type VerifyResult = { ok: true; backend: string; loadMs: number; tokensPerSecond: number } | { ok: false; message: string };

/** Short on purpose: it checks that the model runs, not what it extracts. */
const SYSTEM_PROMPT = "Extract the cancer timeline from the clinic letter as JSON.";
const LETTER =
  "Dear Dr Smith, I saw Mrs Jones on 3 March 2024. Biopsy of the left breast showed invasive ductal carcinoma, " +
  "grade 2, ER positive, HER2 negative. She starts letrozole next week. Yours sincerely, Dr Brown";

export type VerifyOptions = Pick<LlamaEngineOptions, "adapterPath" | "gpu" | "threads" | "temperature" | "seed" | "spawnWorker" | "loadTimeoutMs">;

export async function verifyModel(modelPath: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  // Read the header here first: it names the common mistakes plainly, where llama.cpp would only
  // say that loading failed.
  const header = await readMagic(modelPath);
  if (header === null) return { ok: false, message: `cannot read ${modelPath}` };
  if (header !== "GGUF") return { ok: false, message: "not a GGUF model file (it does not start with the GGUF signature)" };
  let architecture: string;
  try {
    const info = await readGgufFileInfo(modelPath, { readTensorInfo: true });
    architecture = String(info.metadata.general?.architecture ?? "unknown");
    const insights = await GgufInsights.from(info);
    // Asks the bundled llama.cpp itself, so a newer architecture than this app knows is judged right.
    if (!insights.isSupportedByLlamaCpp) return { ok: false, message: `wrong architecture: "${architecture}" is not a model architecture this llama.cpp can run` };
    if (!insights.hasDecoder) return { ok: false, message: `wrong architecture: "${architecture}" models cannot generate text` };
  } catch (error) {
    return { ok: false, message: `not a readable GGUF model file: ${(error as Error).message}` };
  }

  const engine = new LlamaEngine({
    modelPath,
    systemPrompt: SYSTEM_PROMPT,
    contextSize: 2048,
    // Enough to show generation works; a cut-off document still proves the model runs.
    maxTokens: 128,
    loadTimeoutMs: 5 * 60_000,
    letterTimeoutMs: 5 * 60_000,
    ...options,
  });
  try {
    const loadStarted = performance.now();
    try {
      await engine.start();
    } catch (error) {
      return { ok: false, message: `load failed (architecture "${architecture}"): ${(error as Error).message}` };
    }
    const loadMs = performance.now() - loadStarted;
    const started = performance.now();
    let outputTokens: number | null;
    try {
      outputTokens = (await engine.complete(LETTER)).outputTokens;
    } catch (error) {
      if (!(error instanceof EngineError && error.kind === "output-cut-off")) return { ok: false, message: `the model loaded but could not generate: ${(error as Error).message}` };
      outputTokens = error.partial?.outputTokens ?? null;
    }
    const seconds = (performance.now() - started) / 1000;
    return { ok: true, backend: engine.backendName, loadMs, tokensPerSecond: outputTokens === null || seconds === 0 ? 0 : outputTokens / seconds };
  } finally {
    await engine.close();
  }
}

async function readMagic(path: string): Promise<string | null> {
  try {
    const file = await open(path, "r");
    try {
      const buffer = Buffer.alloc(4);
      const { bytesRead } = await file.read(buffer, 0, 4, 0);
      return buffer.subarray(0, bytesRead).toString("latin1");
    } finally {
      await file.close();
    }
  } catch {
    return null;
  }
}
