/**
 * The renderer end to end: the built user interface in real Chromium, talking to the real
 * main-side services through the loopback host (DESIGN.md, "Running without the Electron
 * binary"). The first test is the whole researcher's path on the tiny random model; the other
 * two check the list and the review screen stay fast on large data.
 */
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src-main/store/db.ts";
import { saveExtraction } from "../../src-main/store/extractions.ts";
import { insertLetter } from "../../src-main/store/letters.ts";
import { registerModelRecord } from "../../src-main/store/models.ts";
import type { ReviewView } from "../../src-shared/api.ts";
import { getAtPath } from "../../src-shared/documentPath.ts";
import type { GroundedValue } from "../../src-shared/evidence.ts";
import { CANCER_EVENT_TYPES, type TimelineDocument } from "../../src-shared/timeline.ts";
import { apiOf, goTo, haveChromium, openPage, screenshot, TAKING_SCREENSHOTS, until } from "../helpers/browser.ts";
import { useE2eSuite, type E2eSuite } from "../helpers/e2eSuite.ts";
import { ensureTestModel } from "../helpers/testModel.ts";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const DEMO_LETTERS = path.join(repo, "resources", "demo", "letters");
const CORRECTED = "Corrected by the e2e reviewer";


let suite: E2eSuite;

describe.skipIf(!haveChromium())("renderer end to end (Chromium + loopback host)", () => {
  suite = useE2eSuite();

  it("imports, extracts, reviews with undo and redo, and exports the correction", async () => {
    const modelPath = await ensureTestModel();
    const dataDir = suite.tempDir();
    const host = await suite.startHost(dataDir);
    const api = apiOf(host);
    const { page, errors } = await openPage(suite.browser());
    try {
      await page.goto(host.url);
      await page.getByRole("heading", { level: 1, name: "Letters" }).waitFor();
      // The token left the address bar and lives in this tab's sessionStorage only.
      expect(new URL(page.url()).hash).toBe("");

      // Letters: upload demo letters through the file input, as a drop or the browser's dialog would.
      const demo = demoLettersToExtract();
      await page.locator('input[type="file"]').setInputFiles(demo);
      await page.getByText(`${demo.length} imported`).waitFor({ timeout: 30_000 });
      expect((await api("letters.list", { limit: 100 })).total).toBe(demo.length);
      await page.getByText(`${demo.length} letters —`).waitFor();
      await page.getByRole("button", { name: "Show files" }).click();
      await expect(page.locator(".import-report tbody tr").count()).resolves.toBe(demo.length);
      await page.getByRole("button", { name: "Hide files" }).click();
      await screenshot(page, "letters");

      // Settings: two letters in parallel (two contexts beat one on this 2-core machine).
      await goTo(page, "Settings");
      await page.getByLabel("Letters in parallel").fill("2");
      await page.getByLabel("Name recorded with each correction").fill("e2e reviewer");
      await page.getByRole("button", { name: "Save settings" }).click();
      await page.getByText("Settings saved.").waitFor();
      expect((await api("settings.get", {})).extraction.parallel).toBe(2);
      await screenshot(page, "settings");

      // Models: the GGUF is test-loaded before it is registered.
      await goTo(page, "Models");
      await page.getByLabel("GGUF file path").fill(modelPath);
      await page.getByRole("button", { name: "Test and register" }).click();
      await page.getByTestId("model-row").waitFor({ timeout: 120_000 });
      const models = await api("models.list", {});
      expect(models).toHaveLength(1);
      await page.getByTestId("model-row").getByText(/\d+\/\d+/).waitFor({ timeout: 30_000 });
      await expect(page.getByTestId("backend").textContent()).resolves.toBe("CPU");
      await screenshot(page, "models");

      // Extraction: start, watch the progress, wait for every letter.
      await goTo(page, "Extraction");
      const started = Date.now();
      await page.getByRole("button", { name: "Start extraction" }).click();
      await page.getByTestId("job-state").getByText("running").waitFor();
      if (TAKING_SCREENSHOTS) {
        await until("two letters done", async () => Number(await page.getByTestId("job-done").textContent()) >= 2, 300_000);
        await screenshot(page, "extraction");
      }
      // Pause at once (the two letters in flight finish first), then resume where it stopped: three
      // letters leave the resumed job one to do.
      await page.getByRole("button", { name: "Pause" }).click();
      await page.getByTestId("job-state").getByText("paused").waitFor({ timeout: 180_000 });
      const paused = (await api("jobs.list", { limit: 5 }))[0];
      expect(paused?.state).toBe("paused");
      if (!paused) throw new Error("no job");
      expect(paused.done + paused.failed).toBeGreaterThan(0);
      expect(paused.done + paused.failed).toBeLessThan(demo.length);
      await until("the page showing the paused job's progress", async () => Number(await page.getByTestId("job-done").textContent()) === paused.done);
      await page.getByRole("button", { name: "Resume" }).click();
      await page.getByTestId("job-state").getByText("running").waitFor();
      expect((await api("jobs.list", { limit: 5 }))[0]?.state).toBe("running");
      await page.getByTestId("job-state").getByText("done").waitFor({ timeout: 900_000 });
      await screenshot(page, "extraction-done");
      // Every letter has a result (resuming may have gone on as a second job).
      expect((await api("letters.list", { limit: 1, status: "not_extracted" })).total).toBe(0);
      const jobs = await api("jobs.list", { limit: 5 });
      expect(jobs.reduce((n, job) => n + job.done + job.failed, 0)).toBeGreaterThanOrEqual(demo.length);
      console.log(`extraction of ${demo.length} letters through the UI: ${((Date.now() - started) / 1000).toFixed(1)} s`);

      // Review: the letter whose document has the most values (the random model's output varies).
      let best: { view: ReviewView; values: number } | undefined;
      for (const row of (await api("letters.list", { limit: 100, status: "extracted" })).rows) {
        const view = await api("review.get", { letterId: row.id });
        const values = view.evidence.filter((item) => !item.path.endsWith(".date")).length;
        if (!best || values > best.values) best = { view, values };
      }
      if (!best) throw new Error("no letter was extracted");
      const letter = best.view.letter;
      await goTo(page, "Letters");
      await page.getByLabel("Search").fill(path.basename(letter.source));
      await page.getByText("1 letters —").waitFor();
      await page.locator(".vrow").first().click();
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { level: 1, name: "Review" }).waitFor();
      await page.locator(".review-form").waitFor();
      const review = () => api("review.get", { letterId: letter.id });

      // The value to correct: the first item with a text input; with none, an added event.
      if ((await page.locator(".item input.text[data-primary]").count()) === 0) {
        await page.getByRole("button", { name: "Add event" }).click();
        await until("the added event", async () => (await page.locator(".item input.text[data-primary]").count()) > 0);
      }
      const target = page.locator(".item", { has: page.locator("input.text[data-primary]") }).first();
      const itemPath = (await target.getAttribute("data-item")) ?? "";
      const valuePath = (await target.locator("input[data-primary]").getAttribute("data-path")) ?? "";
      const before = await review();
      const original = getAtPath(before.document, valuePath);
      const modelOriginal = getAtPath(before.modelDocument, valuePath);

      // Edit from the keyboard: select, e, type, Enter.
      await target.locator(".item-head").click();
      await page.locator(".review-form").focus();
      await page.keyboard.press("e");
      await expect(page.evaluate(() => document.activeElement?.getAttribute("data-path"))).resolves.toBe(valuePath);
      await page.keyboard.press("ControlOrMeta+a");
      await page.keyboard.type(CORRECTED);
      await page.keyboard.press("Enter");
      await until("the edit saved", async () => getAtPath((await review()).document, valuePath) === CORRECTED);
      const edited = await review();
      expect(getAtPath(edited.modelDocument, valuePath)).toEqual(modelOriginal);
      expect(edited.corrected).toBe(true);
      expect(edited.history.at(-1)).toMatchObject({ op: "set", path: valuePath, user: "e2e reviewer" });

      await page.keyboard.press("Control+z");
      await until("the undo saved", async () => getAtPath((await review()).document, valuePath) === original);
      await page.keyboard.press("Control+Shift+z");
      await until("the redo saved", async () => getAtPath((await review()).document, valuePath) === CORRECTED);
      await page.keyboard.press("Control+z");
      await until("the second undo", async () => getAtPath((await review()).document, valuePath) === original);
      await page.keyboard.press("Control+y");
      await until("Ctrl+Y redo", async () => getAtPath((await review()).document, valuePath) === CORRECTED);

      // Accept the corrected value (a), then reject another one (r) whose removal moves nothing.
      await page.locator(`.item[data-item="${itemPath}"] .item-head`).first().click();
      await page.locator(".review-form").focus();
      await page.keyboard.press("a");
      await until("the accept saved", async () => (await review()).accepted.includes(itemPath));

      const list = itemPath.replace(/\[\d+\]$/, "");
      const index = Number(/\[(\d+)\]$/.exec(itemPath)?.[1] ?? -1);
      const candidates = await page.locator(".item").evaluateAll((nodes) => nodes.map((node) => node.getAttribute("data-item") ?? ""));
      let reject = candidates.find((p) => p !== itemPath && !(p.startsWith(`${list}[`) && Number(/\[(\d+)\]$/.exec(p)?.[1]) < index) && !/\.(year|month)$/.test(p));
      if (!reject) {
        await page.getByRole("button", { name: "Add event" }).click();
        const added = `primary_cancer.cancer_timeline[${(await review()).document?.primary_cancer.cancer_timeline.length ?? 1}]`;
        reject = await until("an item to reject", async () => (await page.locator(".item").evaluateAll((nodes) => nodes.map((node) => node.getAttribute("data-item") ?? ""))).find((p) => p !== itemPath && p !== added && p.startsWith("primary_cancer.cancer_timeline[") && p !== itemPath));
      }
      const rejected = getAtPath((await review()).document, reject);
      await page.locator(`.item[data-item="${reject}"] .item-head`).first().click();
      await page.locator(".review-form").focus();
      await page.keyboard.press("r");
      await until("the reject saved", async () => (await review()).history.at(-1)?.op === "remove");
      const afterReject = await review();
      expect(afterReject.history.at(-1)?.path).toBe(reject);
      expect(JSON.stringify(getAtPath(afterReject.document, reject))).not.toBe(JSON.stringify(rejected));
      expect(getAtPath(afterReject.document, valuePath)).toBe(CORRECTED);
      expect(afterReject.accepted).toContain(itemPath);
      await page.locator(".review-form").evaluate((element) => element.scrollTo(0, 0));
      await screenshot(page, "review");

      // Patient: the merged timeline of that letter's patient.
      await goTo(page, "Patient");
      if (letter.patient) await page.getByRole("combobox").first().selectOption(letter.patient);
      await page.getByRole("heading", { name: /^Events \(/ }).waitFor();
      await screenshot(page, "patient");

      // Export: CSV from the page; the file on disk carries the reviewer's value.
      await goTo(page, "Export");
      const out = path.join(suite.tempDir(), "timelines.csv");
      await page.getByLabel("Save to").fill(out);
      await page.getByRole("button", { name: "Run export" }).click();
      await page.getByTestId("export-result").waitFor({ timeout: 60_000 });
      await expect(page.getByTestId("export-path").first().textContent()).resolves.toBe(out);
      const csv = readFileSync(out, "utf8");
      expect(csv).toContain(CORRECTED);
      const rows = Number((await page.getByTestId("export-rows").textContent())?.replace(/,/g, ""));
      expect(rows).toBeGreaterThan(0);
      await screenshot(page, "export");

      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
      await host.close();
    }
  }, 1_200_000);

  it("keeps the Letters list small in the DOM with 100,000 letters and scrolls to the last", async () => {
    const dataDir = suite.tempDir();
    const db = openStore(dataDir);
    const insertAll = db.transaction(() => {
      for (let i = 1; i <= 100_000; i++) {
        insertLetter(db, {
          text: `Clinic letter number ${i}. Diagnosis: carcinoma of the breast.`,
          sourcePath: `/letters/batch-${Math.ceil(i / 1000)}/letter-${String(i).padStart(6, "0")}.txt`,
          sourceRow: null,
          sourceFormat: "txt",
          patientExternalId: `P${String(Math.ceil(i / 10)).padStart(5, "0")}`,
          letterDate: "2024-01-01",
        });
      }
    });
    insertAll();
    db.close();

    const host = await suite.startHost(dataDir);
    const { page, errors } = await openPage(suite.browser());
    try {
      await page.goto(host.url);
      await page.getByText("100,000 letters —").waitFor({ timeout: 30_000 });
      await page.getByText("letter-000001.txt").waitFor();
      const rowsAtTop = await page.locator(".vrow").count();
      expect(rowsAtTop).toBeLessThan(100);

      // To the end from the keyboard (End), then by scrolling the list itself.
      await page.getByRole("listbox", { name: "Letters" }).focus();
      await page.keyboard.press("End");
      await page.getByText("letter-100000.txt").waitFor({ timeout: 10_000 });
      expect(await page.locator(".vrow").count()).toBeLessThan(100);
      await expect(page.getByRole("listbox", { name: "Letters" }).getAttribute("aria-activedescendant")).resolves.toBe("letter-row-99999");

      await page.getByRole("listbox", { name: "Letters" }).evaluate((element) => element.scrollTo(0, 0));
      await page.getByText("letter-000001.txt").waitFor();
      await page.getByRole("listbox", { name: "Letters" }).evaluate((element) => element.scrollTo(0, element.scrollHeight));
      await page.getByText("letter-100000.txt").waitFor({ timeout: 10_000 });
      console.log(`100,000 letters: ${rowsAtTop} row elements at the top, ${await page.locator(".vrow").count()} at the end`);
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
      await host.close();
    }
  }, 120_000);

  it("renders a letter with 200 evidence spans in well under 100 ms", async () => {
    const dataDir = suite.tempDir();
    const db = openStore(dataDir);
    // One letter per run: a letter already open would be on screen before its answer came back.
    const letters = [1, 2, 3].map((n) => insertLetterWith200Spans(db, n));
    db.close();
    for (const letter of letters) expect(letter.spans).toBe(200);

    const host = await suite.startHost(dataDir);
    const { page, errors } = await openPage(suite.browser());
    try {
      await page.goto(host.url);
      const timings: { dom: number; frame: number; fetch: number }[] = [];
      // Three runs (Letters → Review each time); the first includes the review code's first use.
      for (let run = 0; run < 3; run++) {
        if (run > 0) await goTo(page, "Letters");
        await page.locator(".vrow", { hasText: `spans-${run + 1}.txt` }).click();
        const timing = await page.evaluate(
          () =>
            new Promise<{ dom: number; frame: number; fetch: number }>((resolve) => {
              const button = [...document.querySelectorAll("button")].find((b) => b.textContent === "Review selected letter");
              if (!button) throw new Error("no Review button");
              const start = performance.now();
              const observer = new MutationObserver(() => {
                if (document.querySelectorAll(".letter-text mark").length < 200) return;
                observer.disconnect();
                const dom = performance.now() - start;
                const fetched = (performance.getEntriesByType("resource") as PerformanceResourceTiming[]).filter((entry) => entry.name.includes("review.get")).at(-1);
                requestAnimationFrame(() => setTimeout(() => resolve({ dom, frame: performance.now() - start, fetch: fetched ? fetched.responseEnd - start : -1 })));
              });
              observer.observe(document.body, { childList: true, subtree: true });
              button.click();
            }),
        );
        timings.push(timing);
      }
      // Rendering is the time from the answer's arrival to 200 marks in the page; the answer's own
      // time is the host's (and this machine's load), printed beside it.
      const renders = timings.map((timing) => timing.dom - Math.max(0, timing.fetch));
      for (const [run, timing] of timings.entries()) {
        console.log(
          `review render of 200 spans: ${(renders[run] as number).toFixed(1)} ms (run ${run + 1}; click to 200 marks ${timing.dom.toFixed(1)} ms, answer of review.get at ${timing.fetch.toFixed(1)} ms; ${timing.frame.toFixed(1)} ms to the next frame)`,
        );
      }
      expect(await page.locator(".letter-text mark").count()).toBe(200);
      for (const timing of timings) expect(timing.fetch).toBeGreaterThan(0);
      // The median of three runs: the first includes the review code's first use, and one run can
      // meet a busy moment on a shared 2-core machine.
      const median = [...renders].sort((a, b) => a - b)[1] as number;
      expect(median).toBeLessThanOrEqual(100);

      // The review keys that move: j/k between values, n to the next letter in the list's order.
      await goTo(page, "Letters");
      await page.locator(".vrow", { hasText: "spans-1.txt" }).click();
      await page.keyboard.press("Enter");
      await page.locator(".item.selected").waitFor();
      const items = await page.locator(".item").evaluateAll((nodes) => nodes.map((node) => node.getAttribute("data-item")));
      const selected = () => page.locator(".item.selected").getAttribute("data-item");
      await expect(selected()).resolves.toBe(items[0]);
      for (const key of ["j", "j", "ArrowDown", "k"]) await page.keyboard.press(key);
      await expect(selected()).resolves.toBe(items[2]);
      await page.keyboard.press("n");
      await page.getByText("spans-2.txt", { exact: true }).waitFor();
      await page.locator(".item.selected").waitFor();
      // A click on a highlight selects its value in the form.
      await page.locator('.letter-text mark[data-item="primary_cancer.cancer_timeline[3]"]').first().click();
      await expect(selected()).resolves.toBe("primary_cancer.cancer_timeline[3]");
      await screenshot(page, "review-evidence");

      // The patient's three letters merged on one time axis; their stages disagree.
      await goTo(page, "Patient");
      await page.locator(".chart-dot").first().waitFor();
      await page.getByText(/Letters disagree/).waitFor();
      await screenshot(page, "patient-timeline");
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
      await host.close();
    }
  }, 120_000);

  it("imports letters dropped on the page, with a result line per file, a bad one named", async () => {
    const host = await suite.startHost(suite.tempDir());
    const api = apiOf(host);
    const { page } = await openPage(suite.browser());
    try {
      await page.goto(host.url);
      await page.getByRole("heading", { level: 1, name: "Letters" }).waitFor();
      const letter = readFileSync(path.join(DEMO_LETTERS, "P001_2021-03-15_initial-assessment.txt"), "utf8");
      const dropped = await page.evaluateHandle((text) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([text], "P001_2021-03-15_initial-assessment.txt", { type: "text/plain" }));
        transfer.items.add(new File([new Uint8Array([0, 159, 146, 150, 0, 0, 255])], "scan.txt", { type: "text/plain" }));
        return transfer;
      }, letter);
      await page.dispatchEvent(".dropzone", "dragover", { dataTransfer: dropped });
      await page.dispatchEvent(".dropzone", "drop", { dataTransfer: dropped });
      await page.getByText(/1\s+imported, 0\s+duplicates, 1\s+problems/).waitFor({ timeout: 30_000 });
      // The per-file table opens by itself when a file had a problem.
      await expect(page.locator("tr.import-problem").textContent()).resolves.toContain("scan.txt");
      await expect(page.locator("tr.import-imported").textContent()).resolves.toContain("P001_2021-03-15_initial-assessment.txt");
      const listed = await api("letters.list", {});
      expect(listed.rows.map((row) => [row.patient, row.letterDate])).toEqual([["P001", "2021-03-15"]]);
    } finally {
      await page.context().close();
      await host.close();
    }
  }, 120_000);
});

/**
 * The demo letters the researcher's-path test uploads and extracts: three (two in flight when
 * Pause is pressed, so the resumed job has one left), or all 16 when taking the README's
 * screenshots. Every demo letter is extracted end to end by test/integration/cli-pipeline.test.ts.
 */
function demoLettersToExtract(): string[] {
  const all = readdirSync(DEMO_LETTERS).sort().map((name) => path.join(DEMO_LETTERS, name));
  return TAKING_SCREENSHOTS ? all : all.slice(0, 3);
}

/** One letter and an extraction whose 200 values are each found, at a known span, in its text. */
function insertLetterWith200Spans(db: ReturnType<typeof openStore>, n: number): { letterId: number; spans: number } {
  const document: TimelineDocument = {
    primary_cancer: { site: "left breast", year: 2019, month: 3, tnm_stage: `T2 N${n - 1} M0`, other_stage: "stage IIB", metastases: "liver and bone", histopathology_status: "invasive ductal carcinoma grade 2", biomarker_status: "ER 8/8, HER2 negative", cancer_timeline: [] },
    other_cancers: [],
    patient_facts: [],
    status_updates: [],
  };
  const values: { path: string; value: string }[] = [
    { path: "primary_cancer.site", value: "left breast" },
    { path: "primary_cancer.date", value: "2019-03" },
    { path: "primary_cancer.tnm_stage", value: `T2 N${n - 1} M0` },
    { path: "primary_cancer.other_stage", value: "stage IIB" },
    { path: "primary_cancer.metastases", value: "liver and bone" },
    { path: "primary_cancer.histopathology_status", value: "invasive ductal carcinoma grade 2" },
    { path: "primary_cancer.biomarker_status", value: "ER 8/8, HER2 negative" },
  ];
  for (let i = 0; i < 40; i++) {
    const event = { type: CANCER_EVENT_TYPES[i % CANCER_EVENT_TYPES.length] ?? "other_progress_or_event", value: `clinic review number ${i + 1} with stable disease`, year: 2000 + (i % 25), month: (i % 12) + 1 };
    document.primary_cancer.cancer_timeline.push(event);
    values.push({ path: `primary_cancer.cancer_timeline[${i}].value`, value: event.value });
    values.push({ path: `primary_cancer.cancer_timeline[${i}].date`, value: `${event.year}-${String(event.month).padStart(2, "0")}` });
  }
  for (let i = 0; i < 40; i++) {
    const fact = { type: "comorbidity" as const, value: `comorbidity number ${i + 1} under control` };
    document.patient_facts.push(fact);
    values.push({ path: `patient_facts[${i}].value`, value: fact.value });
  }
  for (let i = 0; i < 30; i++) {
    const update = { type: "clinical_summary" as const, value: `summary point ${i + 1} discussed with the patient` };
    document.status_updates.push(update);
    values.push({ path: `status_updates[${i}].value`, value: update.value });
  }
  for (let i = 0; i < 6; i++) {
    const cancer = { site: `other site ${i + 1}`, tnm_stage: `stage ${i + 1}A`, metastases: `no metastases at site ${i + 1}`, other_stage: `grade ${i + 1}`, histopathology_status: `histology ${i + 1}`, biomarker_status: `marker ${i + 1} negative`, latest_situation: `situation ${i + 1} unchanged` };
    document.other_cancers.push({ ...cancer, year: 2010 + i });
    for (const [key, value] of Object.entries(cancer)) values.push({ path: `other_cancers[${i}].${key}`, value });
    values.push({ path: `other_cancers[${i}].date`, value: String(2010 + i) });
  }
  expect(values.length).toBeGreaterThanOrEqual(200);
  values.splice(200);
  let text = `Dear colleague (letter ${n}),\n\n`;
  const evidence: GroundedValue[] = values.map(({ path: valuePath, value }, i) => {
    const start = text.length;
    text += value;
    const end = text.length;
    text += i % 3 === 2 ? ".\n" : ". ";
    const grade = (["exact", "normalised", "fuzzy"] as const)[i % 3] ?? "exact";
    return { path: valuePath, value, grade, span: { start, end, grade, score: grade === "fuzzy" ? 0.9 : 1 } };
  });
  text += "\nYours sincerely,\nDr Example\n";
  const inserted = insertLetter(db, { text, sourcePath: `/letters/spans-${n}.txt`, sourceRow: null, sourceFormat: "txt", patientExternalId: "P900", letterDate: "2024-05-01" });
  // Registered once: the same fingerprint returns the same model.
  const model = registerModelRecord(db, { name: "fixture", path: "/models/fixture.gguf", bytes: 1, fingerprint: "fixture-200-spans" });
  saveExtraction(db, {
    letterId: inserted.letterId,
    modelId: model.id,
    jobId: null,
    status: "ok",
    document,
    rawOutput: JSON.stringify(document),
    error: null,
    warnings: [],
    promptVersion: "fixture",
    inputTokens: null,
    outputTokens: null,
    durationMs: 1,
    evidence,
  });
  return { letterId: inserted.letterId, spans: evidence.length };
}
