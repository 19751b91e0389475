/**
 * `eval run --qa` through the real local engine: node-llama-cpp in its child process on the tiny
 * random-weight test model, under the {answer, source} grammar. Its answers are noise; what this
 * proves is the path: every line the grammar let through is JSON of that shape, and it is scored.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ENGINE_FLAGS, REPO_ROOT, runCli } from "../helpers/cli.ts";
import { useTestModel } from "../helpers/testModel.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const modelPath = useTestModel();
const FIXTURE = path.join(REPO_ROOT, "test", "fixtures", "qa-run", "gold.jsonl");

describe("eval run --qa with the local engine", () => {
  it("answers three questions under the grammar: each line {answer, source} with its grounding, and the set scored", async () => {
    const gold = path.join(tempDir(), "gold.jsonl");
    const three = readFileSync(FIXTURE, "utf8").split("\n").filter((line) => /"id":"q(1|2|4)"/.test(line));
    writeFileSync(gold, `${three.join("\n")}\n`);
    const predictions = path.join(tempDir(), "answers.jsonl");
    const run = await runCli(["--data", tempDir(), "--json", "eval", "run", "--qa", "--gold", gold, "--letters", path.join(REPO_ROOT, "resources", "demo", "letters"), "--predictions", predictions, "--model", modelPath(), ...ENGINE_FLAGS]);
    expect(run.code === 0 || run.code === 1, run.stderr).toBe(true);
    const lines = readFileSync(predictions, "utf8").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => line.id).sort()).toEqual(["q1", "q2", "q4"]);
    for (const line of lines) {
      // A failure would be a line with an error; under the grammar none should fail.
      expect(line.error, JSON.stringify(line)).toBeUndefined();
      expect(Object.keys(line)).toEqual(["id", "answer", "source", "grounded"]);
      expect(typeof line.answer).toBe("string");
      expect((line.answer as string).length).toBeLessThanOrEqual(40);
      expect(typeof line.source).toBe("string");
      expect((line.source as string).length).toBeLessThanOrEqual(400);
      expect(line.grounded === null || typeof line.grounded === "boolean").toBe(true);
    }
    expect(run.events.find((event) => event.type === "start")).toMatchObject({ engine: expect.stringContaining("llama.cpp (cpu") as unknown, questions: 3 });
    const report = run.events.at(-1) as { type: string; overall: { n: number; invalid_predictions: number }; missing_predictions: number };
    expect(report.type).toBe("summary");
    expect(report.overall.n).toBe(3);
    expect(report.missing_predictions).toBe(0);
  }, 300_000);
});
