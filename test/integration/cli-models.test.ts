import { copyFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { verifyModel } from "../../src-main/extract/llama/verifyModel.ts";
import { ENGINE_FLAGS, EXTRACTION_TEST_TIMEOUT_MS, REPO_ROOT, runCli } from "../helpers/cli.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { useTestModel } from "../helpers/testModel.ts";

const tempDir = useTempDirs();
const modelPath = useTestModel();

describe("models add verifies the file first", () => {
  it("a text file renamed .gguf is refused with the reason (exit 2) and not registered", async () => {
    const data = tempDir();
    const fake = path.join(data, "notes.gguf");
    writeFileSync(fake, "These are my notes, not a model.\n");
    const added = await runCli(["--data", data, "models", "add", fake]);
    expect(added.code).toBe(2);
    expect(added.stderr).toContain(`oncotimeline: refused ${fake}: not a GGUF model file (it does not start with the GGUF signature)`);
    const listed = await runCli(["--data", data, "--json", "models", "list"]);
    expect(listed.events).toEqual([{ type: "empty" }]);
  });

  it("the test model loads and generates, so it is registered with what the check measured", async () => {
    const data = tempDir();
    const added = await runCli(["--data", data, "--json", "models", "add", modelPath(), "--name", "tiny"]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.events).toEqual([
      expect.objectContaining({ type: "model", name: "tiny", path: modelPath(), verified: { backend: "cpu", loadMs: expect.any(Number), tokensPerSecond: expect.any(Number) } }),
    ]);
    expect((added.events[0]?.verified as { tokensPerSecond: number }).tokensPerSecond).toBeGreaterThan(0);
    const listed = await runCli(["--data", data, "models", "list"]);
    expect(listed.stdout).toMatch(/^tiny\t23\.\d MiB\t/m);
  }, EXTRACTION_TEST_TIMEOUT_MS);
});

describe("verifyModel names what is wrong", () => {
  it("an architecture llama.cpp does not know: wrong architecture", async () => {
    const bytes = Buffer.from(readFileSync(modelPath()));
    // general.architecture's value "llama" follows its key; same length keeps the file valid.
    const at = bytes.indexOf("llama", bytes.indexOf("general.architecture"));
    bytes.write("zzzzz", at, "latin1");
    const odd = path.join(tempDir(), "odd.gguf");
    writeFileSync(odd, bytes);
    const result = await verifyModel(odd, { gpu: false, threads: 1 });
    expect(result).toEqual({ ok: false, message: 'wrong architecture: "zzzzz" is not a model architecture this llama.cpp can run' });
  });

  it("metadata intact but the weights missing: llama.cpp's load fails, and says so", async () => {
    const bytes = readFileSync(modelPath());
    const cut = path.join(tempDir(), "no-weights.gguf");
    // The tokenizer metadata is most of the file's first megabytes; the weights come last.
    writeFileSync(cut, bytes.subarray(0, bytes.length - 4_000_000));
    const result = await verifyModel(cut, { gpu: false, threads: 1 });
    expect(result).toMatchObject({ ok: false, message: expect.stringMatching(/^load failed \(architecture "llama"\): could not load /) });
  }, EXTRACTION_TEST_TIMEOUT_MS);

  it("the test model: ok, on the CPU, with a load time and a speed", async () => {
    const copy = path.join(tempDir(), "tiny.gguf");
    copyFileSync(modelPath(), copy);
    const result = await verifyModel(copy, { gpu: false, threads: 1, temperature: 0.8, seed: 7 });
    expect(result).toMatchObject({ ok: true, backend: "cpu" });
    if (result.ok) expect(result.tokensPerSecond).toBeGreaterThan(0);
  }, EXTRACTION_TEST_TIMEOUT_MS);
});

describe("extract --json says how the engine was loaded", () => {
  it("an engine event right after start: backend and the (here empty) list of reductions", async () => {
    const data = tempDir();
    const letters = path.join(REPO_ROOT, "resources", "demo", "letters");
    const imported = await runCli(["--data", data, "import", path.join(letters, readdirSync(letters).sort()[0] ?? "")]);
    expect(imported.code, imported.stderr).toBe(0);
    const run = await runCli(["--data", data, "--json", "extract", "--model", modelPath(), ...ENGINE_FLAGS]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.events[0]).toMatchObject({ type: "start" });
    expect(run.events[1]).toEqual({ type: "engine", backend: "cpu", parallel: 1, reductions: [] });
  }, EXTRACTION_TEST_TIMEOUT_MS);
});
