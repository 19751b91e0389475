/**
 * A newcomer's first minute, in real Chromium against the loopback host: an empty store's Letters
 * screen offers the demo (16 letters and the random-weight test model, said to give noise), one's
 * own letters, or a base model; and the Models screen downloads a GGUF by address from a loopback
 * server that answers as Hugging Face does (HF_ENDPOINT), with progress, Cancel, resume, a wrong
 * SHA-256's error in full, and the registered model in the list. axe-core checks both screens.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_BASE_MODEL } from "../../src-shared/api.ts";
import { formatBytes } from "../../src-shared/formatBytes.ts";
import { seriousViolations } from "../helpers/axe.ts";
import { apiOf, goTo, haveChromium, openPage, screenshot, until } from "../helpers/browser.ts";
import { useE2eSuite, type E2eSuite } from "../helpers/e2eSuite.ts";
import { FAKE_HF_URI, resumablePartials, startFakeHuggingFace } from "../helpers/fakeHuggingFace.ts";
import { ensureTestModel } from "../helpers/testModel.ts";

let suite: E2eSuite;

describe.skipIf(!haveChromium())("first run (Chromium + loopback host)", () => {
  suite = useE2eSuite();

  it("an empty store offers the demo: 16 letters and the test model, said to give noise, then Extraction", async () => {
    const dataDir = suite.tempDir();
    const host = await suite.startHost(dataDir);
    const api = apiOf(host);
    const { page, errors } = await openPage(suite.browser());
    try {
      await page.goto(host.url);
      await page.getByRole("heading", { level: 1, name: "Letters" }).waitFor();
      const panel = page.getByRole("region", { name: "Getting started" });
      await panel.waitFor();
      await expect(panel.getByRole("button").allTextContents()).resolves.toEqual(["Try it with the demo letters and the test model", "Import your letters…", "Get a base model"]);
      await expect(seriousViolations(page)).resolves.toEqual([]);
      await screenshot(page, "first-run");

      await panel.getByRole("button", { name: "Try it with the demo letters and the test model" }).click();
      const ready = page.getByTestId("demo-ready");
      await ready.waitFor({ timeout: 60_000 });
      await expect(ready.textContent()).resolves.toContain("16 demo letters imported; the test model “test model (random weights)” registered.");
      await expect(ready.textContent()).resolves.toContain("The test model has random weights: what it extracts is noise.");
      // The panel has gone with the button that was pressed: focus is on the way forward.
      await expect(panel.count()).resolves.toBe(0);
      await until("focus on Go to Extraction", async () => (await page.evaluate(() => document.activeElement?.textContent)) === "Go to Extraction");
      await page.getByText("16 letters —").waitFor();
      await page.getByText("P001_2021-03-15_initial-assessment.txt").waitFor();
      expect((await api("letters.list", { limit: 100 })).total).toBe(16);
      const models = await api("models.list", {});
      expect(models).toEqual([expect.objectContaining({ name: "test model (random weights)", adapterPath: null, server: false })]);
      expect(models[0]?.path).toBe(path.join(dataDir, "models", "oncotimeline-test-model-tiny.gguf"));
      await expect(seriousViolations(page)).resolves.toEqual([]);

      // A second try adds nothing.
      await expect(api("app.tryDemo", {})).resolves.toMatchObject({ imported: 0, alreadyThere: 16, letters: 16, modelMade: false, model: { id: models[0]?.id } });
      expect(await api("models.list", {})).toHaveLength(1);

      await page.getByRole("button", { name: "Go to Extraction" }).click();
      await page.getByRole("heading", { level: 1, name: "Extraction" }).waitFor();
      await expect(page.getByLabel("Model").locator("option:checked").textContent()).resolves.toBe("test model (random weights)");
      await expect(page.getByRole("button", { name: "Start extraction" }).isEnabled()).resolves.toBe(true);

      // "Get a base model" opens the Models screen at its download section.
      await goTo(page, "Letters");
      await page.getByTestId("demo-ready").getByRole("button", { name: "Get a base model" }).click();
      await page.getByRole("heading", { level: 1, name: "Models" }).waitFor();
      await until("focus on the download section", async () => (await page.evaluate(() => document.activeElement?.textContent)) === "Download a base model");
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await host.close();
    }
  }, 180_000);

  it("the Models screen downloads a GGUF with progress, cancels, resumes, shows a wrong SHA-256's error, and lists the model", async () => {
    const modelBytes = readFileSync(await ensureTestModel());
    const hf = await startFakeHuggingFace(modelBytes);
    const saved = process.env.HF_ENDPOINT;
    // The host runs in this process: node-llama-cpp and the SHA-256 check read HF_ENDPOINT from here.
    process.env.HF_ENDPOINT = hf.url;
    const dataDir = suite.tempDir();
    const host = await suite.startHost(dataDir);
    const api = apiOf(host);
    const { page, errors } = await openPage(suite.browser());
    const partials = () => resumablePartials(path.join(dataDir, "models"), modelBytes.length);
    try {
      await page.goto(host.url);
      await goTo(page, "Models");
      const section = page.getByRole("region", { name: "Download a base model" });
      await section.waitFor();
      // The default's licence is named before its button.
      const licence = section.getByTestId("default-licence");
      await expect(licence.textContent()).resolves.toContain(DEFAULT_BASE_MODEL.licence);
      const defaultButton = section.getByRole("button", { name: `Download ${DEFAULT_BASE_MODEL.label}` });
      const [licenceBox, buttonBox] = await Promise.all([licence.boundingBox(), defaultButton.boundingBox()]);
      expect(licenceBox && buttonBox && licenceBox.y + licenceBox.height <= buttonBox.y).toBe(true);
      await expect(section.textContent()).resolves.toContain(`about ${formatBytes(DEFAULT_BASE_MODEL.approxBytes)}`);

      // Slowly, so that it can be watched and cancelled midway.
      hf.throttle = true;
      hf.tickBytes = 32768;
      await section.getByLabel("Address (https://… or hf:USER/REPO/FILE.gguf)").fill(FAKE_HF_URI);
      await section.getByLabel("Name (optional)").fill("tiny base");
      await section.getByRole("button", { name: "Download", exact: true }).click();
      const first = section.getByTestId("download").first();
      await first.getByTestId("download-state").getByText("Downloading.").waitFor();
      await first.getByTestId("download-bytes").getByText(new RegExp(`of ${formatBytes(modelBytes.length).replace(".", "\\.")} \\(\\d+%\\) · [0-9.]+ [KM]iB/s`)).waitFor({ timeout: 30_000 });
      await expect(first.getByRole("progressbar", { name: `Download progress of ${FAKE_HF_URI}` }).count()).resolves.toBe(1);
      await expect(seriousViolations(page)).resolves.toEqual([]);
      await until("a partial file that a new download can resume", async () => partials().length > 0, 30_000);
      await first.getByRole("button", { name: `Cancel the download of ${FAKE_HF_URI}` }).click();
      await first.getByTestId("download-state").getByText("Cancelled.").waitFor();
      await first.getByText(/the partial file is kept, and downloading the same address again resumes it/).waitFor();
      expect(partials()).toHaveLength(1);

      // The same address again: it resumes, is checked, test-loaded and registered; the model joins the list.
      hf.throttle = false;
      await section.getByLabel("Address (https://… or hf:USER/REPO/FILE.gguf)").fill(FAKE_HF_URI);
      await section.getByLabel("Name (optional)").fill("tiny base");
      await section.getByRole("button", { name: "Download", exact: true }).click();
      await until("two downloads listed", async () => (await section.getByTestId("download").count()) === 2);
      const second = section.getByTestId("download").first();
      await second.getByTestId("download-state").getByText("Registered as the model “tiny base”.").waitFor({ timeout: 120_000 });
      await page.getByTestId("model-row").getByText("tiny base").waitFor();
      // What the resumed download asks for depends on which of the downloader's parallel chunks the
      // partial holds; that it resumes at all is proved in test/integration/models-download-api.test.ts.
      expect(await api("models.list", {})).toEqual([expect.objectContaining({ name: "tiny base", bytes: modelBytes.length })]);
      await expect(second.textContent()).resolves.toContain(`SHA-256 ${hf.sha256} (as Hugging Face publishes it)`);

      // A SHA-256 that is not the file's: the error in full, and nothing more registered.
      const wrong = "0".repeat(64);
      await section.getByLabel("Address (https://… or hf:USER/REPO/FILE.gguf)").fill(FAKE_HF_URI);
      await section.getByLabel("SHA-256 (optional: 64 hexadecimal digits)").fill(wrong);
      await section.getByRole("button", { name: "Download", exact: true }).click();
      const failed = section.getByTestId("download").first();
      await failed.getByTestId("download-state").getByText("Failed.").waitFor({ timeout: 60_000 });
      await expect(failed.getByTestId("download-error").textContent()).resolves.toMatch(
        new RegExp(`tiny\\.gguf has SHA-256 ${hf.sha256}, expected ${wrong}: the file is damaged or not the one asked for \\(delete it and download again\\)$`),
      );
      expect(await api("models.list", {})).toHaveLength(1);
      await expect(seriousViolations(page)).resolves.toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await host.close();
      if (saved === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = saved;
      await hf.close();
    }
  }, 240_000);
});
