/**
 * `models get`: node-llama-cpp's downloader against a loopback server that answers as Hugging
 * Face's resolve URLs do (HEAD with X-Linked-Etag = the file's SHA-256, ranges for a resumed
 * download), then the usual verified registration.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadModel } from "../../src-main/models/downloadModel.ts";
import { runCli } from "../helpers/cli.ts";
import { FAKE_HF_FILE as FILE, FAKE_HF_REPO as REPO, rangedCoverage, resumablePartials, startFakeHuggingFace, type FakeHuggingFace } from "../helpers/fakeHuggingFace.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { ensureTestModel } from "../helpers/testModel.ts";

const tempDir = useTempDirs();

let server: FakeHuggingFace;
let model: Buffer;
let sha256: string;

beforeAll(async () => {
  model = readFileSync(await ensureTestModel());
  sha256 = createHash("sha256").update(model).digest("hex");
  server = await startFakeHuggingFace(model);
});
afterAll(async () => server?.close());

describe("models get", () => {
  it("downloads an hf: file, checks it against Hugging Face's SHA-256, and registers it once it loads and generates", async () => {
    const data = tempDir();
    const got = await runCli(["--data", data, "--json", "models", "get", `hf:${REPO}/${FILE}`, "--name", "tiny"], { env: { HF_ENDPOINT: server.url } });
    expect(got.code, got.stderr).toBe(0);
    const downloaded = got.events.find((event) => event.type === "downloaded") as { path: string };
    expect(downloaded).toEqual({ type: "downloaded", path: expect.stringMatching(new RegExp(`^${path.join(data, "models")}/.*${FILE}$`)), bytes: model.length, sha256, checkedAgainst: "hugging-face" });
    const registered = got.events.find((event) => event.type === "model");
    expect(registered).toMatchObject({ name: "tiny", path: downloaded.path, bytes: model.length });
    expect(createHash("sha256").update(readFileSync(downloaded.path)).digest("hex")).toBe(sha256);
  }, 120_000);

  it("an interrupted download resumes from where it stopped", async () => {
    const dir = tempDir();
    server.throttle = true;
    const stop = new AbortController();
    let seen = 0;
    const first = downloadModel({
      uri: `hf:${REPO}/${FILE}`,
      dir,
      huggingFaceEndpoint: server.url,
      signal: stop.signal,
      onProgress: ({ downloadedBytes }) => {
        seen = downloadedBytes;
        // The downloader writes whole 5 MiB chunks: stop once the first is on disk with its progress record.
        if (resumablePartials(dir, model.length).length > 0) stop.abort();
      },
    });
    await expect(first).rejects.toThrow(`download of hf:${REPO}/${FILE} cancelled: its partial file is kept, and downloading it again resumes it`);
    expect(seen).toBeLessThan(model.length);
    // Only the partial file is there: nothing that looks like a finished model.
    expect(readdirSync(dir).filter((name) => name.endsWith(".gguf"))).toEqual([]);
    expect(resumablePartials(dir, model.length)).toHaveLength(1);
    server.throttle = false;
    const before = server.ranges.length;
    const second = await downloadModel({ uri: `hf:${REPO}/${FILE}`, dir, huggingFaceEndpoint: server.url });
    expect(second).toEqual({ path: expect.stringMatching(new RegExp(`^${dir}/.*${FILE}$`)), bytes: model.length, sha256, checkedAgainst: "hugging-face" });
    // The second download did not fetch again what the first had finished.
    const asked = server.ranges.slice(before);
    expect(asked.filter((range) => range !== "").length).toBeGreaterThan(0);
    expect(rangedCoverage(asked, model.length), asked.join(", ")).toBeLessThan(model.length);
  }, 120_000);

  it("a file whose SHA-256 is not the one given is refused and not registered; a missing file is named", async () => {
    const data = tempDir();
    const wrong = "0".repeat(64);
    const got = await runCli(["--data", data, "models", "get", `hf:${REPO}/${FILE}`, "--sha256", wrong], { env: { HF_ENDPOINT: server.url } });
    expect(got.code).toBe(2);
    expect(got.stderr).toContain(`has SHA-256 ${sha256}, expected ${wrong}: the file is damaged or not the one asked for`);
    expect((await runCli(["--data", data, "--json", "models", "list"])).events).toEqual([{ type: "empty" }]);
    const missing = await runCli(["--data", data, "models", "get", `hf:${REPO}/nothing.gguf`], { env: { HF_ENDPOINT: server.url } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`no such file on Hugging Face: ${REPO}/nothing.gguf`);
  }, 120_000);
});
