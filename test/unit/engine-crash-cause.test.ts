import path from "node:path";
import { describe, expect, it } from "vitest";
import { EngineError } from "../../src-main/extract/engine.ts";
import { forkWorker, LlamaEngine } from "../../src-main/extract/llama/llamaEngine.ts";
import { REPO_ROOT } from "../helpers/cli.ts";

describe("a model process that aborts", () => {
  it("is reported with llama.cpp's cause, not the tail of its backtrace", async () => {
    const crashing = path.join(REPO_ROOT, "test", "helpers", "crashing-worker.mjs");
    const engine = new LlamaEngine({ modelPath: "model.gguf", systemPrompt: "x", spawnWorker: () => forkWorker(crashing) });
    const error = await engine.start().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).kind).toBe("crashed");
    const message = (error as EngineError).message;
    expect(message).toContain("(SIGABRT)");
    expect(message).toContain("ggml-cuda.cu:108: CUDA error");
    expect(message).toContain("CUDA error: the provided PTX was compiled with an unsupported toolchain.");
    expect(message).not.toMatch(/\[0x[0-9a-f]+\]/);
  });
});
