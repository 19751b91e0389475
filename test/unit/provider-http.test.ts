/**
 * The HTTP path both hosted clients share (src-main/finetune/providers/providerHttp.ts), against a
 * loopback server: retry-after read as seconds or an HTTP date; a 429 retried for any method but a
 * 5xx only for GET (a repeated POST could start and bill a second run); a storm gives up, saying
 * how many tries it made; and the estimate's arithmetic.
 */
import { afterEach, describe, expect, it } from "vitest";
import { estimateCostUsd } from "../../src-main/finetune/providers/provider.ts";
import { providerHttp, retryAfterMs } from "../../src-main/finetune/providers/providerHttp.ts";
import { LoopbackApi } from "../helpers/fakeHttp.ts";

const KEY = "key_for_the_http_test_0123";
const servers: LoopbackApi[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function server(): Promise<LoopbackApi> {
  const api = new LoopbackApi(KEY, () => ({ status: 401, json: { message: "bad key" } }), (status) => ({ message: `scripted ${status}` }), () => ({ status: 200, json: { ok: true } }));
  await api.listen();
  servers.push(api);
  return api;
}

describe("provider HTTP", () => {
  it("reads retry-after as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-12-07T10:00:00Z");
    expect(retryAfterMs("2", now)).toBe(2000);
    expect(retryAfterMs("Mon, 07 Dec 2026 10:00:03 GMT", now)).toBe(3000);
    expect(retryAfterMs("soon", now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });

  it("retries a GET's 5xx and any 429, never a POST's 5xx, and gives up after its tries", async () => {
    const api = await server();
    const retries: string[] = [];
    const http = providerHttp({ provider: "Prov", baseUrl: api.url, apiKey: KEY, keyHint: "PROV_KEY", maxRetries: 2, onRetry: (message) => retries.push(message) });

    api.fail({ status: 503, times: 1, retryAfter: 0, method: "GET" });
    expect(await http.json({ method: "GET", path: "/thing" })).toEqual({ ok: true });
    expect(retries).toEqual(["Prov answered 503 (scripted 503); trying again in 0.0 s"]);

    api.fail({ status: 500, times: 1, method: "POST" });
    await expect(http.json({ method: "POST", path: "/runs", json: {} })).rejects.toThrow("Prov: POST /runs failed with 500: scripted 500");
    expect(api.requests.filter((r) => r.method === "POST")).toHaveLength(1);

    api.fail({ status: 429, times: 1, retryAfter: 0, method: "POST" });
    expect(await http.json({ method: "POST", path: "/runs", json: {} })).toEqual({ ok: true });

    api.fail({ status: 429, times: 10, retryAfter: 0 });
    await expect(http.json({ method: "GET", path: "/thing" })).rejects.toThrow("Prov: GET /thing failed with 429 after 3 tries: scripted 429");

    const wrong = providerHttp({ provider: "Prov", baseUrl: api.url, apiKey: "not-the-key", keyHint: "PROV_KEY" });
    const refusal = await wrong.json({ method: "GET", path: "/thing" }).catch((error: Error) => error.message);
    expect(refusal).toBe("Prov refused the API key (401: bad key); check PROV_KEY");
  });

  it("estimates training tokens × epochs × price per million", () => {
    expect(estimateCostUsd(1_000_000, 3, 0.48)).toBeCloseTo(1.44, 12);
    expect(estimateCostUsd(0, 3, 0.48)).toBe(0);
  });
});
