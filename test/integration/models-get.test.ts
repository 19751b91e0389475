/**
 * `models get`: node-llama-cpp's downloader against a loopback server that answers as Hugging
 * Face's resolve URLs do (HEAD with X-Linked-Etag = the file's SHA-256, ranges for a resumed
 * download), then the usual verified registration.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadModel } from "../../src-main/models/downloadModel.ts";
import { runCli } from "../helpers/cli.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { ensureTestModel } from "../helpers/testModel.ts";

const tempDir = useTempDirs();
const REPO = "onco/tiny-GGUF";
const FILE = "tiny.gguf";

type Server = { url: string; ranges: string[]; throttle: boolean; close(): Promise<void> };
let server: Server;
let model: Buffer;
let sha256: string;

/** Serves one file at /REPO/resolve/main/FILE; a throttled response sends 64 KiB every 20 ms, so a download can be caught midway. */
async function startHuggingFace(file: Buffer): Promise<Server> {
  const state = { ranges: [] as string[], throttle: false };
  const etag = createHash("sha256").update(file).digest("hex");
  const httpServer = http.createServer((request, response) => {
    if (request.url?.split("?")[0] !== `/${REPO}/resolve/main/${FILE}`) {
      response.writeHead(404, { "content-type": "text/plain" }).end("Entry not found");
      return;
    }
    const headers = { "accept-ranges": "bytes", "x-linked-etag": `"${etag}"`, "x-linked-size": String(file.length), "content-type": "application/octet-stream" };
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? "");
    const start = range ? Number(range[1]) : 0;
    const end = range && range[2] !== "" ? Number(range[2]) : file.length - 1;
    if (range) state.ranges.push(request.headers.range as string);
    const body = file.subarray(start, end + 1);
    response.writeHead(range ? 206 : 200, { ...headers, "content-length": String(body.length), ...(range ? { "content-range": `bytes ${start}-${end}/${file.length}` } : {}) });
    if (request.method === "HEAD") {
      response.end();
      return;
    }
    if (!state.throttle) {
      response.end(body);
      return;
    }
    let at = 0;
    const timer = setInterval(() => {
      if (response.destroyed) return clearInterval(timer);
      const chunk = body.subarray(at, at + 65536);
      at += chunk.length;
      if (at >= body.length) {
        clearInterval(timer);
        response.end(chunk);
      } else response.write(chunk);
    }, 20);
    response.on("close", () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    get ranges() {
      return state.ranges;
    },
    get throttle() {
      return state.throttle;
    },
    set throttle(value: boolean) {
      state.throttle = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        httpServer.closeAllConnections();
        httpServer.close(() => resolve());
      }),
  };
}

beforeAll(async () => {
  model = readFileSync(await ensureTestModel());
  sha256 = createHash("sha256").update(model).digest("hex");
  server = await startHuggingFace(model);
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
        if (downloadedBytes > model.length / 3) stop.abort();
      },
    });
    await expect(first).rejects.toThrow();
    expect(seen).toBeGreaterThan(model.length / 3);
    // Only the partial file is there: nothing that looks like a finished model.
    expect(readdirSync(dir).filter((name) => name.endsWith(".gguf"))).toEqual([]);
    server.throttle = false;
    const before = server.ranges.length;
    const second = await downloadModel({ uri: `hf:${REPO}/${FILE}`, dir, huggingFaceEndpoint: server.url });
    expect(second).toEqual({ path: expect.stringMatching(new RegExp(`^${dir}/.*${FILE}$`)), bytes: model.length, sha256, checkedAgainst: "hugging-face" });
    // The second request asked only for what the first had not brought.
    const resumedAt = server.ranges.slice(before).map((range) => Number(/^bytes=(\d+)-/.exec(range)?.[1]));
    expect(Math.max(...resumedAt)).toBeGreaterThan(0);
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
