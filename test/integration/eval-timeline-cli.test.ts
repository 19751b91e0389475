/**
 * `eval score` on two folders of timeline documents: the demo letters' gold against the same gold
 * altered by a known rule (test/helpers/alteredGold.ts), so the expected strict scores are known
 * exactly; one prediction is not JSON and one is missing.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { alterGold, expectedAfterAlteration, f1 } from "../helpers/alteredGold.ts";
import { REPO_ROOT, runCli } from "../helpers/cli.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const GOLD = path.join(REPO_ROOT, "resources", "demo", "gold");

describe("eval score with timeline folders", () => {
  it("reports exactly the scores a known alteration of the gold implies, per section, with JSON validity", async () => {
    const pred = path.join(tempDir(), "pred");
    mkdirSync(pred);
    const names = readdirSync(GOLD).filter((name) => name.endsWith(".json")).sort();
    const [invalid, missing] = [names[3] as string, names[7] as string];
    const golds = names.map((name) => ({ name, text: readFileSync(path.join(GOLD, name), "utf8") }));
    for (const { name, text } of golds) {
      if (name === invalid) writeFileSync(path.join(pred, name), "{ not json");
      else if (name !== missing) writeFileSync(path.join(pred, name), alterGold(text));
    }
    const { overall: expected, timeline, scalars } = expectedAfterAlteration(golds, new Set([invalid, missing]));
    writeFileSync(path.join(pred, "not-in-gold.json"), "{}");

    const run = await runCli(["--json", "eval", "score", "--gold", GOLD, "--pred", pred]);
    expect(run.code, run.stderr).toBe(0);
    const report = run.events.at(-1) as { strict: { overall: Record<string, number>; by_section: Record<string, Record<string, number>> }; relaxed: { overall: Record<string, number> }; json_validity: Record<string, number>; predictions_without_gold: number; letters: number; bootstrap: unknown; date_accuracy: Record<string, number> };
    expect(report.letters).toBe(16);
    expect(report.strict.overall).toEqual({ ...expected, precision: expected.tp / (expected.tp + expected.fp), recall: expected.tp / (expected.tp + expected.fn), f1: f1(expected) });
    expect(report.strict.by_section.cancer_timeline).toMatchObject({ ...timeline, fp: 0, f1: f1({ ...timeline, fp: 0 }) });
    expect(report.strict.by_section.primary_cancer).toMatchObject(scalars);
    // Nothing else was altered: every other section is exact where a prediction exists.
    expect(report.strict.by_section.patient_facts?.fp).toBe(0);
    // "Altered site" is not similar to any gold site, and dropped events stay dropped: relaxed equals strict here.
    expect(report.relaxed.overall).toEqual(report.strict.overall);
    expect(report.json_validity).toEqual({ valid: 14, invalid: 1, missing: 1, rate: 14 / 16 });
    expect(report.predictions_without_gold).toBe(1);
    expect(report.bootstrap).toBeNull();
    // The events kept keep their dates: every matched event's date is right.
    expect(report.date_accuracy).toMatchObject({ year_accuracy: 1, month_accuracy: 1 });
    expect(report.date_accuracy.events_with_year).toBeGreaterThan(50);

    // The altered predictions against the gold itself, paired: A - B is exactly the F1 lost, and every resample agrees on its sign.
    const exact = path.join(tempDir(), "exact");
    mkdirSync(exact);
    for (const name of names) writeFileSync(path.join(exact, name), readFileSync(path.join(GOLD, name)));
    const compared = await runCli(["--json", "eval", "compare", "--gold", GOLD, "--pred", pred, "--pred", exact, "--names", "altered,exact", "--resamples", "300"]);
    expect(compared.code, compared.stderr).toBe(0);
    const comparison = compared.events.at(-1) as { models: unknown; strict: { overall: { a: number; b: number; difference: number; difference_ci: [number, number]; sign_change_share: number } }; bootstrap: unknown };
    expect(comparison.models).toEqual({ a: "altered", b: "exact" });
    expect(comparison.strict.overall).toMatchObject({ a: f1(expected), b: 1, sign_change_share: 0 });
    expect(comparison.strict.overall.difference).toBeCloseTo(f1(expected) - 1, 12);
    expect(comparison.strict.overall.difference_ci[1]).toBeLessThan(0);
    expect(comparison.bootstrap).toEqual({ resamples: 300, seed: 1, level: 0.95, unit: "letter" });
    const once = await runCli(["eval", "compare", "--gold", GOLD, "--pred", pred]);
    expect(once.code).toBe(2);
    expect(once.stderr.trim()).toBe("oncotimeline: eval compare needs --pred twice (model A, then model B), not 1 time(s)");
  }, 60_000);

  it("refuses a gold folder with an unreadable file, naming it (exit 2)", async () => {
    const gold = path.join(tempDir(), "gold");
    mkdirSync(gold);
    writeFileSync(path.join(gold, "a.json"), "[1, 2]");
    const run = await runCli(["eval", "score", "--gold", gold, "--pred", tempDir()]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(`oncotimeline: ${gold}: 1 gold file(s) cannot be read:\n  a.json: not a JSON object`);
  });
});
