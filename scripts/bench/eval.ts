/**
 * npm run bench:eval — QA scores with 1,000-resample bootstrap intervals on 42,498 items (the
 * distillation study's held-out size, about a quarter of each kind, four questions a note) by
 * `scoreQaFiles`, against the same computed with scikit-learn in a Python resampling loop
 * (scripts/bench/qa_sklearn.py, Debian's python3-sklearn), in one run. Both read the same files;
 * the point scores must agree to 1e-9 (the intervals differ only by their random draws). Last
 * line: `ours/sklearn-loop seconds: X.XX` (below 1: ours is faster).
 * Options: --items N (default 42498), --resamples N (default 1000), --seed N.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { seededRandom } from "../../src-main/base/seededRandom.ts";
import { scoreQaFiles } from "../../src-main/evaluate/scoreQaFiles.ts";

const { values } = parseArgs({ options: { items: { type: "string", default: "42498" }, resamples: { type: "string", default: "1000" }, seed: { type: "string", default: "1" } } });
const items = Number(values.items);
const resamples = Number(values.resamples);
const seed = Number(values.seed);
const dir = mkdtempSync(path.join(os.tmpdir(), "oncotimeline-bench-eval-"));

try {
  const random = seededRandom(seed);
  const kinds = ["boolean", "numeric", "na-boolean", "na-numeric"] as const;
  const answers: Record<(typeof kinds)[number], readonly unknown[]> = {
    boolean: ["Yes", "No"],
    numeric: Array.from({ length: 40 }, (_, i) => (i % 3 ? String(i * 1.5) : i)),
    "na-boolean": ["Yes", "No", "N/A"],
    "na-numeric": ["N/A", ...Array.from({ length: 20 }, (_, i) => String(i * 10))],
  };
  const gold: string[] = [];
  const pred: string[] = [];
  for (let i = 0; i < items; i++) {
    const kind = kinds[i % 4] as (typeof kinds)[number];
    const choices = answers[kind];
    const answer = choices[Math.floor(random() * choices.length)];
    gold.push(JSON.stringify({ id: `q${i}`, note_id: `note${Math.floor(i / 4)}`, kind, answer }));
    const roll = random();
    const predicted = roll < 0.85 ? answer : roll < 0.87 ? "unclear" : choices[Math.floor(random() * choices.length)];
    pred.push(JSON.stringify({ id: `q${i}`, answer: predicted }));
  }
  const goldPath = path.join(dir, "gold.jsonl");
  const predPath = path.join(dir, "pred.jsonl");
  writeFileSync(goldPath, `${gold.join("\n")}\n`);
  writeFileSync(predPath, `${pred.join("\n")}\n`);

  const started = performance.now();
  const ours = scoreQaFiles(goldPath, predPath, { intervals: true, resamples, seed });
  const oursSeconds = (performance.now() - started) / 1000;

  const run = spawnSync("/usr/bin/python3", [path.join(import.meta.dirname, "qa_sklearn.py"), goldPath, predPath, "--draw", String(resamples), String(seed)], {
    encoding: "utf8",
    env: { ...process.env, PYTHONWARNINGS: "ignore" },
    maxBuffer: 1 << 24,
  });
  if (run.status !== 0) throw new Error(`qa_sklearn.py failed: ${run.stderr || run.error?.message}`);
  const { seconds: sklearnSeconds, ...reference } = JSON.parse(run.stdout) as { seconds: number } & Record<string, Record<string, number | [number, number]>>;

  console.log(`${items} items in ${Math.ceil(items / 4)} notes, ${resamples} resamples`);
  console.log("kind          metric              ours    [95% interval]            sklearn [95% interval]");
  let worst = 0;
  for (const [kind, metrics] of Object.entries({ ...ours.by_kind, overall: ours.overall })) {
    const expected = reference[kind] as Record<string, number | [number, number]>;
    for (const metric of ["accuracy", "balanced_accuracy", "macro_f1", "micro_f1"] as const) {
      const [low, high] = metrics[`${metric}_ci`] as [number, number];
      const [refLow, refHigh] = expected[`${metric}_ci`] as [number, number];
      worst = Math.max(worst, Math.abs(metrics[metric] - (expected[metric] as number)));
      console.log(`${kind.padEnd(13)} ${metric.padEnd(18)} ${metrics[metric].toFixed(4)} [${low.toFixed(4)}, ${high.toFixed(4)}]   ${(expected[metric] as number).toFixed(4)} [${refLow.toFixed(4)}, ${refHigh.toFixed(4)}]`);
    }
  }
  console.log(`largest point-score difference from sklearn: ${worst.toExponential(2)}${worst < 1e-9 ? " (equal to 1e-9)" : " (NOT EQUAL)"}`);
  console.log(`ours: ${oursSeconds.toFixed(2)} s (reading the files, scoring, ${resamples} resamples); sklearn loop: ${sklearnSeconds.toFixed(2)} s (the resampling loop alone)`);
  console.log(`ours/sklearn-loop seconds: ${(oursSeconds / sklearnSeconds).toFixed(2)}`);
  if (worst >= 1e-9) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
