/**
 * `eval report` opened in Chromium: two models (the demo gold altered by a known rule, and the
 * gold itself) against the demo gold. The report draws its charts inline, fetches nothing (every
 * request outside the file fails the test), and shows the forest plot of A − B with the figures
 * the comparison computed, and each model's event-type confusion matrix. `eval curve`'s page and
 * the screen's curve: fine-tunes registered with lineages, placed at their training rows.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { alterGold, expectedAfterAlteration, f1 } from "../helpers/alteredGold.ts";
import { registerLineageModels } from "../helpers/lineageModels.ts";
import { startAppHost } from "../../src-main/host/appHost.ts";
import { fileRequestsOnly, goTo, haveChromium, openPage, screenshot, until } from "../helpers/browser.ts";
import { REPO_ROOT, runCli } from "../helpers/cli.ts";
import { useE2eSuite, type E2eSuite } from "../helpers/e2eSuite.ts";

const GOLD = path.join(REPO_ROOT, "resources", "demo", "gold");
let suite: E2eSuite;

/** The demo gold altered by the known rule, and the gold itself, as two models' prediction folders. */
function twoModels(dir: string): { altered: string; exact: string } {
  const altered = path.join(dir, "altered");
  const exact = path.join(dir, "exact");
  mkdirSync(altered);
  mkdirSync(exact);
  for (const name of readdirSync(GOLD).filter((file) => file.endsWith(".json"))) {
    const text = readFileSync(path.join(GOLD, name), "utf8");
    writeFileSync(path.join(altered, name), alterGold(text));
    writeFileSync(path.join(exact, name), text);
  }
  return { altered, exact };
}

describe.skipIf(!haveChromium())("the evaluation report in Chromium", () => {
  suite = useE2eSuite();

  it("the Evaluation screen compares two models: the forest plot, A − B with its interval, and each letter's misses", async () => {
    const { altered, exact } = twoModels(suite.tempDir());
    const host = await startAppHost({ dataDir: suite.tempDir(), staticDir: suite.staticDir(), log: () => {} });
    const { page, errors } = await openPage(suite.browser());
    try {
      await page.goto(host.url);
      await goTo(page, "Evaluation");
      await page.getByLabel("Gold path", { exact: false }).fill(GOLD);
      await page.getByLabel("Model A predictions").fill(altered);
      await page.getByLabel("Model A name").fill("altered");
      await page.getByLabel("Model B predictions", { exact: false }).fill(exact);
      await page.getByLabel("Model B name").fill("exact");
      await page.getByLabel("Bootstrap resamples").fill("200");
      await page.getByRole("button", { name: "Score" }).click();
      await page.getByTestId("evaluation-results").waitFor({ timeout: 60_000 });
      // Per-section F1, the forest plot, and each model's event-type confusion matrix.
      expect(await page.locator("figure.chart svg").count()).toBe(4);
      expect(await page.getByRole("figure", { name: "altered − exact: F1" }).count()).toBe(1);
      expect(await page.getByRole("figure", { name: "altered: event types, gold × predicted" }).textContent()).toContain("(missed)");
      const overall = page.getByTestId("comparison").getByRole("row", { name: /^strict overall/ });
      expect(await overall.textContent()).toMatch(/^strict overall0\.\d{3}1\.000-0\.\d{3} \[-0\.\d{3}, -0\.\d{3}\]0\.0%$/);
      // A letter's misses open from its line.
      const letter = page.locator("details").first();
      await letter.locator("summary").click();
      await until("a letter's misses shown", async () => (await letter.locator("li").count()) > 0);
      expect(await letter.locator("li").first().textContent()).toMatch(/^(missed|not in the gold|site: gold)/);
      await page.getByRole("figure", { name: "altered − exact: F1" }).scrollIntoViewIfNeeded();
      await screenshot(page, "evaluation");
      // A gold folder that does not exist: the reason, not a crash.
      await page.getByLabel("Gold path", { exact: false }).fill(path.join(GOLD, "nowhere"));
      await page.getByRole("button", { name: "Score" }).click();
      await page.getByText(`${path.join(GOLD, "nowhere")}: no such file or folder`, { exact: false }).waitFor();
      // The refusal travels as an HTTP 400, which Chromium logs; nothing else may be logged.
      expect(errors.filter((error) => !/status of 400/.test(error))).toEqual([]);
    } finally {
      await page.context().close();
      await host.close();
    }
  }, 120_000);

  it("is self-contained, draws the per-section chart and the forest plot, and its CSV holds every figure", async () => {
    const dir = suite.tempDir();
    const { altered, exact } = twoModels(dir);
    const out = path.join(dir, "report.html");
    const run = await runCli(["--json", "eval", "report", "--gold", GOLD, "--pred", altered, "--pred", exact, "--names", "altered,exact", "--out", out, "--resamples", "200"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.events.at(-1)).toMatchObject({ html: out, csv: path.join(dir, "report.csv") });
    const compared = await runCli(["--json", "eval", "compare", "--gold", GOLD, "--pred", altered, "--pred", exact, "--names", "altered,exact", "--resamples", "200"]);
    const difference = (compared.events.at(-1) as { strict: { overall: { difference: number } } }).strict.overall.difference;

    const { page, errors } = await openPage(suite.browser());
    const outside = await fileRequestsOnly(page);
    try {
      await page.goto(`file://${out}`);
      expect(await page.locator("svg").count()).toBe(4);
      expect(await page.locator("svg").nth(1).textContent()).toContain("altered − exact: F1");
      // The exact model's matrix: every gold event paired with one of its own type, so nothing missed or spurious.
      const exactMatrix = await page.getByRole("figure", { name: "exact: event types, gold × predicted" }).textContent();
      expect(exactMatrix).toContain("laboratory_finding");
      const row = page.locator("tr", { hasText: "strict overall" }).first();
      expect(await row.textContent()).toContain(difference.toFixed(3));
      expect(await page.locator("details").count()).toBe(32);
      await page.locator("svg").nth(1).scrollIntoViewIfNeeded();
      await screenshot(page, "eval-forest-plot");
      await page.getByRole("figure", { name: "altered: event types, gold × predicted" }).scrollIntoViewIfNeeded();
      await screenshot(page, "eval-confusion");
      expect(outside).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
    const csv = readFileSync(path.join(dir, "report.csv"), "utf8");
    expect(csv.split("\n")[0]).toBe("figure,value");
    expect(csv).toContain(`comparison.strict.overall.difference,${difference}`);
    expect(csv).toMatch(/^altered\.strict\.overall\.f1_ci\.low,0\.\d+$/m);
    expect(csv).toContain("\nexact.event_type_confusion.counts.(spurious).laboratory_finding,0\n");
  }, 120_000);

  it("eval curve's page: strict F1 of the base and two fine-tunes over their training rows, self-contained", async () => {
    const dir = suite.tempDir();
    const data = suite.tempDir();
    await registerLineageModels(data, dir, [100, 800]);
    const preds = [2, 3, 1000].map((dropEvery) => {
      const folder = path.join(dir, `drop-${dropEvery}`);
      mkdirSync(folder);
      for (const name of readdirSync(GOLD).filter((file) => file.endsWith(".json"))) writeFileSync(path.join(folder, name), alterGold(readFileSync(path.join(GOLD, name), "utf8"), dropEvery));
      return folder;
    });
    const out = path.join(dir, "curve.html");
    const models = ["tiny-base", "ft-100", "ft-800"];
    const run = await runCli(["--data", data, "--json", "eval", "curve", "--gold", GOLD, "--out", out, "--resamples", "200", ...preds.flatMap((pred, i) => ["--pred", pred, "--model", models[i] as string])]);
    expect(run.code, run.stderr).toBe(0);
    const { page, errors } = await openPage(suite.browser());
    const outside = await fileRequestsOnly(page);
    try {
      await page.goto(`file://${out}`);
      const chart = page.getByRole("figure", { name: "strict F1 over training-set size (fine-tunes of tiny-base)" });
      const text = await chart.textContent();
      for (const label of [...models, "training rows (the dataset's train.jsonl)", "800"]) expect(text).toContain(label);
      // One point per model, drawn by Vega as a path in the points' group.
      expect(await chart.locator("g.mark-symbol.role-mark path").count()).toBe(3);
      const golds = readdirSync(GOLD).filter((file) => file.endsWith(".json")).map((name) => ({ name, text: readFileSync(path.join(GOLD, name), "utf8") }));
      const rows = await page.locator("tr").allTextContents();
      [2, 3, 1000].forEach((dropEvery, i) => expect(rows[i + 1]).toContain(`${models[i]}${[0, 100, 800][i]}strict F1${f1(expectedAfterAlteration(golds, new Set(), dropEvery).overall).toFixed(3)}`));
      expect(outside).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, 120_000);

  it("the Evaluation screen draws the curve once two runs are picked, and names a run of another base", async () => {
    const dir = suite.tempDir();
    const data = suite.tempDir();
    await registerLineageModels(data, dir, [60]);
    const { altered, exact } = twoModels(dir);
    const host = await startAppHost({ dataDir: data, staticDir: suite.staticDir(), log: () => {} });
    const { page, errors } = await openPage(suite.browser());
    try {
      await page.goto(host.url);
      await goTo(page, "Evaluation");
      await page.getByLabel("Gold path", { exact: false }).fill(GOLD);
      await page.getByLabel("Bootstrap resamples").fill("200");
      const draw = page.getByRole("button", { name: "Draw the curve" });
      await page.getByLabel("Run 1 predictions").fill(altered);
      await page.getByLabel("Run 1 model").selectOption({ label: "tiny-base" });
      expect(await draw.isDisabled()).toBe(true);
      await page.getByLabel("Run 2 predictions").fill(exact);
      await page.getByLabel("Run 2 model").selectOption({ label: "ft-60 (60 rows)" });
      await page.getByRole("button", { name: "Add a run" }).click();
      await page.getByLabel("Run 3 predictions").fill(exact);
      await page.getByLabel("Run 3 model").selectOption({ label: "ft-other-base (300 rows)" });
      await draw.click();
      await page.getByTestId("training-curve").waitFor({ timeout: 60_000 });
      await page.getByTestId("training-curve").scrollIntoViewIfNeeded();
      await screenshot(page, "eval-curve");
      expect(await page.getByRole("figure", { name: "strict F1 over training-set size (fine-tunes of tiny-base)" }).locator("svg").count()).toBe(1);
      const points = await page.getByRole("table", { name: "Curve points" }).locator("tbody tr").allTextContents();
      expect(points).toHaveLength(2);
      expect(points[0]).toMatch(/^tiny-base0strict F10\.\d{3} \[0\.\d{3}, 0\.\d{3}\]$/);
      expect(points[1]).toMatch(/^ft-6060strict F11\.000 \[1\.000, 1\.000\]$/);
      expect(await page.getByRole("list", { name: "Left off the curve" }).textContent()).toContain("ft-other-base was fine-tuned from llama-70b");
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
      await host.close();
    }
  }, 120_000);
});
