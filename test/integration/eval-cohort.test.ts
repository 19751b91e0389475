/**
 * n2c2 2018 track 1 cohort selection: a hand-written gold set (test/fixtures/n2c2/gold, 3
 * patients × 13 criteria) and predictions with four deliberate errors, scored through the CLI and
 * checked against the arithmetic written out below.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { dispatchApiCall } from "../../src-main/api/dispatch.ts";
import { createServices } from "../../src-main/api/services.ts";
import { REPO_ROOT, runCli } from "../helpers/cli.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const FIXTURES = path.join(REPO_ROOT, "test", "fixtures", "n2c2");

describe("cohort selection in the n2c2 format", () => {
  it("scores per criterion, their mean (the study's figure) and n2c2's overall micro-F1, each as worked by hand", async () => {
    const run = await runCli(["--json", "eval", "score", "--gold", path.join(FIXTURES, "gold"), "--pred", path.join(FIXTURES, "pred")]);
    expect(run.code, run.stderr).toBe(0);
    const report = run.events.at(-1) as Record<string, unknown> & { by_criterion: Record<string, Record<string, number | null>>; mean_over_criteria: Record<string, number>; n2c2_overall: { met: Record<string, number>; not_met: Record<string, number>; micro_f1: number } };
    expect(report.patients).toBe(3);
    // The errors: patient 101 ABDOMINAL met → "not met"; 102 CREATININE met → "not met";
    // 103 HBA1C met → no tag (invalid); 103 ALCOHOL-ABUSE not met → "met".
    // ABDOMINAL, gold [met, not, not], predicted [not, not, not]: accuracy 2/3; recall met 0/1,
    //   not 2/2 → balanced 1/2; micro-F1 over {met, not}: tp 2, fp 1, fn 1 → 4/6; F1 of met 0.
    expect(report.by_criterion.ABDOMINAL).toEqual({ n: 3, accuracy: 2 / 3, balanced_accuracy: 0.5, micro_f1: 4 / 6, f1_met: 0, invalid_predictions: 0 });
    expect(report.by_criterion.CREATININE).toEqual(report.by_criterion.ABDOMINAL);
    // HBA1C, gold [not, not, met], predicted [not, not, —]: accuracy 2/3; balanced 1/2; micro-F1:
    //   tp 2, fp 0, fn 1 (the invalid answer is no class) → 4/5.
    expect(report.by_criterion.HBA1C).toEqual({ n: 3, accuracy: 2 / 3, balanced_accuracy: 0.5, micro_f1: 0.8, f1_met: 0, invalid_predictions: 1 });
    // ALCOHOL-ABUSE, gold all "not met", one predicted "met": accuracy 2/3; balanced = recall of
    //   "not met" = 2/3; micro-F1 over {not}: tp 2, fp 0, fn 1 → 4/5; F1 of met: tp 0, fp 1 → 0.
    expect(report.by_criterion["ALCOHOL-ABUSE"]).toEqual({ n: 3, accuracy: 2 / 3, balanced_accuracy: 2 / 3, micro_f1: 0.8, f1_met: 0, invalid_predictions: 0 });
    // A criterion no patient meets has no F1 of "met".
    expect(report.by_criterion["MI-6MOS"]).toEqual({ n: 3, accuracy: 1, balanced_accuracy: 1, micro_f1: 1, f1_met: null, invalid_predictions: 0 });
    // Means over the 13 criteria (nine perfect): balanced (3 × 1/2 + 2/3 + 9) / 13; micro-F1 (2 × 2/3 + 2 × 4/5 + 9) / 13.
    expect(report.mean_over_criteria.balanced_accuracy).toBeCloseTo((1.5 + 2 / 3 + 9) / 13, 12);
    expect(report.mean_over_criteria.micro_f1).toBeCloseTo((4 / 3 + 1.6 + 9) / 13, 12);
    // n2c2 overall: 18 gold "met" cells, 15 found, 3 missed, 1 false "met" → F1 30/34;
    //   21 gold "not met" cells, 20 found, 1 missed, 2 false "not met" → F1 40/43; averaged.
    expect(report.n2c2_overall.met).toEqual({ tp: 15, fp: 1, fn: 3, f1: 30 / 34 });
    expect(report.n2c2_overall.not_met).toEqual({ tp: 20, fp: 2, fn: 1, f1: 40 / 43 });
    expect(report.n2c2_overall.micro_f1).toBeCloseTo((30 / 34 + 40 / 43) / 2, 12);

    const services = createServices({ dataDir: tempDir(), log: () => {} });
    try {
      const viaApi = await dispatchApiCall(services.handlers, "eval.scoreCohortFolders", { goldDir: path.join(FIXTURES, "gold"), predDir: path.join(FIXTURES, "pred") });
      expect(viaApi).toEqual({ ok: true, value: { ...report, type: undefined } });
    } finally {
      await services.close();
    }
  });

  it("refuses gold without a label for every criterion, naming the file and criteria; a missing prediction file is scored invalid and noted", async () => {
    const gold = path.join(tempDir(), "gold");
    const pred = path.join(tempDir(), "pred");
    mkdirSync(gold);
    mkdirSync(pred);
    writeFileSync(path.join(gold, "7.xml"), '<PatientMatching><TEXT>x</TEXT><TAGS><ABDOMINAL met="maybe"/></TAGS></PatientMatching>');
    const refused = await runCli(["eval", "score", "--gold", gold, "--pred", pred]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`oncotimeline: ${gold}: 1 gold file(s) cannot be used:\n  7.xml: no "met" or "not met" for ABDOMINAL, ADVANCED-CAD,`);
    const run = await runCli(["--json", "eval", "score", "--gold", path.join(FIXTURES, "gold"), "--pred", pred]);
    expect(run.code).toBe(0);
    const report = run.events.at(-1) as { invalid_predictions: number; missing_prediction_files: number; notes: string[]; n2c2_overall: { micro_f1: number } };
    expect(report).toMatchObject({ invalid_predictions: 39, missing_prediction_files: 3 });
    expect(report.notes[0]).toBe("101.xml: no prediction file (every criterion scored as an invalid answer)");
    expect(report.n2c2_overall.micro_f1).toBe(0);
  });
});
