import { readdirSync, readFileSync } from "node:fs";
import type { Bundle } from "@medplum/fhirtypes";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { afterEach, describe, expect, it } from "vitest";
import { REPO_ROOT, runCli } from "../helpers/cli.ts";
import { checkBundle } from "../helpers/fhir/checks.ts";
import { startFakeOpenAiServer, type FakeOpenAiServer } from "../helpers/fakeOpenAiServer.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const DEMO_LETTERS = path.join(REPO_ROOT, "resources", "demo", "letters");
let server: FakeOpenAiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("oncotimeline extract --server (an on-premise OpenAI-compatible server)", () => {
  it("extracts every letter through the server, with the key from the environment, and registers the served model", async () => {
    server = await startFakeOpenAiServer({ apiKey: "sk-test-key-123" });
    const data = tempDir();
    expect((await runCli(["--data", data, "import", DEMO_LETTERS])).code).toBe(0);
    const result = await runCli(["--data", data, "--json", "extract", "--server", server.baseUrl, "--parallel", "4"], {
      env: { ONCOTIMELINE_SERVER_API_KEY: "sk-test-key-123" },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.events.at(-1)).toMatchObject({ type: "summary", done: 16, failed: 0, model: `onco-8b@127.0.0.1:${server.port}` });
    expect(server.maxConcurrent()).toBeGreaterThan(1);
    expect(result.stdout + result.stderr).not.toContain("sk-test-key-123");

    const out = path.join(data, "letters.csv");
    expect((await runCli(["--data", data, "export", "--format", "csv-wide", "--out", out])).code).toBe(0);
    const rows = parse(readFileSync(out), { columns: true }) as Record<string, string>[];
    expect(rows.map((row) => row.status)).toEqual(Array(16).fill("extracted"));
    const listed = await runCli(["--data", data, "models", "list"]);
    expect(listed.stdout).toContain(`onco-8b@127.0.0.1:${server.port}\t0 B\t${server.baseUrl}`);
    expect(listed.stdout).not.toContain("file missing");

    // FHIR: one mCODE bundle per patient, each valid R4 (the store's real export path).
    const fhirDir = path.join(data, "fhir");
    const fhir = await runCli(["--data", data, "--json", "export", "--format", "fhir", "--out", fhirDir]);
    expect(fhir.code, fhir.stderr).toBe(0);
    const patients = [...new Set(readdirSync(DEMO_LETTERS).map((name) => name.split("_")[0]))].sort();
    expect(readdirSync(fhirDir).sort()).toEqual(patients.map((id) => `${id}.json`));
    for (const file of readdirSync(fhirDir)) {
      const bundle = JSON.parse(readFileSync(path.join(fhirDir, file), "utf8")) as Bundle;
      expect(bundle).toMatchObject({ resourceType: "Bundle", type: "collection" });
      checkBundle(bundle);
    }

    // JSON and REDCap through the CLI: every letter, one record per patient, every column defined.
    const json = path.join(data, "export.json");
    expect((await runCli(["--data", data, "export", "--format", "json", "--out", json])).code).toBe(0);
    const exported = JSON.parse(readFileSync(json, "utf8")) as { letters: unknown[]; patients: unknown[] };
    expect([exported.letters.length, exported.patients.length]).toEqual([16, patients.length]);
    const redcapDir = path.join(data, "redcap");
    expect((await runCli(["--data", data, "export", "--format", "redcap", "--out", redcapDir])).code).toBe(0);
    const dictionary = parse(readFileSync(path.join(redcapDir, "data-dictionary.csv")), { columns: true }) as Record<string, string>[];
    const defined = new Set(dictionary.map((row) => row["Variable / Field Name"]));
    const [header] = parse(readFileSync(path.join(redcapDir, "import.csv")), { to_line: 1 }) as string[][];
    expect(header?.filter((column) => !defined.has(column) && !column.startsWith("redcap_repeat_"))).toEqual([]);
    const audit = await runCli(["--data", data, "--json", "audit", "list", "--action", "export"]);
    expect(audit.events.map((event) => (event.details as { format: string }).format)).toEqual(["redcap", "json", "fhir", "csv-wide"]);
  });

  it("refuses a server that is not this machine unless marked on-premise, and a cloud API always (exit 2, nothing sent)", async () => {
    const data = tempDir();
    const remote = await runCli(["--data", data, "extract", "--server", "http://gpu01.hospital.example:8080/v1"]);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain("mark it as on-premise (--on-premise)");
    const cloud = await runCli(["--data", data, "extract", "--server", "https://api.openai.com/v1", "--on-premise"]);
    expect(cloud.code).toBe(2);
    expect(cloud.stderr).toContain("real letters must never go to a cloud API");
  });

  it("stops with one clear line when the server cannot be reached", async () => {
    const data = tempDir();
    expect((await runCli(["--data", data, "import", DEMO_LETTERS])).code).toBe(0);
    const result = await runCli(["--data", data, "extract", "--server", "http://127.0.0.1:9/v1"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/could not reach the inference server at 127\.0\.0\.1:9/);
  });
});
