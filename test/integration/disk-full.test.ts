import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_FILE } from "../../src-main/store/db.ts";
import { dispatchApiCall } from "../../src-main/api/dispatch.ts";
import { createServices } from "../../src-main/api/services.ts";
import type { ApiName, ApiOutput } from "../../src-shared/api.ts";
import { EXTRACTION_TEST_TIMEOUT_MS, REPO_ROOT, runCli } from "../helpers/cli.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { ensureTestModel } from "../helpers/testModel.ts";
import { goldFor, startFakeOpenAiServer, type FakeOpenAiServer } from "../helpers/fakeOpenAiServer.ts";

// A real full disk: a 4 MiB tmpfs holds the data folder (mounting needs root, as CI runs; a
// developer machine without it skips this file, CI fails instead).
const mountPoint = mkdtempSync(path.join(os.tmpdir(), "oncotimeline-small-disk-"));
const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint], { encoding: "utf8" });
if (mounted.status !== 0 && process.env.CI) throw new Error(`cannot mount a small tmpfs for the full-disk test: ${mounted.stderr || mounted.error?.message}`);

const tempDirOutside = useTempDirs();
let server: FakeOpenAiServer;
beforeAll(async () => {
  server = await startFakeOpenAiServer({ respond: goldFor });
});
afterAll(async () => {
  await server?.close();
  if (mounted.status === 0) spawnSync("umount", ["--lazy", mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

describe.skipIf(mounted.status !== 0)("a disk that fills up in the middle of a batch", () => {
  it("stops every lane with a message that says what to do, keeps what was saved, and the next run finishes each letter once", async () => {
    const data = path.join(mountPoint, "store");
    const filler = path.join(mountPoint, "other-files");
    expect((await runCli(["--data", data, "import", path.join(REPO_ROOT, "resources", "demo", "letters")])).code).toBe(0);
    // Leave room for a few results only (each is tens of kilobytes of evidence rows and pages).
    const { bavail, bsize } = statfsSync(mountPoint);
    writeFileSync(filler, Buffer.alloc(Math.max(0, bavail * bsize - 160 * 1024)));

    const full = await runCli(["--data", data, "--json", "extract", "--server", server.baseUrl, "--parallel", "2"]);
    expect(full.code).toBe(2);
    expect(full.stderr).toMatch(/oncotimeline: the disk is full \(.*; data folder .*store\): free some space and run the command again; everything saved before this is kept/);
    const savedBefore = full.events.filter((event) => event.type === "letter").length;
    expect(savedBefore).toBeGreaterThan(0);
    expect(savedBefore).toBeLessThan(16);
    // No lane went on taking letters after the store could not be written.
    expect(server.chatRequests().length).toBeLessThanOrEqual(savedBefore + 2);

    rmSync(filler);
    const again = await runCli(["--data", data, "--json", "extract", "--server", server.baseUrl, "--parallel", "2"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.events.at(-1)).toMatchObject({ type: "summary", done: 16, failed: 0, total: 16 });
    // An export that does not fit on its disk (a 64 KiB one here) leaves no file, not a truncated one.
    const exports = path.join(mountPoint, "exports");
    mkdirSync(exports);
    expect(spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", exports]).status).toBe(0);
    try {
      const exported = await runCli(["--data", data, "export", "--format", "csv", "--out", path.join(exports, "values.csv")]);
      expect(exported.code).toBe(2);
      expect(exported.stderr).toMatch(/^oncotimeline: the disk is full \(ENOSPC: no space left on device, write; data folder .*\): free some space/);
      expect(readdirSync(exports)).toEqual([]);
    } finally {
      spawnSync("umount", ["--lazy", exports]);
    }

    const db = new Database(path.join(data, STORE_FILE), { readonly: true });
    try {
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      expect(db.prepare("SELECT COUNT(*) AS n, COUNT(DISTINCT letter_id) AS letters FROM extractions").get()).toEqual({ n: 16, letters: 16 });
    } finally {
      db.close();
    }
  }, 120_000);

  it("a store on a full disk that cannot even be opened gets the same message", async () => {
    const data = path.join(mountPoint, "opened");
    const filler = path.join(mountPoint, "opened-other-files");
    expect((await runCli(["--data", data, "import", path.join(REPO_ROOT, "resources", "demo", "letters", "P001_2021-03-15_initial-assessment.txt")])).code).toBe(0);
    const { bavail, bsize } = statfsSync(mountPoint);
    writeFileSync(filler, Buffer.alloc(bavail * bsize));
    try {
      const opened = await runCli(["--data", data, "export", "--format", "csv", "--out", path.join(tempDirOutside(), "values.csv")]);
      expect(opened.code).toBe(2);
      expect(opened.stderr).toMatch(/^oncotimeline: the disk is full \(disk I\/O error; data folder .*opened\): free some space and run the command again/);
    } finally {
      rmSync(filler);
    }
  });

  it(
    "in the app: the job stops as interrupted with the reason shown, and resuming it finishes every letter once",
    async () => {
      const dataDir = path.join(mountPoint, "app");
      const filler = path.join(mountPoint, "app-other-files");
      const services = createServices({ dataDir, engine: { gpu: false, threads: 1, temperature: 0.8, seed: 7 }, log: () => {} });
      try {
        const call = async <N extends ApiName>(name: N, input: unknown): Promise<ApiOutput<N>> => {
          const result = await dispatchApiCall(services.handlers, name, input);
          if (!result.ok) throw new Error(`${name}: ${result.error.code}: ${result.error.message}`);
          return result.value as ApiOutput<N>;
        };
        const letters = path.join(REPO_ROOT, "resources", "demo", "letters");
        await call("letters.import", { paths: readdirSync(letters).sort().slice(0, 2).map((name) => path.join(letters, name)) });
        const model = await call("models.add", { path: await ensureTestModel(), name: "tiny" });
        await call("settings.set", { reviewer: "", extraction: { parallel: 1, contexts: null, contextSize: 2048, maxTokens: 256, gpu: "off" }, export: { bom: false, excludeUngrounded: false, folder: null } });

        const started = await call("jobs.startExtraction", { modelId: model.id });
        // The first letter is being read by the model: no room left for its result.
        const { bavail, bsize } = statfsSync(mountPoint);
        writeFileSync(filler, Buffer.alloc(bavail * bsize));
        await services.jobs.idle();
        const stopped = await call("jobs.get", { id: started.id });
        expect(stopped).toMatchObject({ state: "interrupted", done: 0, pending: 2 });
        expect(stopped.message).toMatch(/^stopped: the disk is full \(.*; data folder .*app\): free some space and resume the job; everything saved before this is kept$/);

        rmSync(filler);
        await call("jobs.resume", { id: started.id });
        await services.jobs.idle();
        const finished = await call("jobs.get", { id: started.id });
        expect(finished).toMatchObject({ state: "done", total: 2, pending: 0, message: null });
        expect(services.db.prepare("SELECT COUNT(*) AS n, COUNT(DISTINCT letter_id) AS letters FROM extractions").get()).toEqual({ n: 2, letters: 2 });
      } finally {
        await services.close();
      }
    },
    EXTRACTION_TEST_TIMEOUT_MS,
  );
});
