/**
 * What the loopback stand-ins for the hosted fine-tuning APIs share (fakeOpenPipe.ts,
 * fakeTogether.ts): a node:http server on 127.0.0.1 (port 0), every request recorded with its
 * raw body, a bearer key checked, and scripted failures (a status `times` times, with a
 * retry-after, on paths under a prefix) answered before the API itself.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export type RecordedHttpRequest = { method: string; path: string; query: URLSearchParams; headers: http.IncomingHttpHeaders; rawBody: Buffer; body: unknown; at: number };

export type HttpFailure = { status: number; times?: number; retryAfter?: number; pathPrefix?: string; method?: string };

export type Reply = { status: number; json?: unknown; bytes?: Buffer; headers?: Record<string, string> };

export class LoopbackApi {
  readonly requests: RecordedHttpRequest[] = [];
  url = "";
  #server: http.Server;
  #failures: (HttpFailure & { left: number })[] = [];

  constructor(
    private readonly apiKey: string,
    /** The API's answer when the key is wrong, in its own shape. */
    private readonly unauthorized: () => Reply,
    /** The API's answer to a scripted failure, in its own shape. */
    private readonly failed: (status: number) => unknown,
    private readonly route: (request: RecordedHttpRequest, contentType: string) => Promise<Reply> | Reply,
  ) {
    this.#server = http.createServer((req, res) => void this.#handle(req, res));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  fail(failure: HttpFailure): void {
    this.#failures.push({ ...failure, left: failure.times ?? 1 });
  }

  /** Everything received, headers included, as one string: for "never sent" assertions. */
  receivedText(): string {
    return this.requests.map((r) => `${r.method} ${r.path}\n${JSON.stringify(r.headers)}\n${r.rawBody.toString("utf8")}`).join("\n");
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks);
    const url = new URL(req.url ?? "/", this.url);
    let body: unknown = undefined;
    if ((req.headers["content-type"] ?? "").startsWith("application/json")) {
      try {
        body = JSON.parse(rawBody.toString("utf8"));
      } catch {
        body = undefined;
      }
    }
    const recorded: RecordedHttpRequest = { method: req.method ?? "", path: url.pathname, query: url.searchParams, headers: req.headers, rawBody, body, at: Date.now() };
    this.requests.push(recorded);
    const send = (reply: Reply): void => {
      if (reply.bytes) {
        res.writeHead(reply.status, { "content-type": "application/octet-stream", "content-length": String(reply.bytes.length), ...reply.headers });
        res.end(reply.bytes);
        return;
      }
      res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
      res.end(JSON.stringify(reply.json ?? {}));
    };
    try {
      if (req.headers.authorization !== `Bearer ${this.apiKey}`) return send(this.unauthorized());
      const failure = this.#failures.find((f) => f.left > 0 && (f.pathPrefix === undefined || url.pathname.startsWith(f.pathPrefix)) && (f.method === undefined || f.method === req.method));
      if (failure) {
        failure.left -= 1;
        return send({ status: failure.status, json: this.failed(failure.status), headers: failure.retryAfter === undefined ? {} : { "retry-after": String(failure.retryAfter) } });
      }
      send(await this.route(recorded, req.headers["content-type"] ?? ""));
    } catch (error) {
      send({ status: 500, json: { message: `fake server bug: ${(error as Error).message}` } });
    }
  }
}
