/**
 * The metric over training-set size: a real store with a base and fine-tunes registered with
 * lineages (test/helpers/lineageModels.ts), each model's predictions the demo gold altered by a
 * known rule, more alterations for less training data, so every point of the curve is known from
 * the gold files themselves; QA by a hand-worked fixture. The refusals (another base, no training
 * set, no lineage, no such model, predictions that cannot be read) each named, the rest drawn.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createServices } from "../../src-main/api/services.ts";
import { scoreTimelineFolders } from "../../src-main/evaluate/timeline/scoreTimelineFolders.ts";
import { openStore } from "../../src-main/store/db.ts";
import { registerModel } from "../../src-main/store/models.ts";
import { ApiFailure, type TrainingCurve } from "../../src-shared/api.ts";
import { alterGold, expectedAfterAlteration, f1 } from "../helpers/alteredGold.ts";
import { REPO_ROOT, runCli } from "../helpers/cli.ts";
import { registerLineageModels } from "../helpers/lineageModels.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { writeTestAdapter } from "../helpers/testAdapter.ts";

const tempDir = useTempDirs();
const GOLD = path.join(REPO_ROOT, "resources", "demo", "gold");
const golds = readdirSync(GOLD)
  .filter((name) => name.endsWith(".json"))
  .map((name) => ({ name, text: readFileSync(path.join(GOLD, name), "utf8") }));

/** The gold with every `dropEvery`-th event dropped and the site changed, as one model's prediction folder. */
function predictions(dir: string, dropEvery: number): string {
  const folder = path.join(dir, `drop-every-${dropEvery}`);
  mkdirSync(folder);
  for (const { name, text } of golds) writeFileSync(path.join(folder, name), alterGold(text, dropEvery));
  return folder;
}

/** Strict F1 the alteration implies, counted from the gold files. */
const expectedF1 = (dropEvery: number) => f1(expectedAfterAlteration(golds, new Set(), dropEvery).overall);

describe("eval curve: strict F1 over training-set size", () => {
  it("places the base at 0 and each fine-tune at its training rows with the F1 its alteration implies; the misfits are left off, each with why", async () => {
    const data = tempDir();
    const dir = tempDir();
    const { base, fineTunes } = await registerLineageModels(data, dir, [120, 480]);
    // The base alters most (every 2nd event dropped), 120 rows every 3rd, 480 rows none (only the site).
    const basePred = predictions(dir, 2);
    const pred120 = predictions(dir, 3);
    const pred480 = predictions(dir, 1000);
    const out = path.join(dir, "curve.html");
    const missing = path.join(dir, "nowhere");
    const args = ["--data", data, "--json", "eval", "curve", "--gold", GOLD, "--resamples", "200", "--out", out];
    const runs = [
      [pred480, "ft-480"],
      [basePred, "tiny-base"],
      [pred120, String(fineTunes.get(120)?.id)],
      [pred120, "ft-other-base"],
      [pred120, "ft-no-dataset"],
      [pred120, "ghost"],
      [missing, "ft-120"],
    ];
    const run = await runCli([...args, ...runs.flatMap(([pred, model]) => ["--pred", pred as string, "--model", model as string])]);
    // Drawn, with runs left off: the status of a batch with failed items.
    expect(run.code, run.stderr).toBe(1);
    const refused = run.events.filter((event) => event.type === "refused");
    expect(refused).toEqual([
      { type: "refused", model: "ghost", predPath: pred120, reason: 'no registered model "ghost"' },
      { type: "refused", model: "ft-120", predPath: missing, reason: `${missing}: the prediction folder does not exist` },
      {
        type: "refused",
        model: "ft-other-base",
        predPath: pred120,
        reason: `ft-other-base was fine-tuned from llama-70b (fingerprint feedfacefeed), not from the curve's base tiny-base (${base.fingerprint.slice(0, 12)})`,
      },
      { type: "refused", model: "ft-no-dataset", predPath: pred120, reason: "ft-no-dataset's lineage names no training set, so its training-set size is unknown" },
    ]);
    const summary = run.events.at(-1) as { html: string; csv: string; base: { name: string; fingerprint: string }; points: TrainingCurve["points"] };
    expect(summary.base).toEqual({ name: "tiny-base", fingerprint: base.fingerprint });
    expect(summary.points.map(({ model, training_rows, metric }) => [model, training_rows, metric])).toEqual([
      ["tiny-base", 0, "strict F1"],
      ["ft-120", 120, "strict F1"],
      ["ft-480", 480, "strict F1"],
    ]);
    const values = summary.points.map((point) => point.value as number);
    [2, 3, 1000].forEach((dropEvery, i) => expect(values[i]).toBeCloseTo(expectedF1(dropEvery), 12));
    // More alteration, lower F1: the curve rises with training rows, and the fixture can tell the points apart.
    expect(values[0]).toBeLessThan(values[1] as number);
    expect(values[1]).toBeLessThan(values[2] as number);
    // Each interval is the model's own bootstrap over letters, as `eval score --intervals` computes it.
    [basePred, pred120, pred480].forEach((pred, i) => expect(summary.points[i]?.ci).toEqual(scoreTimelineFolders(GOLD, pred, { intervals: true, resamples: 200, seed: 1 }).strict.overall.f1_ci));

    const csv = readFileSync(summary.csv, "utf8").trim().split("\n");
    expect(summary.csv).toBe(path.join(dir, "curve.csv"));
    expect(csv[0]).toBe("model,training_rows,metric,value,ci_low,ci_high");
    expect(csv.slice(1)).toEqual(summary.points.map((point) => `${point.model},${point.training_rows},strict F1,${point.value},${point.ci?.[0]},${point.ci?.[1]}`));
    const html = readFileSync(out, "utf8");
    expect(html).toContain("<svg");
    expect(html).toContain("ft-other-base was fine-tuned from llama-70b");
  });

  it("refuses a call with no usable point, naming why, and unequal --pred and --model", async () => {
    const data = tempDir();
    const dir = tempDir();
    await registerLineageModels(data, dir, [50]);
    const pred = predictions(dir, 3);
    const uneven = await runCli(["--data", data, "eval", "curve", "--gold", GOLD, "--pred", pred, "--pred", pred, "--model", "ft-50", "--out", path.join(dir, "c.html")]);
    expect(uneven.code).toBe(2);
    expect(uneven.stderr).toContain("give one --model per --pred, in the same order: 2 --pred and 1 --model");
    // Only the base and a model without a lineage: nothing names a base to draw a curve of.
    const db = openStore(data);
    registerModel(db, await writeTestAdapter(path.join(dir, "plain.gguf"), { seed: 55 }), { name: "plain" });
    db.close();
    const noLineage = await runCli(["--data", data, "eval", "curve", "--gold", GOLD, "--pred", pred, "--model", "tiny-base", "--pred", pred, "--model", "plain", "--out", path.join(dir, "c.html")]);
    expect(noLineage.code).toBe(2);
    expect(noLineage.stderr).toContain("none of the models (tiny-base, plain) is a fine-tune with a lineage: a curve over training-set size needs fine-tunes of one base");
    // Fine-tunes of one base, but the only one left names no training set: no point to draw.
    const noPoint = await runCli(["--data", data, "eval", "curve", "--gold", GOLD, "--pred", pred, "--model", "ft-no-dataset", "--pred", pred, "--model", "ft-other-base", "--out", path.join(dir, "c.html")]);
    expect(noPoint.code).toBe(2);
    expect(noPoint.stderr).toContain("no run belongs on a curve of tiny-base's fine-tunes:\n  ft-no-dataset's lineage names no training set");
  });
});

describe("eval.trainingCurve, the screen's call", () => {
  it("QA: balanced accuracy and macro-F1 of each fine-tune at its training rows, worked by hand", async () => {
    const data = tempDir();
    const dir = tempDir();
    const { fineTunes } = await registerLineageModels(data, dir, [40, 400]);
    const gold = path.join(dir, "gold.jsonl");
    const answers = ["yes", "yes", "yes", "no", "no", "no"];
    writeFileSync(gold, answers.map((answer, i) => JSON.stringify({ id: `q${i}`, note_id: `n${i}`, kind: "boolean", answer })).join("\n"));
    const predict = (name: string, said: string[]) => {
      const file = path.join(dir, `${name}.jsonl`);
      writeFileSync(file, said.map((answer, i) => JSON.stringify({ id: `q${i}`, answer })).join("\n"));
      return file;
    };
    // 40 rows: yes, no, no, no, no, yes. Recall of yes 1/3, of no 2/3: balanced accuracy 1/2.
    //   F1 of yes: tp 1, fp 1, fn 2 → 2/5; of no: tp 2, fp 2, fn 1 → 4/7; macro-F1 (2/5 + 4/7) / 2 = 17/35.
    // 400 rows: yes, yes, no, no, no, no. Recall of yes 2/3, of no 1: balanced accuracy 5/6.
    //   F1 of yes: tp 2, fp 0, fn 1 → 4/5; of no: tp 3, fp 1, fn 0 → 6/7; macro-F1 (4/5 + 6/7) / 2 = 29/35.
    const few = predict("few", ["yes", "no", "no", "no", "no", "yes"]);
    const many = predict("many", ["yes", "yes", "no", "no", "no", "no"]);
    const services = createServices({ dataDir: data, log: () => {} });
    try {
      const curve = await services.handlers["eval.trainingCurve"]({
        goldPath: gold,
        runs: [
          { predPath: many, modelId: fineTunes.get(400)?.id as number },
          { predPath: few, modelId: fineTunes.get(40)?.id as number },
        ],
        resamples: 200,
        seed: 3,
      });
      expect(curve.kind).toBe("qa");
      expect(curve.metrics).toEqual(["balanced accuracy", "macro-F1"]);
      const value = (model: string, metric: string) => curve.points.find((point) => point.model === model && point.metric === metric)?.value;
      expect(curve.points.map((point) => [point.model, point.training_rows])).toEqual([["ft-40", 40], ["ft-40", 40], ["ft-400", 400], ["ft-400", 400]]);
      expect(value("ft-40", "balanced accuracy")).toBeCloseTo(1 / 2, 12);
      expect(value("ft-40", "macro-F1")).toBeCloseTo(17 / 35, 12);
      expect(value("ft-400", "balanced accuracy")).toBeCloseTo(5 / 6, 12);
      expect(value("ft-400", "macro-F1")).toBeCloseTo(29 / 35, 12);
      for (const point of curve.points) {
        expect(point.ci?.[0]).toBeLessThanOrEqual(point.value as number);
        expect(point.ci?.[1]).toBeGreaterThanOrEqual(point.value as number);
      }
      expect(curve.refused).toEqual([]);
      expect(curve.chart.svg).toContain("ft-400");
      expect(curve.chart.title).toBe("balanced accuracy and macro-F1 over training-set size (fine-tunes of tiny-base)");

      // No run can be scored (no such model; a prediction file that is not there): invalid input naming each.
      const refusal = services.handlers["eval.trainingCurve"]({
        goldPath: gold,
        runs: [
          { predPath: few, modelId: 9999 },
          { predPath: path.join(dir, "absent.jsonl"), modelId: fineTunes.get(40)?.id as number },
        ],
        resamples: 200,
        seed: 1,
      });
      await expect(refusal).rejects.toBeInstanceOf(ApiFailure);
      await expect(refusal).rejects.toThrow(/no run could be scored:\n {2}9999 \(.*few\.jsonl\): no registered model 9999\n {2}ft-40 \(.*absent\.jsonl\): /);
    } finally {
      await services.close();
    }
  });
});
