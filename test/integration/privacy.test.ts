import { copyFileSync, existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ENGINE_FLAGS, EXTRACTION_TEST_TIMEOUT_MS, REPO_ROOT, runCli } from "../helpers/cli.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { useTestModel } from "../helpers/testModel.ts";

const tempDir = useTempDirs();
const HOOK = path.join(REPO_ROOT, "test", "helpers", "no-network.mjs");

const modelPath = useTestModel();

describe("privacy: the extraction path never touches the network", () => {
  it("imports, extracts and exports with every network call refused and none attempted", async () => {
    const letters = tempDir();
    const letter = readdirSync(path.join(REPO_ROOT, "resources", "demo", "letters")).sort()[0] as string;
    copyFileSync(path.join(REPO_ROOT, "resources", "demo", "letters", letter), path.join(letters, letter));
    const data = tempDir();
    const log = path.join(data, "network-attempts.log");
    const env = { NODE_OPTIONS: `--import ${HOOK}`, NO_NETWORK_LOG: log };

    expect((await runCli(["--data", data, "import", letters], { env })).code).toBe(0);
    const extracted = await runCli(["--data", data, "--json", "extract", "--model", modelPath(), ...ENGINE_FLAGS], { env });
    expect(extracted.code, extracted.stderr).toBe(0);
    expect(extracted.events.at(-1)).toMatchObject({ type: "summary", done: 1, failed: 0 });
    expect((await runCli(["--data", data, "export", "--format", "csv", "--out", path.join(data, "o.csv")], { env })).code).toBe(0);
    expect(existsSync(log) ? readFileSync(log, "utf8") : "").toBe("");
  }, EXTRACTION_TEST_TIMEOUT_MS);

  it("the hook itself works: a network call under it is refused and logged", async () => {
    const data = tempDir();
    const log = path.join(data, "network-attempts.log");
    const { execFileSync } = await import("node:child_process");
    const script =
      'fetch("http://127.0.0.1:9/").catch(e => console.log(e.message));' +
      'try { require("node:net").connect(9, "127.0.0.1"); } catch (e) { console.log(e.message); }';
    const out = execFileSync(process.execPath, ["--import", HOOK, "-e", script], { env: { ...process.env, NO_NETWORK_LOG: log } }).toString();
    expect(out).toContain("network access refused");
    expect(readFileSync(log, "utf8")).toContain("fetch http://127.0.0.1:9/");
    expect(readFileSync(log, "utf8")).toMatch(/net connect .*"port":9/);
  });
});
