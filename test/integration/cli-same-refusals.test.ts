/**
 * One validation for the CLI and the app: a value the app refuses through the API contract is
 * refused by the CLI's flag too, with the same words (only the field's name differs: the API
 * names the input's field, the CLI the flag as typed).
 */
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { dispatchApiCall } from "../../src-main/api/dispatch.ts";
import { createServices, type Services } from "../../src-main/api/services.ts";
import type { ApiName, SettingsView } from "../../src-shared/api.ts";
import { runCli } from "../helpers/cli.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const open: Services[] = [];
afterEach(async () => {
  for (const services of open.splice(0)) await services.close();
});

/** The API's refusal of the input, as "<field>: <what is wrong>" with the call's name taken off. */
async function apiRefusal(name: ApiName, input: unknown): Promise<string> {
  const services = createServices({ dataDir: tempDir(), log: () => {} });
  open.push(services);
  const result = await dispatchApiCall(services.handlers, name, input);
  if (result.ok) throw new Error(`${name} accepted ${JSON.stringify(input)}`);
  expect(result.error.code).toBe("invalid-input");
  return result.error.message.slice(`${name}: `.length);
}

async function settingsWith(extraction: Record<string, unknown>): Promise<SettingsView> {
  const services = createServices({ dataDir: tempDir(), log: () => {} });
  open.push(services);
  const current = await dispatchApiCall(services.handlers, "settings.get", {});
  if (!current.ok) throw new Error(current.error.message);
  const settings = current.value as SettingsView;
  return { ...settings, extraction: { ...settings.extraction, ...extraction } };
}

describe("the CLI refuses what the app refuses, in the same words", () => {
  const cases = [
    { flag: "--max-tokens", value: "10", field: "maxTokens", input: 10 },
    { flag: "--parallel", value: "0", field: "parallel", input: 0 },
    { flag: "--context", value: "100", field: "contextSize", input: 100 },
    { flag: "--contexts", value: "1.5", field: "contexts", input: 1.5 },
    { flag: "--gpu", value: "maybe", field: "gpu", input: "maybe" },
  ];

  it.each(cases)("extract $flag $value and settings.set extraction.$field", async ({ flag, value, field, input }) => {
    const api = await apiRefusal("settings.set", await settingsWith({ [field]: input }));
    const prefix = `extraction.${field}: `;
    expect(api.startsWith(prefix), api).toBe(true);

    const cli = await runCli(["--data", tempDir(), "extract", flag, value]);
    expect(cli.code).toBe(2);
    // Refused before any model is looked for: the flag is the only problem named.
    expect(cli.stderr.trim()).toBe(`oncotimeline: ${flag} ${value}: ${api.slice(prefix.length)}`);
  });

  it("export --format and export.run's format", async () => {
    const data = tempDir();
    const api = await apiRefusal("export.run", { format: "xlsx", out: path.join(data, "x") });
    expect(api).toMatch(/^format: /);
    const cli = await runCli(["--data", data, "export", "--format", "xlsx", "--out", path.join(data, "x")]);
    expect(cli.code).toBe(2);
    expect(cli.stderr.trim()).toBe(`oncotimeline: --format xlsx: ${api.slice("format: ".length)}`);
  });

  it("synth generate --budget and synth.generate's budgetUsd", async () => {
    const api = await apiRefusal("synth.generate", { rows: [{ cancer: "breast" }], budgetUsd: -1 });
    expect(api).toMatch(/^budgetUsd: /);
    const cli = await runCli(["--data", tempDir(), "synth", "generate", "--n", "1", "--budget", "-1"], { env: { ANTHROPIC_API_KEY: "sk-never-used", ANTHROPIC_BASE_URL: "http://127.0.0.1:9" } });
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain(`oncotimeline: --budget -1: ${api.slice("budgetUsd: ".length)}`);
  });

  it("eval score --resamples and eval.scoreQaFiles's resamples", async () => {
    const api = await apiRefusal("eval.scoreQaFiles", { goldPath: "g.jsonl", predPath: "p.jsonl", resamples: 5 });
    expect(api).toMatch(/^resamples: /);
    const cli = await runCli(["eval", "score", "--gold", "g.jsonl", "--pred", "p.jsonl", "--resamples", "5"]);
    expect(cli.code).toBe(2);
    expect(cli.stderr.trim()).toBe(`oncotimeline: --resamples 5: ${api.slice("resamples: ".length)}`);
  });
});
