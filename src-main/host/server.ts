/**
 * The API contract over loopback HTTP, for the browser build and the end-to-end tests.
 *
 * Only 127.0.0.1 is bound. Every API call needs the per-run random token (printed once, in the
 * URL's fragment, which browsers never send to a server or put in a Referer); the Host header
 * must name the loopback address, so a web page that rebinds its DNS name to 127.0.0.1 is refused
 * too. The built renderer's static files carry no data and are served without the token.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ApiErrorCode, ApiHandlers, ApiResult } from "../../src-shared/api.ts";
import { dispatchApiCall } from "../api/dispatch.ts";
import { serveStatic } from "./static.ts";

export type HostOptions = {
  handlers: ApiHandlers;
  /** 0 (default) lets the system pick a free port. */
  port?: number;
  /** The built renderer (dist/renderer); without it only the API is served. */
  staticDir?: string;
  /** Fixed only by tests that need to know it in advance; by default 32 random bytes. */
  token?: string;
  log?: (error: unknown) => void;
};

export type RunningHost = { url: string; origin: string; token: string; port: number; close(): Promise<void> };

/** Uploads arrive base64-encoded in the body; a batch of letters stays far below this. */
const MAX_BODY_BYTES = 100 * 1024 * 1024;

const STATUS: Record<ApiErrorCode, number> = {
  "invalid-input": 400,
  unauthorised: 401,
  "not-found": 404,
  "unknown-call": 404,
  conflict: 409,
  failed: 500,
};

export async function startHost(options: HostOptions): Promise<RunningHost> {
  const token = options.token ?? randomBytes(32).toString("base64url");
  const expected = Buffer.from(`Bearer ${token}`);
  let allowedHosts: Set<string> = new Set();
  const log = options.log ?? ((error: unknown) => console.error(error));

  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      log(error);
      if (!response.headersSent) sendJson(response, 500, { ok: false, error: { code: "failed", message: "internal error" } });
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!allowedHosts.has(request.headers.host ?? "")) {
      sendJson(response, 421, { ok: false, error: { code: "unauthorised", message: "this server answers only on its loopback address" } });
      return;
    }
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (!url.pathname.startsWith("/api/")) {
      if (request.method !== "GET" && request.method !== "HEAD") {
        response.writeHead(405, { allow: "GET, HEAD" }).end();
        return;
      }
      await serveStatic(options.staticDir, url.pathname, request, response);
      return;
    }
    if (request.method !== "POST") {
      response.writeHead(405, { allow: "POST" }).end();
      return;
    }
    const given = Buffer.from(request.headers.authorization ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      request.resume();
      sendJson(response, 401, { ok: false, error: { code: "unauthorised", message: "missing or wrong token: open the URL printed by `oncotimeline serve`" } });
      return;
    }
    const body = await readBody(request);
    if (body === "too-large") {
      sendJson(response, 413, { ok: false, error: { code: "invalid-input", message: `request larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB` } });
      return;
    }
    let input: unknown;
    try {
      input = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
    } catch {
      sendJson(response, 400, { ok: false, error: { code: "invalid-input", message: "the request body is not JSON" } });
      return;
    }
    const name = decodeURIComponent(url.pathname.slice("/api/".length));
    const result = await dispatchApiCall(options.handlers, name, input, log);
    sendJson(response, result.ok ? 200 : STATUS[result.error.code], result);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/#token=${token}`,
    origin,
    token,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function sendJson(response: ServerResponse, status: number, value: ApiResult<unknown>): void {
  const body = JSON.stringify(value);
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  response.end(body);
}

async function readBody(request: IncomingMessage): Promise<Buffer | "too-large"> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      request.destroy();
      return "too-large";
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
