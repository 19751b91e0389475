import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { percentile, percentileInterval, resampleCounts } from "../../src-main/evaluate/bootstrap.ts";
import { applyThreshold, parseThreshold } from "../../src-main/evaluate/criteria.ts";
import { scoreQaFiles } from "../../src-main/evaluate/scoreQaFiles.ts";
import { readQaAnswer } from "../../src-main/evaluate/qaAnswer.ts";
import { readQaGold } from "../../src-main/evaluate/qaFiles.ts";
import { ScoringInputError } from "../../src-main/evaluate/scoringInputError.ts";
import { scoreQa, type QaGoldItem } from "../../src-main/evaluate/qaScore.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();

describe("reading an answer", () => {
  it("yes, no, numbers as numbers, NA in its spellings; anything else is invalid, never No", () => {
    expect(["Yes", " YES. ", true].map(readQaAnswer)).toEqual(["yes", "yes", "yes"]);
    expect(["no", "No.", false].map(readQaAnswer)).toEqual(["no", "no", "no"]);
    expect(["188", "188.0", 188, " 1.88e2 ", "+188"].map(readQaAnswer)).toEqual(["188", "188", "188", "188", "188"]);
    expect(["-0", 0, ".5", "0.50"].map(readQaAnswer)).toEqual(["0", "0", "0.5", "0.5"]);
    expect(["", "NA", "n/a", "N/A.", "None", null, undefined].map(readQaAnswer)).toEqual(["na", "na", "na", "na", "na", "na", "na"]);
    expect(["maybe", "yes, probably", "188 mg", "1,300", "nan", Number.NaN, {}, []].map(readQaAnswer)).toEqual([null, null, null, null, null, null, null, null]);
  });
});

describe("QA scores, worked by hand", () => {
  it("one kind: accuracy, balanced accuracy, macro- and micro-F1 over the gold's classes, an invalid answer always wrong", () => {
    // Gold: yes, yes, yes, no, no, na.   Predicted: yes, no, (invalid), no, yes, 7.
    // Correct: items 1 and 4 → accuracy 2/6 = 0.333...
    // Per gold class: yes support 3, tp 1 (fp 1: item 5), fn 2 → recall 1/3, F1 2·1/(2+1+2) = 2/5
    //                 no  support 2, tp 1 (fp 1: item 2), fn 1 → recall 1/2, F1 2·1/(2+1+1) = 1/2
    //                 na  support 1, tp 0 (fp 0; "7" is no gold class), fn 1 → recall 0, F1 0
    // Balanced accuracy = (1/3 + 1/2 + 0) / 3 = 5/18. Macro-F1 = (2/5 + 1/2 + 0) / 3 = 0.3.
    // Micro over the gold classes: tp 2, fp 2, fn 4 → 2·2 / (4 + 2 + 4) = 0.4.
    const answers = ["yes", "yes", "yes", "no", "no", "na"];
    const gold: QaGoldItem[] = answers.map((answer, i) => ({ id: `q${i}`, noteId: `n${i}`, kind: "na-boolean", answer }));
    const predictions = new Map<string, string | null>([["q0", "yes"], ["q1", "no"], ["q2", null], ["q3", "no"], ["q4", "yes"], ["q5", "7"]]);
    const report = scoreQa(gold, predictions);
    const expected = { n: 6, accuracy: 2 / 6, balanced_accuracy: 5 / 18, macro_f1: 0.3, micro_f1: 0.4, invalid_predictions: 1 };
    for (const [metric, value] of Object.entries(expected)) expect(report.overall[metric as keyof typeof expected]).toBeCloseTo(value, 12);
    expect(report.by_kind["na-boolean"]).toEqual(report.overall);
    expect(report.bootstrap).toBeNull();
    expect(report.overall.accuracy_ci).toBeUndefined();
  });

  it("a missing prediction is an invalid answer; intervals resample notes and hold the point estimate", () => {
    const gold: QaGoldItem[] = Array.from({ length: 40 }, (_, i) => ({ id: `q${i}`, noteId: `n${Math.floor(i / 4)}`, kind: i % 2 ? "boolean" : "numeric", answer: i % 2 ? (i % 3 ? "yes" : "no") : String(i % 5) }));
    const predictions = new Map(gold.filter((_, i) => i % 7 !== 0).map((item, i) => [item.id, i % 4 === 0 ? "no" : item.answer]));
    const report = scoreQa(gold, predictions, { intervals: true, resamples: 500, seed: 3 });
    expect(report.missing_predictions).toBe(6);
    expect(report.overall.invalid_predictions).toBe(6);
    expect(report.bootstrap).toEqual({ resamples: 500, seed: 3, level: 0.95, unit: "note" });
    for (const metrics of [report.overall, report.by_kind.boolean, report.by_kind.numeric]) {
      const [low, high] = metrics?.accuracy_ci as [number, number];
      expect(low).toBeLessThanOrEqual(metrics?.accuracy as number);
      expect(high).toBeGreaterThanOrEqual(metrics?.accuracy as number);
      expect(high).toBeGreaterThan(low);
    }
    // Seeded: the same seed, the same intervals; another seed, others.
    expect(scoreQa(gold, predictions, { intervals: true, resamples: 500, seed: 3 })).toEqual(report);
    expect(scoreQa(gold, predictions, { intervals: true, resamples: 500, seed: 4 }).overall.accuracy_ci).not.toEqual(report.overall.accuracy_ci);
  });
});

describe("bootstrap", () => {
  it("draws as many notes as there are, with replacement, reproducibly", () => {
    const first = Array.from(resampleCounts(10, 3, 9), (counts) => [...counts]);
    expect(first).toHaveLength(3);
    for (const counts of first) expect(counts.reduce((a, b) => a + b, 0)).toBe(10);
    expect(first.some((counts) => counts.some((count) => count > 1))).toBe(true);
    expect(Array.from(resampleCounts(10, 3, 9), (counts) => [...counts])).toEqual(first);
  });

  it("percentiles interpolate linearly, as numpy's default does", () => {
    // numpy.percentile([1, 2, 3, 4], [2.5, 97.5]) = [1.075, 3.925]
    expect(percentile([1, 2, 3, 4], 2.5)).toBeCloseTo(1.075, 12);
    expect(percentile([1, 2, 3, 4], 97.5)).toBeCloseTo(3.925, 12);
    expect(percentileInterval([4, Number.NaN, 1, 3, 2])).toEqual([percentile([1, 2, 3, 4], 2.5), percentile([1, 2, 3, 4], 97.5)]);
  });
});

describe("QA gold files", () => {
  it("names every bad line, and reads the studio's kind names as the four kinds", () => {
    const file = path.join(tempDir(), "gold.jsonl");
    writeFileSync(
      file,
      [
        '{"id": "a", "note_id": 1, "kind": "yes_no", "answer": "Yes"}',
        '{"id": "b", "note_id": 1, "kind": "boolean"',
        '{"id": "c", "note_id": 2, "kind": "multiple-choice", "answer": "B"}',
        '{"id": "a", "note_id": 2, "kind": "numeric", "answer": 5}',
        '{"note_id": 3, "kind": "numeric", "answer": 5}',
      ].join("\n"),
    );
    let message = "";
    try {
      readQaGold(file);
    } catch (error) {
      expect(error).toBeInstanceOf(ScoringInputError);
      message = (error as Error).message;
    }
    expect(message).toContain(`${file}: 5 problem(s):`);
    expect(message).toContain("line 2: not valid JSON");
    expect(message).toContain('line 3: kind "multiple-choice" is not boolean, numeric, na-boolean or na-numeric');
    expect(message).toContain('line 3: answer "B" is not yes, no, a number or NA');
    expect(message).toContain('line 4: id "a" is already on line 1');
    expect(message).toMatch(/line 5: id: /);
    writeFileSync(file, '{"id": "a", "note_id": 1, "kind": "not_answerable_numeric", "answer": "N/A"}\n');
    expect(readQaGold(file)).toEqual([{ id: "a", noteId: "1", kind: "na-numeric", answer: "na" }]);
  });
});

describe("criteria with a threshold", () => {
  it("reads > x, >= x, < x, <= x and low..high, and turns numbers into met / not met, leaving yes, no and NA alone", () => {
    const above = parseThreshold("> 1.3");
    expect(above?.text).toBe("> 1.3");
    expect(["1.3", "1.31", "2", "-1"].map((label) => applyThreshold(label, above as NonNullable<typeof above>))).toEqual(["not met", "met", "met", "not met"]);
    const range = parseThreshold("6.5..9.5");
    expect(["6.5", "9.5", "6.4", "9.6", "na", "yes"].map((label) => applyThreshold(label, range as NonNullable<typeof range>))).toEqual(["met", "met", "not met", "not met", "na", "yes"]);
    expect([">= 6.5", "<2", "<= -1"].map((text) => parseThreshold(text)?.text)).toEqual([">= 6.5", "< 2", "<= -1"]);
    expect(["", "about 1.3", "9.5..6.5", "> x", "=> 2"].map(parseThreshold)).toEqual([null, null, null, null, null]);
  });

  it("scores a criterion's numbers as met / not met, gold and prediction alike, worked by hand", () => {
    const dir = tempDir();
    const gold = path.join(dir, "gold.jsonl");
    const pred = path.join(dir, "pred.jsonl");
    const criteria = path.join(dir, "criteria.csv");
    // Creatinine > 1.3: gold 1.1 (not met), 1.9 (met), 1.3 (not met), 2.4 (met).
    // Predicted 1.2 (not met: right), 1.8 (met: right), 1.4 (met: wrong), N/A (wrong) → accuracy 2/4.
    // As bare numbers none is equal: accuracy 0.
    // Gold classes: met recall 1/2, not met recall 1/2 → balanced accuracy 1/2.
    writeFileSync(gold, [1.1, 1.9, 1.3, 2.4].map((answer, i) => JSON.stringify({ id: `c${i}`, note_id: `n${i}`, kind: "numeric", answer, criterion: "CREATININE" })).join("\n"));
    writeFileSync(pred, [1.2, 1.8, 1.4, "N/A"].map((answer, i) => JSON.stringify({ id: `c${i}`, answer })).join("\n"));
    writeFileSync(criteria, "id,threshold,question\nCREATININE,> 1.3,Highest creatinine above 1.3 mg/dL?\nHBA1C,6.5..9.5,HbA1c between 6.5 and 9.5%?\n");
    expect(scoreQaFiles(gold, pred, {}).overall.accuracy).toBe(0);
    const judged = scoreQaFiles(gold, pred, { criteriaPath: criteria }).overall;
    expect(judged).toMatchObject({ n: 4, accuracy: 0.5, balanced_accuracy: 0.5, invalid_predictions: 0 });
    writeFileSync(criteria, "id,threshold\nCREATININE,about 1.3\n");
    expect(() => scoreQaFiles(gold, pred, { criteriaPath: criteria })).toThrow(`${criteria}: 1 problem(s):\n  row 2: threshold "about 1.3" is not > x, >= x, < x, <= x or low..high`);
    writeFileSync(criteria, "id,threshold\nHBA1C,6.5..9.5\n");
    expect(() => scoreQaFiles(gold, pred, { criteriaPath: criteria })).toThrow(`${gold}: criteria not in ${criteria}: CREATININE`);
  });
});

describe("QA files as CSV", () => {
  it("reads gold and predictions from CSV (letter_id as note_id, quoted commas, an empty answer as NA) exactly as the same JSON Lines", () => {
    const dir = tempDir();
    const rows = [
      { id: "q1", note: "n1", kind: "yes_no", question: "Is there, in the letter, a cancer?", answer: "Yes", source: "breast cancer", predicted: "yes" },
      { id: "q2", note: "n1", kind: "numeric", question: "Highest creatinine?", answer: "1.9", source: "creatinine 1.9", predicted: "1.90" },
      { id: "q3", note: "n2", kind: "not_answerable_numeric", question: "HbA1c?", answer: "N/A", source: "", predicted: "" },
      { id: "q4", note: "n2", kind: "yes_no", question: "Smoker?", answer: "No", source: "never smoked", predicted: "unclear" },
    ];
    const csvCell = (text: string) => (/[",]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
    writeFileSync(path.join(dir, "gold.csv"), ["id,letter_id,kind,question,answer,source", ...rows.map((r) => [r.id, r.note, r.kind, r.question, r.answer, r.source].map(csvCell).join(","))].join("\n"));
    writeFileSync(path.join(dir, "pred.csv"), ["id,answer", ...rows.map((r) => `${r.id},${r.predicted}`)].join("\n"));
    writeFileSync(path.join(dir, "gold.jsonl"), rows.map((r) => JSON.stringify({ id: r.id, note_id: r.note, kind: r.kind, question: r.question, answer: r.answer, source: r.source })).join("\n"));
    writeFileSync(path.join(dir, "pred.jsonl"), rows.map((r) => JSON.stringify({ id: r.id, answer: r.predicted })).join("\n"));
    const fromCsv = scoreQaFiles(path.join(dir, "gold.csv"), path.join(dir, "pred.csv"), {});
    expect(fromCsv).toEqual(scoreQaFiles(path.join(dir, "gold.jsonl"), path.join(dir, "pred.jsonl"), {}));
    expect(fromCsv.overall).toMatchObject({ n: 4, accuracy: 0.75, invalid_predictions: 1 });
    writeFileSync(path.join(dir, "bad.csv"), "id,letter_id,kind,answer\nq1,n1,yes_no,Yes\nq2,n1,odd,maybe\n");
    expect(() => readQaGold(path.join(dir, "bad.csv"))).toThrow(/line 3: kind "odd" is not boolean[\s\S]*line 3: answer "maybe" is not yes, no, a number or NA/);
  });
});
