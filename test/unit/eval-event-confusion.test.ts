/**
 * The event-type confusion matrix: timeline events paired one-to-one regardless of type (relaxed
 * text, dates to the year), gold type × predicted type, pooled over letters, with the events left
 * without a partner as "(missed)" and "(spurious)". Worked by hand on two letters written here;
 * the report, its heatmap, its CSV and `eval score --json` all carry the same counts.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { confusionChart } from "../../src-main/evaluate/evaluation.ts";
import { figuresCsv } from "../../src-main/evaluate/report/figuresCsv.ts";
import { scoreTimelineFolders } from "../../src-main/evaluate/timeline/scoreTimelineFolders.ts";
import { CANCER_EVENT_TYPES } from "../../src-shared/timeline.ts";
import { runCli } from "../helpers/cli.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();

type Event = { type: string; value: string; year?: number; month?: number };
const doc = (events: Event[]) => ({ primary_cancer: { site: "colon", cancer_timeline: events }, other_cancers: [], patient_facts: [], status_updates: [] });

const LETTERS: Record<string, { gold: Event[]; predicted: Event[] }> = {
  "one.json": {
    gold: [
      { type: "treatment_systemic_start", value: "Started FOLFOX cycle 1", year: 2021, month: 5 },
      { type: "anatomical_finding", value: "CT shows liver metastases", year: 2021, month: 6 },
      { type: "laboratory_finding", value: "CEA 45", year: 2021, month: 6 },
      { type: "treatment_surgery", value: "Right hemicolectomy", year: 2020, month: 11 },
    ],
    predicted: [
      // Same text, same date, another type: start × change.
      { type: "treatment_systemic_change", value: "started FOLFOX cycle 1", year: 2021, month: 5 },
      // Same text (a full stop), the year right and the month not (relaxed keeps the year only): anatomical × laboratory.
      { type: "laboratory_finding", value: "CT shows liver metastases.", year: 2021, month: 7 },
      { type: "laboratory_finding", value: "CEA 45", year: 2021, month: 6 },
      // Another year: no partner. The gold surgery is missed, this one spurious.
      { type: "treatment_surgery", value: "Right hemicolectomy", year: 2019 },
    ],
  },
  "two.json": {
    gold: [
      { type: "clinical_trial_update", value: "Enrolled in KEYNOTE-999", year: 2023 },
      { type: "other_progress_or_event", value: "Admitted with neutropenic sepsis", year: 2023, month: 2 },
      // A type outside the schema (onco-ext's gold has it): a row of its own.
      { type: "investigation_finding", value: "Colonoscopy: tumour at the hepatic flexure", year: 2020, month: 10 },
      { type: "laboratory_finding", value: "Hb 95 g/L", year: 2023 },
    ],
    predicted: [
      { type: "clinical_trial_update", value: "enrolled in keynote-999", year: 2023 },
      // Text like no gold event: spurious.
      { type: "other_progress_or_event", value: "Hair loss reported" },
      { type: "anatomical_finding", value: "Colonoscopy: tumour at the hepatic flexure", year: 2020 },
      // Both read "Hb 95 g/L" in 2023: the pair of one type is preferred, so lab × lab, and the anatomical one is spurious.
      { type: "anatomical_finding", value: "Hb 95 g/L", year: 2023 },
      { type: "laboratory_finding", value: "Hb 95 g/L", year: 2023 },
    ],
  },
};

// By hand, pooled over the two letters (8 gold events, 9 predicted):
//   treatment_systemic_start → treatment_systemic_change 1
//   anatomical_finding → laboratory_finding 1
//   laboratory_finding → laboratory_finding 2 (CEA, Hb)
//   treatment_surgery → (missed) 1;  other_progress_or_event → (missed) 1
//   clinical_trial_update → clinical_trial_update 1
//   investigation_finding → anatomical_finding 1
//   (spurious) → treatment_surgery 1, other_progress_or_event 1, anatomical_finding 1
// Row sums 1+1+2+1+1+1+1 = 8 gold events; column sums 1+3+1+2+1+1 = 9 predicted.
const NONZERO: [string, string, number][] = [
  ["treatment_systemic_start", "treatment_systemic_change", 1],
  ["anatomical_finding", "laboratory_finding", 1],
  ["laboratory_finding", "laboratory_finding", 2],
  ["treatment_surgery", "(missed)", 1],
  ["other_progress_or_event", "(missed)", 1],
  ["clinical_trial_update", "clinical_trial_update", 1],
  ["investigation_finding", "anatomical_finding", 1],
  ["(spurious)", "treatment_surgery", 1],
  ["(spurious)", "other_progress_or_event", 1],
  ["(spurious)", "anatomical_finding", 1],
];

function folders(): { gold: string; pred: string } {
  const dir = tempDir();
  const gold = path.join(dir, "gold");
  const pred = path.join(dir, "pred");
  mkdirSync(gold);
  mkdirSync(pred);
  for (const [name, letter] of Object.entries(LETTERS)) {
    writeFileSync(path.join(gold, name), JSON.stringify(doc(letter.gold)));
    writeFileSync(path.join(pred, name), JSON.stringify(doc(letter.predicted)));
  }
  return { gold, pred };
}

describe("the event-type confusion matrix, worked by hand", () => {
  it("pairs events across types by text and year, counts gold × predicted, and names the missed and spurious", () => {
    const { gold, pred } = folders();
    const { event_type_confusion: confusion } = scoreTimelineFolders(gold, pred);
    // Every schema type a row and a column, whether used or not, then the type outside the schema.
    expect(confusion.types).toEqual([...CANCER_EVENT_TYPES, "investigation_finding"]);
    const expected: Record<string, Record<string, number>> = {};
    for (const row of [...confusion.types, "(spurious)"]) expected[row] = Object.fromEntries([...confusion.types, ...(row === "(spurious)" ? [] : ["(missed)"])].map((column) => [column, 0]));
    for (const [row, column, count] of NONZERO) (expected[row] as Record<string, number>)[column] = count;
    expect(confusion.counts).toEqual(expected);
  });

  it("the heatmap names every type and writes each count in its cell; the CSV and `eval score --json` hold the same matrix", async () => {
    const { gold, pred } = folders();
    const report = scoreTimelineFolders(gold, pred);
    const chart = await confusionChart("model A", report.event_type_confusion);
    expect(chart.title).toBe("model A: event types, gold × predicted");
    for (const type of [...CANCER_EVENT_TYPES, "investigation_finding", "(missed)", "(spurious)"]) expect(chart.svg).toContain(`>${type}</text>`);
    // Empty cells are left blank: nine cells of 1, one of 2.
    expect(chart.svg.match(/>1<\/text>/g)).toHaveLength(9);
    expect(chart.svg.match(/>2<\/text>/g)).toHaveLength(1);

    const csv = figuresCsv({ A: report });
    for (const [row, column, count] of NONZERO) expect(csv).toContain(`\nA.event_type_confusion.counts.${row}.${column},${count}\n`);
    expect(csv).toContain("\nA.event_type_confusion.counts.treatment_radiotherapy.treatment_radiotherapy,0\n");

    const run = await runCli(["--json", "eval", "score", "--gold", gold, "--pred", pred]);
    expect(run.code, run.stderr).toBe(0);
    expect((run.events.at(-1) as { event_type_confusion: unknown }).event_type_confusion).toEqual(report.event_type_confusion);
  });
});
