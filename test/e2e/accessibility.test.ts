/**
 * Accessibility of every screen at 1280×800, on the demo letters with their gold timelines as the
 * model's output (real words, real evidence): axe-core's WCAG 2 A/AA rules (labels, contrast,
 * landmarks, names) with no serious or critical violation, a visible focus ring for keyboard
 * users, and focus order through the navigation before the page's own controls.
 */
import { describe, expect, it } from "vitest";
import { startAppHost } from "../../src-main/host/appHost.ts";
import { SCREENS } from "../../src-renderer/screens.ts";
import { goTo, haveChromium, openPage } from "../helpers/browser.ts";
import { seriousViolations } from "../helpers/axe.ts";
import { useE2eSuite, type E2eSuite } from "../helpers/e2eSuite.ts";
import { demoStore } from "../helpers/exportStore.ts";



let suite: E2eSuite;


describe.skipIf(!haveChromium())("accessibility (axe-core, keyboard focus)", () => {
  suite = useE2eSuite();

  it("every screen passes WCAG 2 A/AA checks with no serious or critical violation", async () => {
    const dataDir = suite.tempDir();
    demoStore(dataDir).db.close();
    const host = await startAppHost({ dataDir, staticDir: suite.staticDir(), log: () => {} });
    const { page } = await openPage(suite.browser());
    try {
      await page.goto(host.url);
      await page.getByRole("heading", { level: 1, name: "Letters" }).waitFor();
      const found: Record<string, string[]> = {};
      for (const { id: screen, title } of SCREENS) {
        if (screen === "review") {
          // Review with a letter open: the highlighted evidence and the form.
          await goTo(page, "Letters");
          await page.getByText("P001_2021-03-15_initial-assessment.txt").first().click();
          await page.getByRole("button", { name: "Review selected letter" }).click();
          await page.getByRole("heading", { level: 1, name: "Review" }).waitFor();
          await page.locator("mark").first().waitFor();
        } else {
          await goTo(page, title);
        }
        if (screen === "patient") await page.getByRole("region", { name: "Primary cancer" }).waitFor();
        await page.waitForLoadState("networkidle");
        found[title] = await seriousViolations(page);
      }
      expect(found).toEqual(Object.fromEntries(SCREENS.map((screen) => [screen.title, []])));
    } finally {
      await page.close();
      await host.close();
    }
  }, 180_000);

  it("keyboard focus is always visible and starts at the skip link, then the navigation", async () => {
    const host = await startAppHost({ dataDir: suite.tempDir(), staticDir: suite.staticDir(), log: () => {} });
    const { page } = await openPage(suite.browser());
    try {
      await page.goto(host.url);
      await page.getByRole("heading", { level: 1, name: "Letters" }).waitFor();
      const stops: { text: string; outline: string; shadow: string }[] = [];
      for (let i = 0; i < 12; i++) {
        await page.keyboard.press("Tab");
        stops.push(
          await page.evaluate(() => {
            const element = document.activeElement as HTMLElement;
            const style = getComputedStyle(element);
            return { text: (element.textContent ?? element.getAttribute("aria-label") ?? element.tagName).trim().slice(0, 40), outline: `${style.outlineStyle} ${style.outlineWidth}`, shadow: style.boxShadow };
          }),
        );
      }
      expect(stops[0]?.text).toBe("Skip to content");
      expect(stops.slice(1, 1 + SCREENS.length).map((stop) => stop.text)).toEqual(SCREENS.map((screen) => screen.title));
      for (const stop of stops) expect(stop.outline === "none 0px" && stop.shadow === "none", `no visible focus on "${stop.text}"`).toBe(false);
    } finally {
      await page.close();
      await host.close();
    }
  }, 60_000);
});
