/**
 * The app's side of hosted fine-tuning (finetune.hosted* through dispatchApiCall, as the screens
 * call it): the estimate from the price setting, a real letter refused before any request, the key
 * taken from the app's own store (not the environment) and never in an answer, a run followed to
 * its end by polls, a ceiling on the estimate, and Together's adapter fetched into the data folder.
 */
import { existsSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { dispatchApiCall } from "../../src-main/api/dispatch.ts";
import { createServices, type Services } from "../../src-main/api/services.ts";
import { openStore } from "../../src-main/store/db.ts";
import type { ApiName, SecretName, SecretStore } from "../../src-shared/api.ts";
import { FAKE_OPENPIPE_KEY, FakeOpenPipe } from "../helpers/fakeOpenPipe.ts";
import { FAKE_TOGETHER_KEY, fakeArchive, FakeTogether } from "../helpers/fakeTogether.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { syntheticRows, writeTrainingSet } from "../helpers/trainingSetStore.ts";

const tempDir = useTempDirs();
const ENV = ["OPENPIPE_API_KEY", "TOGETHER_API_KEY", "OPENPIPE_BASE_URL", "TOGETHER_BASE_URL"] as const;
let saved: Record<string, string | undefined> = {};
let services: Services | undefined;
const fakes: { close(): Promise<void> }[] = [];

beforeEach(() => {
  saved = Object.fromEntries(ENV.map((name) => [name, process.env[name]]));
  for (const name of ENV) delete process.env[name];
});
afterEach(async () => {
  await services?.close();
  services = undefined;
  for (const fake of fakes.splice(0)) await fake.close();
  for (const name of ENV) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

function memorySecrets(entries: Partial<Record<SecretName, string>>): SecretStore {
  return { get: (name) => entries[name] ?? null, set: (name, value) => void (entries[name] = value), delete: (name) => void delete entries[name], has: (name) => entries[name] !== undefined };
}

/** A data folder with a synthetic set of 20 train and 4 test rows and a set holding a real letter; the base model's id. */
function store(): { data: string; baseModelId: number } {
  const data = tempDir();
  writeTrainingSet(data, "synth", { train: syntheticRows(20), test: syntheticRows(4, "synthetic-test") });
  writeTrainingSet(data, "mixed", { train: [...syntheticRows(2), { id: "letter-9", user: "A real letter.", assistant: "{}", tokens: 700 }], test: [] }, "contains-real");
  const db = openStore(data);
  const baseModelId = (db.prepare("SELECT id FROM models").get() as { id: number }).id;
  db.close();
  return { data, baseModelId };
}

async function call<T = unknown>(name: ApiName, input: unknown): Promise<T> {
  const result = await dispatchApiCall(services?.handlers as Services["handlers"], name, input);
  if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code });
  return result.value as T;
}

const failure = (promise: Promise<unknown>) => promise.then(() => null, (error: Error & { code: string }) => ({ code: error.code, message: error.message }));

describe("finetune.hosted* (the app)", () => {
  it("estimates from the price setting, refuses a real letter before any request, and runs an OpenPipe fine-tune with the app's stored key", async () => {
    const fake = await FakeOpenPipe.start();
    fakes.push(fake);
    process.env.OPENPIPE_BASE_URL = fake.baseUrl;
    const { data, baseModelId } = store();
    const secrets = memorySecrets({});
    services = createServices({ dataDir: data, log: () => {}, secrets });
    const tokens = 20 * 1000 + (20 * 19) / 2;

    const estimate = await call<{ usd: number; trainingTokens: number }>("finetune.hostedEstimate", { provider: "openpipe", dataset: "synth", baseModelId, recipe: { epochs: 3 } });
    expect(estimate).toMatchObject({ trainingTokens: tokens, epochs: 3, pricePerMillionTokens: 0.48 });
    const settings = await call<Record<string, unknown>>("settings.get", {});
    await call("settings.set", { ...settings, hostedFinetune: { openpipePricePerMillionTokens: 2.5, togetherPricePerMillionTokens: 0.48 } });
    expect(await call("finetune.hostedEstimate", { provider: "openpipe", dataset: "synth", baseModelId, recipe: { epochs: 3 } })).toMatchObject({ pricePerMillionTokens: 2.5, usd: (tokens * 3 * 2.5) / 1e6 });

    for (const name of ["finetune.hostedEstimate", "finetune.hostedSubmit"] as const) {
      expect(await failure(call(name, { provider: "openpipe", dataset: "mixed", baseModelId }))).toEqual({ code: "invalid-input", message: expect.stringContaining('training set "mixed" holds real letters') });
    }
    expect(await failure(call("finetune.hostedSubmit", { provider: "openpipe", dataset: "synth", baseModelId, maxUsd: 0.01 }))).toEqual({ code: "conflict", message: expect.stringContaining("is over --max-usd $0.01: nothing was sent") });
    // No key stored and none in the environment: said where to put it, nothing sent.
    expect(await failure(call("finetune.hostedSubmit", { provider: "openpipe", dataset: "synth", baseModelId }))).toEqual({ code: "failed", message: expect.stringContaining("no OpenPipe API key: add the OpenPipe API key in Settings") });
    expect(fake.requests).toHaveLength(0);

    await call("secrets.set", { name: "openpipe-api-key", value: FAKE_OPENPIPE_KEY });
    const submitted = await call<{ jobId: number; state: string; providerStatus: string }>("finetune.hostedSubmit", { provider: "openpipe", dataset: "synth", baseModelId, name: "app-run" });
    expect(submitted).toMatchObject({ state: "running", providerStatus: "PENDING", runId: `app-run-job-${submitted.jobId}` });
    expect(fake.requests.every((request) => request.headers.authorization === `Bearer ${FAKE_OPENPIPE_KEY}`)).toBe(true);
    const looks: string[] = [];
    for (let look = 0; look < 3; look += 1) looks.push((await call<{ providerStatus: string }>("finetune.hostedGet", { jobId: submitted.jobId, poll: true })).providerStatus);
    expect(looks).toEqual(["PENDING", "TRAINING", "DEPLOYED"]);
    const list = await call<{ state: string; artefacts: { kind: string }[] }[]>("finetune.hostedList", {});
    expect(list).toMatchObject([{ jobId: submitted.jobId, state: "done", providerStatus: "DEPLOYED" }]);
    expect(list[0]?.artefacts.map((artefact) => artefact.kind)).toEqual(["endpoint", "web-export"]);
    const jobs = await call<{ kind: string; engine: string }[]>("jobs.list", { limit: 10 });
    expect(jobs).toMatchObject([{ kind: "finetune:openpipe", engine: "OpenPipe DEPLOYED", state: "done" }]);
    expect(JSON.stringify([submitted, list, jobs])).not.toContain(FAKE_OPENPIPE_KEY);
  }, 60_000);

  it("runs a Together fine-tune to completion and fetches its adapter into the job's folder; cancel of a finished run is refused in the job's words", async () => {
    const fake = await FakeTogether.start();
    fakes.push(fake);
    process.env.TOGETHER_BASE_URL = fake.baseUrl;
    const { data, baseModelId } = store();
    services = createServices({ dataDir: data, log: () => {}, secrets: memorySecrets({ "together-api-key": FAKE_TOGETHER_KEY }) });
    const submitted = await call<{ jobId: number }>("finetune.hostedSubmit", { provider: "together", dataset: "synth", baseModelId, recipe: { rank: 16, alpha: 32 } });
    expect((fake.requests.find((request) => request.path === "/v1/fine-tunes")?.body as { training_type: unknown }).training_type).toEqual({ type: "Lora", lora_r: 16, lora_alpha: 32, lora_dropout: 0.05, lora_trainable_modules: "all-linear" });
    let status = { state: "running", providerStatus: "" };
    while (status.state === "running") status = await call("finetune.hostedGet", { jobId: submitted.jobId, poll: true });
    expect(status).toMatchObject({ state: "done", providerStatus: "completed" });
    const fetched = await call<{ fetched: { path: string; bytes: number; artefact: string } }>("finetune.hostedFetch", { jobId: submitted.jobId });
    const runId = [...fake.jobs.keys()][0] as string;
    expect(fetched.fetched).toMatchObject({ artefact: "adapter", bytes: fakeArchive(runId, "adapter").length });
    expect(fetched.fetched.path.startsWith(data)).toBe(true);
    expect(existsSync(fetched.fetched.path)).toBe(true);
    expect(await failure(call("finetune.hostedCancel", { jobId: submitted.jobId }))).toEqual({ code: "conflict", message: `fine-tuning job ${submitted.jobId} is already done` });
  }, 60_000);
});
