/**
 * The Evaluation screen's gold sets: a set saved from the studio's letters is picked by name (it
 * fills the gold path), its leakage into a training set is shown as a warning, and scoring a model
 * against it works as against a path. The picker and its form pass the accessibility check.
 */
import { describe, expect, it } from "vitest";
import { startAppHost } from "../../src-main/host/appHost.ts";
import { seriousViolations } from "../helpers/axe.ts";
import { goTo, haveChromium, openPage, screenshot } from "../helpers/browser.ts";
import { runCli } from "../helpers/cli.ts";
import { useE2eSuite, type E2eSuite } from "../helpers/e2eSuite.ts";
import { writeStudioStore } from "../helpers/studioStore.ts";
import { useTestModel } from "../helpers/testModel.ts";

let suite: E2eSuite;
const testModel = useTestModel();

describe.skipIf(!haveChromium())("gold sets on the Evaluation screen", () => {
  suite = useE2eSuite();

  it("saves a set from the studio, warns that 12 of its letters trained a model, and scores against it by name", async () => {
    const data = writeStudioStore(suite.tempDir());
    const built = await runCli(["--data", data, "dataset", "build", "--name", "demo", "--base", testModel(), "--test-fraction", "0.2"]);
    expect(built.code, built.stderr).toBe(0);
    const host = await startAppHost({ dataDir: data, staticDir: suite.staticDir(), log: () => {} });
    const { page, errors } = await openPage(suite.browser());
    try {
      await page.goto(host.url);
      await goTo(page, "Evaluation");
      const stored = page.getByLabel("Stored gold set");
      expect(await stored.textContent()).toContain("None stored yet");
      await page.getByLabel("New gold set name").fill("studio");
      await page.getByRole("combobox", { name: /^From/ }).selectOption({ label: "The studio's letters with their gold" });
      await page.getByRole("button", { name: "Save gold set" }).click();
      const warning = page.getByRole("alert").filter({ hasText: "rows of a training set" });
      await warning.waitFor();
      expect(await warning.textContent()).toBe("12 of its 15 letters are rows of a training set: a model trained on that set has seen them, so its scores here are inflated.");
      expect(await stored.locator("option:checked").textContent()).toBe("studio (15 timeline items, 12 leaked)");
      const goldPath = await page.getByLabel("Gold path", { exact: false }).inputValue();
      expect(goldPath).toMatch(/gold-sets\/studio\/gold$/);
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, "gold-sets");

      // Scored against the set by its path: the gold itself as the model is perfect.
      await page.getByLabel("Model A predictions").fill(goldPath);
      await page.getByLabel("Bootstrap resamples").fill("200");
      await page.getByRole("button", { name: "Score" }).click();
      await page.getByTestId("evaluation-results").waitFor({ timeout: 60_000 });
      expect(await page.getByTestId("evaluation-results").textContent()).toContain("1.000");

      // The same name again: the reason, nothing else stored.
      await page.getByLabel("New gold set name").fill("studio");
      await page.getByRole("button", { name: "Save gold set" }).click();
      await page.getByText('a gold set named "studio" exists already', { exact: false }).waitFor();
      expect(await stored.locator("option").count()).toBe(2);
      expect(errors.filter((error) => !/status of 400/.test(error))).toEqual([]);
    } finally {
      await page.context().close();
      await host.close();
    }
  }, 120_000);
});
