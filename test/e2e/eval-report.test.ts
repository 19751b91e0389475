/**
 * `eval report` opened in Chromium: two models (the demo gold altered by a known rule, and the
 * gold itself) against the demo gold. The report draws its charts inline, fetches nothing (every
 * request outside the file fails the test), and shows the forest plot of A − B with the figures
 * the comparison computed.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { alterGold } from "../helpers/alteredGold.ts";
import { haveChromium, openPage, screenshot } from "../helpers/browser.ts";
import { REPO_ROOT, runCli } from "../helpers/cli.ts";
import { useE2eSuite, type E2eSuite } from "../helpers/e2eSuite.ts";

const GOLD = path.join(REPO_ROOT, "resources", "demo", "gold");
let suite: E2eSuite;

describe.skipIf(!haveChromium())("the evaluation report in Chromium", () => {
  suite = useE2eSuite();

  it("is self-contained, draws the per-section chart and the forest plot, and its CSV holds every figure", async () => {
    const dir = suite.tempDir();
    const altered = path.join(dir, "altered");
    const exact = path.join(dir, "exact");
    mkdirSync(altered);
    mkdirSync(exact);
    for (const name of readdirSync(GOLD).filter((file) => file.endsWith(".json"))) {
      const text = readFileSync(path.join(GOLD, name), "utf8");
      writeFileSync(path.join(altered, name), alterGold(text));
      writeFileSync(path.join(exact, name), text);
    }
    const out = path.join(dir, "report.html");
    const run = await runCli(["--json", "eval", "report", "--gold", GOLD, "--pred", altered, "--pred", exact, "--names", "altered,exact", "--out", out, "--resamples", "200"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.events.at(-1)).toMatchObject({ html: out, csv: path.join(dir, "report.csv") });
    const compared = await runCli(["--json", "eval", "compare", "--gold", GOLD, "--pred", altered, "--pred", exact, "--names", "altered,exact", "--resamples", "200"]);
    const difference = (compared.events.at(-1) as { strict: { overall: { difference: number } } }).strict.overall.difference;

    const { page, errors } = await openPage(suite.browser());
    const outside: string[] = [];
    await page.route("**/*", (route) => {
      if (route.request().url().startsWith("file:")) return route.continue();
      outside.push(route.request().url());
      return route.abort();
    });
    try {
      await page.goto(`file://${out}`);
      expect(await page.locator("svg").count()).toBe(2);
      expect(await page.locator("svg").nth(1).textContent()).toContain("altered − exact: F1");
      const row = page.locator("tr", { hasText: "strict overall" }).first();
      expect(await row.textContent()).toContain(difference.toFixed(3));
      expect(await page.locator("details").count()).toBe(32);
      await page.locator("svg").nth(1).scrollIntoViewIfNeeded();
      await screenshot(page, "eval-forest-plot");
      expect(outside).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
    const csv = readFileSync(path.join(dir, "report.csv"), "utf8");
    expect(csv.split("\n")[0]).toBe("figure,value");
    expect(csv).toContain(`comparison.strict.overall.difference,${difference}`);
    expect(csv).toMatch(/^altered\.strict\.overall\.f1_ci\.low,0\.\d+$/m);
  }, 120_000);
});
