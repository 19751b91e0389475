/**
 * The subset of `fetch` the engine uses (string URL, method, headers, string body, signal),
 * over node:http/https.
 *
 * Why not the global fetch: its built-in undici agent gives up after 300 s without response
 * headers (UND_ERR_HEADERS_TIMEOUT), and a non-streamed completion sends its headers only when
 * the whole document is generated, which on a busy GPU server can take longer. Changing that
 * agent needs the undici package. node:http has no such limit; the engine's own per-letter
 * timeout (default 10 minutes) is the only one. Redirects are never followed.
 */
import http from "node:http";
import https from "node:https";

/** A timeline document is a few kB; an answer this large is a misconfigured server, not a result. */
const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

export const nodeHttpFetch: typeof fetch = (input, init) => {
  if (typeof input !== "string" && !(input instanceof URL)) return Promise.reject(new TypeError("nodeHttpFetch takes a URL, not a Request"));
  const url = new URL(input);
  const body = init?.body ?? null;
  if (body !== null && typeof body !== "string") return Promise.reject(new TypeError("nodeHttpFetch sends string bodies only"));
  const headers: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, key) => {
    headers[key] = value;
  });
  if (body !== null) headers["content-length"] = String(Buffer.byteLength(body));
  const signal = init?.signal ?? undefined;
  const client = url.protocol === "https:" ? https : url.protocol === "http:" ? http : undefined;
  if (!client) return Promise.reject(new TypeError(`unsupported protocol ${url.protocol}`));

  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const request = client.request(url, { method: init?.method ?? "GET", headers });
    const onAbort = () => {
      request.destroy();
      reject(abortReason(signal));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const done = () => signal?.removeEventListener("abort", onAbort);
    request.on("error", (error) => {
      done();
      reject(new TypeError("fetch failed", { cause: error }));
    });
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      let received = 0;
      response.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received > MAX_RESPONSE_BYTES) {
          done();
          request.destroy();
          reject(new TypeError("fetch failed", { cause: new Error(`the answer exceeded ${MAX_RESPONSE_BYTES / 1024 / 1024} MiB`) }));
          return;
        }
        chunks.push(chunk);
      });
      response.on("error", (error) => {
        done();
        reject(new TypeError("fetch failed", { cause: error }));
      });
      response.on("end", () => {
        done();
        if (!response.complete) {
          reject(new TypeError("fetch failed", { cause: new Error("the connection closed before the whole answer arrived") }));
          return;
        }
        const status = response.statusCode ?? 0;
        const responseHeaders = new Headers();
        for (const [key, value] of Object.entries(response.headers)) {
          if (value === undefined) continue;
          for (const item of Array.isArray(value) ? value : [value]) responseHeaders.append(key, item);
        }
        const nullBody = status === 204 || status === 205 || status === 304;
        resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, statusText: response.statusMessage ?? "", headers: responseHeaders }));
      });
    });
    request.end(body ?? undefined);
  });
};

function abortReason(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new DOMException("This operation was aborted", "AbortError");
}
