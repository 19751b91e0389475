/**
 * The Fine-tune screen's hosted provider choice, end to end: the built user interface in real
 * Chromium against the real services on the loopback host, whose OpenPipe client talks to the
 * loopback stand-in (test/helpers/fakeOpenPipe.ts). Only synthetic sets are offered; the cost
 * estimate follows the provider, set and epochs; a run is started and looked at in OpenPipe's own
 * words until it is DEPLOYED; a ceiling under the estimate sends nothing.
 */
import { describe, expect, it } from "vitest";
import { startAppHost } from "../../src-main/host/appHost.ts";
import { seriousViolations } from "../helpers/axe.ts";
import { apiOf, goTo, haveChromium, openPage, screenshot, until } from "../helpers/browser.ts";
import { useE2eSuite } from "../helpers/e2eSuite.ts";
import { FAKE_OPENPIPE_KEY, FakeOpenPipe } from "../helpers/fakeOpenPipe.ts";
import { syntheticRows, writeTrainingSet } from "../helpers/trainingSetStore.ts";

describe.skipIf(!haveChromium())("Fine-tune screen: a hosted run (Chromium + loopback host + OpenPipe stand-in)", () => {
  const suite = useE2eSuite();

  it("offers synthetic sets only, shows the estimate, starts an OpenPipe run and follows it to DEPLOYED", async () => {
    const dataDir = suite.tempDir();
    writeTrainingSet(dataDir, "synthetic-letters", { train: syntheticRows(120), test: syntheticRows(10, "synthetic-test") });
    writeTrainingSet(dataDir, "ward-letters", { train: [...syntheticRows(3), { id: "letter-5", user: "A real letter.", assistant: "{}", tokens: 900 }], test: [] }, "contains-real");
    const fake = await FakeOpenPipe.start();
    const saved = { key: process.env.OPENPIPE_API_KEY, url: process.env.OPENPIPE_BASE_URL };
    process.env.OPENPIPE_API_KEY = FAKE_OPENPIPE_KEY;
    process.env.OPENPIPE_BASE_URL = fake.baseUrl;
    const host = await startAppHost({ dataDir, staticDir: suite.staticDir(), log: () => {} });
    const api = apiOf(host);
    const { page, errors } = await openPage(suite.browser());
    try {
      await page.goto(host.url);
      await goTo(page, "Fine-tune");
      const hosted = page.getByTestId("hosted-finetune");
      const setChoice = hosted.getByLabel("Synthetic training set");
      // The set holding a real letter is not offered.
      await until("the sets", async () => JSON.stringify(await setChoice.locator("option").allTextContents()) === JSON.stringify(["synthetic-letters (120 train rows)"]));
      const tokens = 120 * 1000 + (120 * 119) / 2;
      const estimate = hosted.getByTestId("hosted-estimate");
      await until("the estimate", async () => (await estimate.textContent())?.includes("127,140 training tokens × 1 epoch × $0.48 per million tokens = $0.06"));
      await hosted.getByLabel("Epochs").fill("3");
      await until("the estimate for 3 epochs", async () => (await estimate.textContent())?.includes(`× 3 epochs × $0.48 per million tokens = $${((tokens * 3 * 0.48) / 1e6).toFixed(2)}`));
      await expect(hosted.getByTestId("hosted-key-state").textContent()).resolves.toBe("taken from the environment (OPENPIPE_API_KEY)");

      // A ceiling under the estimate: refused, nothing sent.
      await hosted.getByLabel("Refuse above, USD (optional)").fill("0.05");
      await hosted.getByRole("button", { name: "Start at OpenPipe" }).click();
      await expect(hosted.getByTestId("hosted-submit-error").textContent()).resolves.toContain("is over --max-usd $0.05: nothing was sent");
      expect(fake.requests).toHaveLength(0);

      await hosted.getByLabel("Refuse above, USD (optional)").fill("");
      await hosted.getByRole("button", { name: "Start at OpenPipe" }).click();
      const runs = hosted.getByTestId("hosted-runs");
      const row = runs.locator("tbody tr").first();
      await until("the run's row", async () => (await row.textContent())?.includes("PENDING"));
      await expect(row.textContent()).resolves.toContain(`$${((tokens * 3 * 0.48) / 1e6).toFixed(2)}`);
      for (const word of ["PENDING", "TRAINING", "DEPLOYED"]) {
        await row.getByRole("button", { name: "Look now" }).click();
        await until(`OpenPipe's ${word}`, async () => (await row.textContent())?.includes(word));
      }
      await until("the run done", async () => (await row.textContent())?.includes("done"));
      await expect(row.textContent()).resolves.toContain("not reported");
      expect((await api("finetune.hostedList", {}))[0]).toMatchObject({ state: "done", providerStatus: "DEPLOYED", provider: "openpipe" });
      expect(fake.requests.filter((request) => request.path.endsWith("/entries"))).toHaveLength(2);
      expect(await seriousViolations(page)).toEqual([]);
      await hosted.scrollIntoViewIfNeeded();
      await screenshot(page, "finetune-hosted");
      // The one refusal asked for above (the ceiling) is the only failed call.
      expect(errors).toEqual(["console: Failed to load resource: the server responded with a status of 409 (Conflict)"]);
    } finally {
      await page.close();
      await host.close();
      await fake.close();
      for (const [name, value] of [["OPENPIPE_API_KEY", saved.key], ["OPENPIPE_BASE_URL", saved.url]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  }, 120_000);
});
