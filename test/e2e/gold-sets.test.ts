/**
 * The Evaluation screen's gold sets: a set saved from the studio's letters is picked by name (it
 * fills the gold path), its leakage into a training set is shown as a warning, a registered model
 * (a loopback server answering each letter with its gold) is run over it from the screen, and
 * its extractions are scored against it. The picker and its form pass the accessibility check.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src-main/store/db.ts";
import { registerServerModel } from "../../src-main/store/models.ts";
import { demoLettersWithGold, startFakeOpenAiServer, type FakeOpenAiServer } from "../helpers/fakeOpenAiServer.ts";
import { startAppHost } from "../../src-main/host/appHost.ts";
import { seriousViolations } from "../helpers/axe.ts";
import { goTo, haveChromium, openPage, screenshot, until } from "../helpers/browser.ts";
import { runCli } from "../helpers/cli.ts";
import { useE2eSuite, type E2eSuite } from "../helpers/e2eSuite.ts";
import { writeStudioStore } from "../helpers/studioStore.ts";
import { useTestModel } from "../helpers/testModel.ts";

let suite: E2eSuite;
const testModel = useTestModel();
let server: FakeOpenAiServer;
beforeAll(async () => {
  // A perfect model: each demo letter answered with its own gold.
  const answers = new Map(demoLettersWithGold().map((letter) => [letter.text, letter.gold]));
  server = await startFakeOpenAiServer({ respond: (request) => answers.get(request.messages.find((m) => m.role === "user")?.content ?? "") ?? "{}" });
});
afterAll(async () => {
  await server.close();
});

describe.skipIf(!haveChromium())("gold sets on the Evaluation screen", () => {
  suite = useE2eSuite();

  it("saves a set from the studio, warns that 12 of its letters trained a model, runs a model over it and scores the model", async () => {
    const data = writeStudioStore(suite.tempDir());
    const built = await runCli(["--data", data, "dataset", "build", "--name", "demo", "--base", testModel(), "--test-fraction", "0.2"]);
    expect(built.code, built.stderr).toBe(0);
    const db = openStore(data);
    const model = registerServerModel(db, server.baseUrl, "onco-8b");
    db.close();
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

      // A model run over the set from the screen: a server model that answers each letter with its gold.
      await page.getByLabel("Model to run over studio").selectOption({ label: model.name });
      await page.getByRole("button", { name: "Import its letters and extract" }).click();
      const runMessage = page.getByTestId("gold-set-run-message");
      await until("the extraction job started", async () => /Extraction job \d+ started/.test((await runMessage.textContent()) ?? ""));
      expect(await runMessage.textContent()).toMatch(/^15 letter\(s\) imported \(0 already there\)\./);
      await until("every letter extracted", async () => {
        await page.getByRole("button", { name: "Use this model's extractions" }).click();
        return /^15 of 15 letters' extractions written \(0 failed\)\. They are in Model A's field/.test((await runMessage.textContent()) ?? "");
      }, 60_000);
      expect(await page.getByLabel("Model A name").inputValue()).toBe(model.name);
      expect(await page.getByLabel("Model A predictions").inputValue()).toMatch(/gold-sets\/studio\/predictions\/model-\d+$/);
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
