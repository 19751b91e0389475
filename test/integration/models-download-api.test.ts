/**
 * The Models screen's download: models.download starts node-llama-cpp's downloader in the
 * background and returns at once, models.downloads follows it (bytes, speed, state), and
 * models.cancelDownload stops it leaving the partial file that the next download resumes; a
 * finished file is checked (size, SHA-256) and registered only once it loads and generates here.
 * Against a loopback server that answers as Hugging Face does (HF_ENDPOINT).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createServices, type Services } from "../../src-main/api/services.ts";
import { dispatchApiCall } from "../../src-main/api/dispatch.ts";
import { formatBytes } from "../../src-shared/formatBytes.ts";
import type { ApiName, ApiOutput, ModelDownload, SecretName, SecretStore } from "../../src-shared/api.ts";
import { FAKE_HF_REPO, FAKE_HF_URI, rangedCoverage, resumablePartials, startFakeHuggingFace, type FakeHuggingFace } from "../helpers/fakeHuggingFace.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { ensureTestModel } from "../helpers/testModel.ts";

const tempDir = useTempDirs();
const TOKEN = "hf_loopbackTokenThatMustNeverBeShown";

let server: FakeHuggingFace;
let model: Buffer;
let services: Services | undefined;
const saved = { endpoint: process.env.HF_ENDPOINT, token: process.env.HF_TOKEN };

beforeAll(async () => {
  model = readFileSync(await ensureTestModel());
  server = await startFakeHuggingFace(model);
  process.env.HF_ENDPOINT = server.url;
  delete process.env.HF_TOKEN;
});
afterAll(async () => {
  restore("HF_ENDPOINT", saved.endpoint);
  restore("HF_TOKEN", saved.token);
  await server?.close();
});
afterEach(async () => {
  await services?.close();
  services = undefined;
  server.throttle = false;
  server.tickBytes = 65536;
  server.requireToken = null;
});

function restore(name: string, value: string | undefined) {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

function start(secrets?: SecretStore): Services {
  // CPU and one thread: the tiny random model's settings for its test load.
  services = createServices({ dataDir: tempDir(), engine: { gpu: false, threads: 1 }, log: () => {}, ...(secrets ? { secrets } : {}) });
  return services;
}

async function call<N extends ApiName>(name: N, input: unknown): Promise<ApiOutput<N>> {
  const result = await dispatchApiCall((services as Services).handlers, name, input);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as ApiOutput<N>;
}

/** Polls models.downloads (as the screen does, faster) until the download satisfies `done`; every view seen is kept. */
async function follow(id: number, done: (view: ModelDownload) => boolean, seen: ModelDownload[] = [], timeoutMs = 60_000): Promise<ModelDownload> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const view = (await call("models.downloads", {})).find((item) => item.id === id);
    if (!view) throw new Error(`download ${id} is not listed`);
    seen.push(view);
    if (done(view)) return view;
    if (Date.now() > end) throw new Error(`download ${id} stuck at ${JSON.stringify(view)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The downloader's partial files (FILE.ipull), resumable or not yet. */
const partials = (folder: string) => (existsSync(folder) ? readdirSync(folder).filter((name) => name.endsWith(".ipull")) : []);

const finished = (view: ModelDownload) => view.state !== "running" && view.state !== "verifying";

function memorySecrets(entries: Partial<Record<SecretName, string>>): SecretStore {
  return {
    get: (name) => entries[name] ?? null,
    set: (name, value) => void (entries[name] = value),
    delete: (name) => void delete entries[name],
    has: (name) => entries[name] !== undefined,
  };
}

describe("models.download, models.downloads, models.cancelDownload", () => {
  it("shows progress, cancels leaving the partial file, resumes it, and registers the model once it loads and generates", async () => {
    start();
    const dataDir = (await call("app.info", {})).dataDir;
    server.throttle = true;
    server.tickBytes = 32768;
    const started = Date.now();
    const first = await call("models.download", { uri: FAKE_HF_URI, name: "tiny base" });
    // It returns at once: the download runs in the background.
    expect(Date.now() - started).toBeLessThan(2000);
    expect(first).toMatchObject({ id: 1, uri: FAKE_HF_URI, name: "tiny base", state: "running", modelId: null, message: null });
    await expect(call("models.download", { uri: FAKE_HF_URI })).rejects.toThrow(`conflict: ${FAKE_HF_URI} is being downloaded already (download 1)`);

    const seen: ModelDownload[] = [];
    const folder = path.join(dataDir, "models");
    // The downloader writes whole 5 MiB chunks: cancel once the first is on disk with its progress record.
    const midway = await follow(first.id, (view) => view.state !== "running" || resumablePartials(folder, model.length).length > 0, seen);
    expect(midway).toMatchObject({ state: "running", totalBytes: model.length });
    expect(midway.downloadedBytes).toBeLessThan(model.length);
    expect(seen.some((view) => view.downloadedBytes > 0 && view.bytesPerSecond > 0)).toBe(true);
    const cancelled = await call("models.cancelDownload", { id: first.id });
    expect(cancelled.state).toBe("cancelled");
    expect(cancelled.message).toMatch(new RegExp(`^Cancelled after [0-9.]+ MiB of ${formatBytes(model.length)}: the partial file is kept, and downloading the same address again resumes it\\.$`));
    await expect(call("models.cancelDownload", { id: first.id })).rejects.toThrow("conflict: download 1 is cancelled already");
    await expect(call("models.cancelDownload", { id: 99 })).rejects.toThrow("not-found: no download 99");
    // Only the partial file is there, kept: nothing that looks like a finished model, nothing registered.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(resumablePartials(folder, model.length)).toHaveLength(1);
    expect(readdirSync(folder).filter((name) => name.endsWith(".gguf"))).toEqual([]);
    expect(await call("models.list", {})).toEqual([]);
    expect((await call("models.downloads", {}))[0]).toMatchObject({ id: 1, state: "cancelled", message: cancelled.message });

    server.throttle = false;
    const before = server.ranges.length;
    const second = await call("models.download", { uri: FAKE_HF_URI, name: "tiny base" });
    expect(second).toMatchObject({ id: 2, state: "running" });
    const states: ModelDownload[] = [];
    const done = await follow(second.id, finished, states);
    expect(done, done.message ?? "").toMatchObject({ state: "registered", message: null, downloadedBytes: model.length, totalBytes: model.length, checkedAgainst: "hugging-face", sha256: server.sha256 });
    expect(states.some((view) => view.state === "verifying")).toBe(true);
    expect(done.path).toMatch(new RegExp(`^${folder}/.*tiny\\.gguf$`));
    expect(createHash("sha256").update(readFileSync(done.path as string)).digest("hex")).toBe(server.sha256);
    expect(partials(folder)).toEqual([]);
    // It did not fetch again what the cancelled download had finished.
    const asked = server.ranges.slice(before);
    expect(asked.filter((range) => range !== "").length).toBeGreaterThan(0);
    expect(rangedCoverage(asked, model.length), asked.join(", ")).toBeLessThan(model.length);
    // Listed newest first; the registered model is in the list under the name asked for.
    expect((await call("models.downloads", {})).map((view) => [view.id, view.state])).toEqual([
      [2, "registered"],
      [1, "cancelled"],
    ]);
    const models = await call("models.list", {});
    expect(models).toEqual([expect.objectContaining({ id: done.modelId, name: "tiny base", path: done.path, bytes: model.length })]);
  }, 120_000);

  it("a file whose SHA-256 is not the one given fails with its message and registers nothing; bad input is refused", async () => {
    start();
    const wrong = "A".repeat(64);
    const started = await call("models.download", { uri: FAKE_HF_URI, sha256: wrong });
    const failed = await follow(started.id, finished);
    expect(failed.state).toBe("failed");
    expect(failed.message).toMatch(new RegExp(`tiny\\.gguf has SHA-256 ${server.sha256}, expected ${"a".repeat(64)}: the file is damaged or not the one asked for \\(delete it and download again\\)$`));
    expect(failed.modelId).toBeNull();
    expect(await call("models.list", {})).toEqual([]);

    const missing = await call("models.download", { uri: `hf:${FAKE_HF_REPO}/nothing.gguf` });
    expect(await follow(missing.id, finished)).toMatchObject({ state: "failed", message: `no such file on Hugging Face: ${FAKE_HF_REPO}/nothing.gguf` });

    await expect(call("models.download", { uri: "ftp://example.org/model.gguf" })).rejects.toThrow("invalid-input: models.download: uri: a GGUF's address: https://… or hf:USER/REPO/FILE.gguf");
    await expect(call("models.download", { uri: FAKE_HF_URI, sha256: "abc" })).rejects.toThrow("invalid-input: models.download: sha256: 64 hexadecimal digits");
  }, 120_000);

  it("a gated repository needs the Hugging Face token from the app's store, which no message shows", async () => {
    server.requireToken = TOKEN;
    start();
    const refused = await follow((await call("models.download", { uri: FAKE_HF_URI })).id, finished);
    expect(refused).toMatchObject({ state: "failed" });
    expect(refused.message).toContain(`Hugging Face refused ${FAKE_HF_REPO} (401): the repository is gated`);
    await services?.close();

    const secrets = memorySecrets({ "huggingface-token": TOKEN });
    start(secrets);
    expect((await call("secrets.status", {})).secrets).toContainEqual({ name: "huggingface-token", stored: true, fromEnvironment: false });
    const fetched = await follow((await call("models.download", { uri: FAKE_HF_URI })).id, finished);
    expect(fetched, fetched.message ?? "").toMatchObject({ state: "registered", checkedAgainst: "hugging-face" });
    expect(JSON.stringify(await call("models.downloads", {}))).not.toContain(TOKEN);
  }, 120_000);
});
