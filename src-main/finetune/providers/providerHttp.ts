/**
 * The one HTTP path both hosted clients use (Node's fetch): a bearer key, the provider's error
 * words surfaced, and rate limits waited out. A 429 is retried for every method (the request was
 * not taken); a 5xx only for GET, since a repeated POST could create a second dataset or run and
 * bill twice. The key goes in the Authorization header only: no message here ever holds it.
 */
import { sleep } from "../../base/sleep.ts";
import { ProviderError } from "./provider.ts";

export type HttpOptions = {
  /** The provider's name as users know it, for messages ("OpenPipe"). */
  provider: string;
  baseUrl: string;
  apiKey: string;
  /** Where the key is read from, for the message a 401 gives. */
  keyHint: string;
  fetch?: typeof fetch;
  /** Tries after the first, for 429s and GET 5xxs. Default 5. */
  maxRetries?: number;
  /** The longest wait between tries, whatever retry-after asks. Default 60 s. */
  maxWaitMs?: number;
  onRetry?: (message: string) => void;
};

type Request = { method: "GET" | "POST" | "DELETE"; path: string; query?: Record<string, string>; json?: unknown; form?: FormData; timeoutMs?: number };

export type ProviderHttp = {
  json<T>(request: Request): Promise<T>;
  /** The response itself, for a download to stream. */
  raw(request: Request): Promise<Response>;
};

/** Seconds or an HTTP date, as RFC 9110 allows; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (header === null || header.trim() === "") return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The provider's own words from an error body: OpenPipe's {message}, Together's {error: {message}} or {message}, or the text. */
function errorWords(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    if (typeof body.message === "string") return body.message;
    if (typeof body.error === "string") return body.error;
    if (body.error && typeof (body.error as { message?: unknown }).message === "string") return (body.error as { message: string }).message;
  } catch {
    // Not JSON: the text says it.
  }
  return text.trim().slice(0, 500) || "(no message)";
}

export function providerHttp(options: HttpOptions): ProviderHttp {
  const doFetch = options.fetch ?? fetch;
  const maxRetries = options.maxRetries ?? 5;
  const maxWaitMs = options.maxWaitMs ?? 60_000;
  const base = options.baseUrl.replace(/\/+$/, "");

  async function raw(request: Request): Promise<Response> {
    const url = new URL(`${base}${request.path}`);
    for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, value);
    for (let attempt = 0; ; attempt += 1) {
      const headers: Record<string, string> = { authorization: `Bearer ${options.apiKey}`, accept: "application/json" };
      let body: string | FormData | undefined;
      if (request.json !== undefined) {
        headers["content-type"] = "application/json";
        body = JSON.stringify(request.json);
      } else if (request.form) {
        body = request.form;
      }
      let response: Response;
      try {
        response = await doFetch(url, { method: request.method, headers, body, redirect: "error", signal: AbortSignal.timeout(request.timeoutMs ?? 120_000) });
      } catch (error) {
        throw new ProviderError(`${options.provider}: ${request.method} ${request.path} could not be sent (${(error as Error).message})`);
      }
      if (response.ok) return response;
      const retryable = response.status === 429 || (request.method === "GET" && response.status >= 500);
      const text = await response.text();
      if (retryable && attempt < maxRetries) {
        const asked = retryAfterMs(response.headers.get("retry-after"));
        const wait = Math.min(maxWaitMs, asked ?? 1000 * 2 ** attempt);
        options.onRetry?.(`${options.provider} answered ${response.status} (${errorWords(text)}); trying again in ${(wait / 1000).toFixed(1)} s`);
        await sleep(wait);
        continue;
      }
      if (response.status === 401 || response.status === 403) {
        throw new ProviderError(`${options.provider} refused the API key (${response.status}: ${errorWords(text)}); check ${options.keyHint}`, response.status);
      }
      const tries = retryable ? ` after ${attempt + 1} tries` : "";
      throw new ProviderError(`${options.provider}: ${request.method} ${request.path} failed with ${response.status}${tries}: ${errorWords(text)}`, response.status);
    }
  }

  return {
    raw,
    async json<T>(request: Request): Promise<T> {
      const response = await raw(request);
      const text = await response.text();
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new ProviderError(`${options.provider}: ${request.method} ${request.path} answered with something that is not JSON: ${text.slice(0, 200)}`);
      }
    },
  };
}
