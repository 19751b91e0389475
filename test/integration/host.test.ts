import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startAppHost } from "../../src-main/host/appHost.ts";
import type { ApiResult, LetterPage } from "../../src-shared/api.ts";
import { runCli } from "../helpers/cli.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const running: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const host of running.splice(0)) await host.close();
});

type Reply = { status: number; body: string };

function send(port: number, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method: options.method ?? "POST", path: options.path, headers: options.headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

async function host() {
  const dataDir = tempDir();
  const staticDir = path.join(tempDir(), "renderer");
  mkdirSync(staticDir);
  writeFileSync(path.join(staticDir, "index.html"), "<!doctype html><title>OncoTimeline</title>");
  const started = await startAppHost({ dataDir, staticDir, log: () => {} });
  running.push(started);
  const call = (name: string, input: unknown, token = started.token) =>
    send(started.port, { path: `/api/${name}`, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(input) });
  return { ...started, dataDir, call };
}

describe("loopback host", () => {
  it("rejects a missing or wrong token with 401 and answers the right one", async () => {
    const { port, token, call, url } = await host();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{43}$/);

    const missing = await send(port, { path: "/api/app.info", body: "{}" });
    expect(missing.status).toBe(401);
    expect((JSON.parse(missing.body) as ApiResult<unknown>).ok).toBe(false);

    const wrong = await call("app.info", {}, `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`);
    expect(wrong.status).toBe(401);
    const basic = await send(port, { path: "/api/app.info", headers: { authorization: `Basic ${token}` }, body: "{}" });
    expect(basic.status).toBe(401);

    const ok = await call("app.info", {});
    expect(ok.status).toBe(200);
    const info = JSON.parse(ok.body) as ApiResult<{ letters: number; version: string }>;
    expect(info).toMatchObject({ ok: true, value: { letters: 0 } });
  });

  it("refuses another Host (DNS rebinding), unknown calls and invalid input, each with a reason", async () => {
    const { port, token, call } = await host();
    const rebound = await send(port, { path: "/api/app.info", headers: { authorization: `Bearer ${token}`, host: "evil.example:80" }, body: "{}" });
    expect(rebound.status).toBe(421);

    const unknown = await call("letters.drop", {});
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ ok: false, error: { code: "unknown-call" } });

    const invalid = await call("letters.get", { id: "x" });
    expect(invalid.status).toBe(400);
    expect(JSON.parse(invalid.body)).toMatchObject({ ok: false, error: { code: "invalid-input", message: expect.stringContaining("id") } });

    const extra = await call("letters.list", { limit: 10, sql: "DROP TABLE letters" });
    expect(extra.status).toBe(400);

    const notJson = await send(port, { path: "/api/app.info", headers: { authorization: `Bearer ${token}` }, body: "{not json" });
    expect(notJson.status).toBe(400);

    const missing = await call("letters.get", { id: 999 });
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ ok: false, error: { code: "not-found", message: "no letter 999" } });
  });

  it("serves the built interface without the token, and nothing outside its folder", async () => {
    const { port } = await host();
    const index = await send(port, { method: "GET", path: "/" });
    expect(index.status).toBe(200);
    expect(index.body).toContain("<title>OncoTimeline</title>");
    for (const escape of ["/../package.json", "/%2e%2e/package.json", "/..%2fpackage.json", "/%00"]) {
      expect((await send(port, { method: "GET", path: escape })).status, escape).not.toBe(200);
    }
  });

  it("imports uploaded letters with a result per file and pages through them", async () => {
    const { call } = await host();
    const demo = path.resolve("resources/demo/letters");
    const names = ["P001_2021-03-15_initial-assessment.txt", "P001_2021-07-08_treatment-review.txt"];
    const files = names.map((name) => ({ name, base64: readFileSync(path.join(demo, name)).toString("base64") }));
    files.push({ name: "broken.txt", base64: Buffer.from([0, 1, 2, 3, 0, 0, 255, 254, 0]).toString("base64") });
    const first = JSON.parse((await call("letters.upload", { files })).body) as ApiResult<{ imported: number; files: { source: string; status: string; message: string | null }[] }>;
    if (!first.ok) throw new Error(first.error.message);
    expect(first.value.imported).toBe(2);
    expect(first.value.files.find((file) => file.source === "broken.txt")).toMatchObject({ status: "problem", message: expect.any(String) });
    const again = JSON.parse((await call("letters.upload", { files: files.slice(0, 1) })).body) as ApiResult<{ imported: number; duplicates: number }>;
    expect(again).toMatchObject({ ok: true, value: { imported: 0, duplicates: 1 } });

    const page = JSON.parse((await call("letters.list", { offset: 0, limit: 1 })).body) as ApiResult<LetterPage>;
    expect(page).toMatchObject({ ok: true, value: { total: 2, rows: [{ patient: "P001", status: "not_extracted", review: "unreviewed" }] } });
    const filtered = JSON.parse((await call("letters.list", { search: "treatment-review" })).body) as ApiResult<LetterPage>;
    expect(filtered).toMatchObject({ ok: true, value: { total: 1 } });
  });
});

describe("oncotimeline serve", () => {
  it("prints the URL with its token, answers on it, and stops cleanly on Ctrl-C", async () => {
    const dataDir = tempDir();
    let answered: unknown;
    const result = await runCli(["--data", dataDir, "--json", "serve"], {
      onEvent: (event, child) => {
        if (event.type !== "serving") return;
        const url = new URL(event.url as string);
        const token = /token=([^&]+)/.exec(url.hash)?.[1] ?? "";
        void send(Number(url.port), { path: "/api/app.info", headers: { authorization: `Bearer ${token}` }, body: "{}" })
          .then((reply) => (answered = JSON.parse(reply.body)))
          .finally(() => child.kill("SIGINT"));
      },
    });
    expect(result.code).toBe(0);
    expect(result.events[0]).toMatchObject({ type: "serving", url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{43}$/), dataDir });
    expect(answered).toMatchObject({ ok: true, value: { dataDir, letters: 0 } });
  }, 60_000);
});
