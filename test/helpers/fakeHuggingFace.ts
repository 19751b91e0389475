// A loopback server that answers as Hugging Face's resolve URLs do, for node-llama-cpp's downloader
// (models get, models.download): HEAD with X-Linked-Etag = the file's SHA-256, ranges for a resumed
// download, and 401 for a gated repository without the right token. Point HF_ENDPOINT (or
// downloadModel's huggingFaceEndpoint) at `url`.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

export const FAKE_HF_REPO = "onco/tiny-GGUF";
export const FAKE_HF_FILE = "tiny.gguf";
/** The served file's address as node-llama-cpp takes it. */
export const FAKE_HF_URI = `hf:${FAKE_HF_REPO}/${FAKE_HF_FILE}`;

export type FakeHuggingFace = {
  url: string;
  /** The file's SHA-256, as the server publishes it. */
  sha256: string;
  /** Every GET's Range header, in order; "" for a GET of the whole file. HEADs are left out. */
  readonly ranges: string[];
  /** Whether each request (HEAD and GET alike) carried an Authorization header; never its value. */
  readonly authorised: boolean[];
  /**
   * Throttled, each response goes out `tickBytes` (default 64 KiB) every 20 ms, about 3 MiB/s per
   * connection, so a download can be caught midway. node-llama-cpp's downloader (ipull) writes whole
   * 5 MiB chunks, over four connections: a partial file appears once the first chunk is complete.
   */
  throttle: boolean;
  tickBytes: number;
  /** A gated repository: 401 unless the request carries `Authorization: Bearer <this>`. */
  requireToken: string | null;
  close(): Promise<void>;
};

/** Serves `file` at /FAKE_HF_REPO/resolve/main/FAKE_HF_FILE. */
export async function startFakeHuggingFace(file: Buffer): Promise<FakeHuggingFace> {
  const state = { ranges: [] as string[], authorised: [] as boolean[], throttle: false, tickBytes: 65536, requireToken: null as string | null };
  const etag = createHash("sha256").update(file).digest("hex");
  const httpServer = http.createServer((request, response) => {
    state.authorised.push(request.headers.authorization !== undefined);
    if (request.url?.split("?")[0] !== `/${FAKE_HF_REPO}/resolve/main/${FAKE_HF_FILE}`) {
      response.writeHead(404, { "content-type": "text/plain" }).end("Entry not found");
      return;
    }
    if (state.requireToken !== null && request.headers.authorization !== `Bearer ${state.requireToken}`) {
      response.writeHead(401, { "content-type": "text/plain" }).end("Access to this repository is restricted");
      return;
    }
    const headers = { "accept-ranges": "bytes", "x-linked-etag": `"${etag}"`, "x-linked-size": String(file.length), "content-type": "application/octet-stream" };
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? "");
    const start = range ? Number(range[1]) : 0;
    const end = range && range[2] !== "" ? Number(range[2]) : file.length - 1;
    if (request.method === "GET") state.ranges.push(request.headers.range ?? "");
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
      const chunk = body.subarray(at, at + state.tickBytes);
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
    sha256: etag,
    get ranges() {
      return state.ranges;
    },
    get authorised() {
      return state.authorised;
    },
    get throttle() {
      return state.throttle;
    },
    set throttle(value: boolean) {
      state.throttle = value;
    },
    get tickBytes() {
      return state.tickBytes;
    },
    set tickBytes(value: number) {
      state.tickBytes = value;
    },
    get requireToken() {
      return state.requireToken;
    },
    set requireToken(value: string | null) {
      state.requireToken = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        httpServer.closeAllConnections();
        httpServer.close(() => resolve());
      }),
  };
}

/**
 * How many of the file's `size` bytes these GETs' ranges (`ranges`) cover, each byte once. A
 * resumed download leaves out what the cancelled one finished (whichever chunk that was: under
 * throttling the short last chunk often finishes first). A union, not a sum: a connection may ask
 * for a chunk twice. The downloader's opening GET without a range is its probe and left out.
 */
export function rangedCoverage(ranges: string[], size: number): number {
  const spans = ranges
    .flatMap((range) => {
      const match = /^bytes=(\d+)-(\d*)$/.exec(range);
      return match ? [[Number(match[1]), Math.min(match[2] === "" ? size - 1 : Number(match[2]), size - 1)] as const] : [];
    })
    .sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let reached = -1;
  for (const [start, end] of spans) {
    if (end > reached) covered += end - Math.max(start, reached + 1) + 1;
    reached = Math.max(reached, end);
  }
  return covered;
}

/**
 * The downloader's partial files in `dir` (FILE.ipull) that a new download can resume: ipull writes
 * whole chunks in place, then appends its progress record after the file's last byte, so such a
 * partial is longer than the file itself. Before that record is written, a new download starts over.
 */
export function resumablePartials(dir: string, fileBytes: number): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => name.endsWith(".ipull") && statSync(path.join(dir, name)).size > fileBytes);
}
