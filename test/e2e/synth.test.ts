/**
 * The Studio screen (synth) end to end: the built user interface in real Chromium, the loopback host's
 * real services, and the real Anthropic SDK against the loopback fake teacher
 * (test/helpers/fakeAnthropic.ts). A sampled grid is edited, refused with a bad cell, generated
 * with live cost, and one generated letter is read beside its gold and rejected.
 */
import { describe, expect, it } from "vitest";
import { startAppHost } from "../../src-main/host/appHost.ts";
import { apiOf, goTo, haveChromium, openPage, screenshot, until } from "../helpers/browser.ts";
import { useE2eSuite, type E2eSuite } from "../helpers/e2eSuite.ts";
import { FAKE_API_KEY, FakeAnthropic, fakeTeacher, saveAnthropicEnvironment } from "../helpers/fakeAnthropic.ts";

const EDITED = "e2e edited topography";


let suite: E2eSuite;

describe.skipIf(!haveChromium())("Synth screen (Studio) end to end (Chromium + loopback host + fake Anthropic)", () => {
  suite = useE2eSuite();

  it("samples and edits a grid, refuses a bad cell, generates with cost, and rejects a letter beside its gold", async () => {
    const fake = await FakeAnthropic.start({ respond: fakeTeacher, pollsUntilEnded: 1 });
    const restoreEnvironment = saveAnthropicEnvironment();
    process.env.ANTHROPIC_API_KEY = FAKE_API_KEY;
    process.env.ANTHROPIC_BASE_URL = fake.url;
    const host = await startAppHost({ dataDir: suite.tempDir(), staticDir: suite.staticDir(), log: () => {} });
    const api = apiOf(host);
    const { page, errors } = await openPage(suite.browser());
    try {
      await page.goto(host.url);
      await page.getByRole("heading", { level: 1, name: "Letters" }).waitFor();
      await goTo(page, "Studio");

      // The key comes from the environment; the browser build says it keeps none, and no value is shown.
      await page.getByTestId("anthropic-key-state").getByText("taken from the environment").waitFor();
      await page.getByText("this build keeps no API keys").waitFor();
      await expect(page.content()).resolves.not.toContain(FAKE_API_KEY);

      // Grid: three sampled rows, one cell changed.
      await page.getByLabel("Rows", { exact: true }).fill("3");
      await page.getByLabel("Seed", { exact: true }).fill("5");
      await page.getByRole("button", { name: "Sample 3 rows" }).click();
      await page.getByText("3 rows in the grid").waitFor();
      const grid = await api("synth.sampleGrid", { n: 3, seed: 5 });
      const firstColumn = grid.columns[0] ?? "";
      await expect(page.getByLabel(`row 1 ${firstColumn}`).inputValue()).resolves.toBe(grid.rows[0]?.[firstColumn]);
      await page.getByLabel("row 2 topography").fill(EDITED);

      // A bad cell: generation is refused, and the message names the row and the field.
      const letterType = page.getByLabel("row 3 letter_type");
      const goodType = await letterType.inputValue();
      await letterType.fill("poem");
      await page.getByRole("button", { name: "Generate 3 letters" }).click();
      const refusal = page.locator(".toast-error").filter({ hasText: "Generation not started" });
      await refusal.waitFor();
      await expect(refusal.textContent()).resolves.toMatch(/row 3\b.*field 'letter_type': 'poem'/);
      await refusal.getByRole("button", { name: "Dismiss message" }).click();
      expect(fake.requests.filter((request) => request.path.startsWith("/v1/messages"))).toHaveLength(0);
      await letterType.fill(goodType);

      // Run: progress, cost against the budget, done.
      await page.getByLabel("Budget (USD)").fill("5");
      await page.getByRole("button", { name: "Generate 3 letters" }).click();
      await page.getByTestId("synth-state").getByText("done").waitFor({ timeout: 60_000 });
      await expect(page.getByTestId("synth-done").textContent()).resolves.toBe("3/3");
      const status = await api("synth.status", {});
      expect(status.current).toMatchObject({ state: "done", done: 3, failed: 0, budgetUsd: 5 });
      expect(status.current?.costUsd).toBeGreaterThan(0);
      const cost = (await page.getByTestId("synth-cost").textContent()) ?? "";
      expect(cost).toMatch(/^(\$\d+\.\d\d|<\$0\.01) of \$5\.00$/);
      expect(cost.startsWith("$0.00")).toBe(false);
      // The edited cell is what the teacher was asked for.
      expect(fake.requests.some((request) => request.rawBody.includes(EDITED))).toBe(true);

      // Results: the letters listed; the first one beside its gold.
      const letters = await api("synth.letters", { limit: 50 });
      expect(letters.total).toBe(3);
      const counts = status.letters;
      await expect(page.getByTestId("synth-rejected").textContent()).resolves.toBe(String(counts.rejected));
      const list = page.getByRole("listbox", { name: "Generated letters" });
      await expect(list.getByRole("option").count()).resolves.toBe(3);
      const target = letters.rows[1];
      if (!target) throw new Error("no generated letter");
      await list.locator(`#synth-letter-${target.id}`).click();
      await page.getByRole("heading", { name: `Letter ${target.id}` }).waitFor();
      const text = page.getByTestId("synth-letter-text");
      const gold = page.getByTestId("synth-gold");
      await expect(text.textContent()).resolves.toBe(target.content);
      await expect(gold.textContent()).resolves.toBe(JSON.stringify(target.gold, null, 2));
      await expect(gold.evaluate((element) => element.tagName)).resolves.toBe("PRE");
      // Side by side at 1280×800: same top, the gold to the right of the letter.
      const [textBox, goldBox] = await Promise.all([text.boundingBox(), gold.boundingBox()]);
      if (!textBox || !goldBox) throw new Error("letter or gold not laid out");
      expect(Math.abs(textBox.y - goldBox.y)).toBeLessThan(4);
      expect(goldBox.x).toBeGreaterThan(textBox.x + textBox.width - 1);

      // Keyboard: j moves down the list, k back; r rejects the selected letter.
      await list.focus();
      await page.keyboard.press("j");
      await page.getByRole("heading", { name: `Letter ${letters.rows[2]?.id}` }).waitFor();
      await page.keyboard.press("k");
      await page.getByRole("heading", { name: `Letter ${target.id}` }).waitFor();
      await page.keyboard.press("r");
      await page.getByTestId("synth-letter-status").getByText("rejected").waitFor();
      const after = await api("synth.letters", { limit: 50 });
      const rejected = after.rows.find((row) => row.id === target.id);
      expect(rejected?.status).toBe("rejected");
      expect(rejected?.reasons.at(-1)).toMatch(/^reviewer: rejected by /);
      await until("the rejected count", async () => (await page.getByTestId("synth-rejected").textContent()) === String((await api("synth.status", {})).letters.rejected));

      // The screenshot: the counts and the list, the letter beside its gold.
      await page.locator(".toast").getByRole("button", { name: "Dismiss message" }).click();
      await page.getByRole("heading", { name: "Generated letters", exact: true }).evaluate((element) => element.scrollIntoView({ block: "start" }));
      await screenshot(page, "studio");

      // The refused generation's 400 is logged by Chromium as a failed resource; nothing else may be.
      expect(errors.filter((error) => !/status of 400/.test(error))).toEqual([]);
    } finally {
      await page.context().close();
      await host.close();
      await fake.close();
      restoreEnvironment();
    }
  }, 300_000);
});
