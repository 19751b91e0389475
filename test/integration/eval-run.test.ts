/**
 * `eval run` end to end: the demo letters and their gold, the extraction engine pointed (--server)
 * at a loopback OpenAI-compatible server that answers each letter with its gold altered by a
 * known rule (test/helpers/alteredGold.ts) and one letter with output that is not JSON; the run's
 * report must show exactly the scores the rule implies. (The random test model would score near
 * zero and prove nothing about the scorer.)
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alterGold, expectedAfterAlteration, f1 } from "../helpers/alteredGold.ts";
import { REPO_ROOT, runCli } from "../helpers/cli.ts";
import { demoLettersWithGold, startFakeOpenAiServer, type FakeOpenAiServer } from "../helpers/fakeOpenAiServer.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const DEMO = path.join(REPO_ROOT, "resources", "demo");
const demo = demoLettersWithGold();
const NOT_JSON = path.basename(demo[5]?.file ?? "", ".txt");
let server: FakeOpenAiServer;

beforeAll(async () => {
  const answers = new Map(demo.map((letter) => [letter.text, path.basename(letter.file, ".txt") === NOT_JSON ? "{ not json" : alterGold(letter.gold)]));
  server = await startFakeOpenAiServer({ respond: (request) => answers.get(request.messages.find((m) => m.role === "user")?.content ?? "") ?? "{}" });
});
afterAll(async () => {
  await server.close();
});

describe("eval run", () => {
  it("imports, extracts through the engine, writes the model's timelines and reports exactly the scores the alteration implies", async () => {
    const data = tempDir();
    const predictions = path.join(tempDir(), "predictions");
    const args = ["--data", data, "--json", "eval", "run", "--gold", path.join(DEMO, "gold"), "--letters", path.join(DEMO, "letters"), "--predictions", predictions, "--server", server.baseUrl];
    const run = await runCli(args);
    // One letter's extraction failed (its output is not JSON): exit 1, the rest scored.
    expect(run.code, run.stderr).toBe(1);
    const names = readdirSync(path.join(DEMO, "gold")).filter((name) => name.endsWith(".json")).sort();
    const golds = names.map((name) => ({ name, text: readFileSync(path.join(DEMO, "gold", name), "utf8") }));
    const { overall, timeline, scalars } = expectedAfterAlteration(golds, new Set([`${NOT_JSON}.json`]));
    const predictionsEvent = run.events.find((event) => event.type === "predictions") as { grounding: { values: number; grounded: number; rate: number } };
    expect(predictionsEvent).toMatchObject({ written: 15, failed: 1, notExtracted: [], notImported: [], ambiguous: [] });
    // The gold's values are quoted from their letters, except the altered site ("Altered site" is in no letter).
    expect(predictionsEvent.grounding.values).toBeGreaterThan(300);
    expect(predictionsEvent.grounding.values - predictionsEvent.grounding.grounded).toBeGreaterThanOrEqual(15);
    expect(predictionsEvent.grounding.rate).toBeCloseTo(predictionsEvent.grounding.grounded / predictionsEvent.grounding.values, 12);
    const report = run.events.at(-1) as { strict: { overall: Record<string, number>; by_section: Record<string, Record<string, number>> }; json_validity: Record<string, number> };
    expect(report.strict.overall).toEqual({ ...overall, precision: overall.tp / (overall.tp + overall.fp), recall: overall.tp / (overall.tp + overall.fn), f1: f1(overall) });
    expect(report.strict.by_section.cancer_timeline).toMatchObject(timeline);
    expect(report.strict.by_section.primary_cancer).toMatchObject(scalars);
    expect(report.json_validity).toEqual({ valid: 15, invalid: 1, missing: 0, rate: 15 / 16 });
    expect(readFileSync(path.join(predictions, `${NOT_JSON}.json`), "utf8")).toBe("{ not json");

    // Run again: every letter is imported and extracted already; nothing is sent to the server again.
    const requests = server.requests.filter((request) => request.path.endsWith("/chat/completions")).length;
    expect(requests).toBe(16);
    const again = await runCli(args);
    expect(again.code).toBe(1);
    expect(server.requests.filter((request) => request.path.endsWith("/chat/completions")).length).toBe(requests);
    expect((again.events.at(-1) as typeof report).strict.overall).toEqual(report.strict.overall);
  }, 120_000);
});
