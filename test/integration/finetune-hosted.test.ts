/**
 * Hosted fine-tuning through the real CLI and the real OpenPipe and Together clients, against
 * loopback servers that speak each documented API (test/helpers/fakeOpenPipe.ts, fakeTogether.ts):
 * upload, start, status through to success, per-entry validation errors, a refused key, a 429 with
 * retry-after waited out, a failed run's message reaching the user, cancel, and the adapter's
 * download. A set holding a real letter never reaches either provider: refused before any request.
 */
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createServices } from "../../src-main/api/services.ts";
import { runCli } from "../helpers/cli.ts";
import { FAKE_OPENPIPE_KEY, FakeOpenPipe } from "../helpers/fakeOpenPipe.ts";
import { FAKE_TOGETHER_KEY, fakeArchive, FakeTogether } from "../helpers/fakeTogether.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { syntheticRows, writeTrainingSet } from "../helpers/trainingSetStore.ts";

const tempDir = useTempDirs();
const fakes: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const fake of fakes.splice(0)) await fake.close();
});

async function openPipe(options: Parameters<typeof FakeOpenPipe.start>[0] = {}): Promise<FakeOpenPipe> {
  const fake = await FakeOpenPipe.start(options);
  fakes.push(fake);
  return fake;
}

async function together(options: Parameters<typeof FakeTogether.start>[0] = {}): Promise<FakeTogether> {
  const fake = await FakeTogether.start(options);
  fakes.push(fake);
  return fake;
}

/** The real CLI with the providers' keys and base URLs in its environment (and no other keys). */
function cli(data: string, args: string[], env: Record<string, string> = {}) {
  return runCli(["--data", data, "--json", ...args], { env: { OPENPIPE_API_KEY: "", TOGETHER_API_KEY: "", OPENPIPE_BASE_URL: "", TOGETHER_BASE_URL: "", ...env } });
}

const openPipeEnv = (fake: FakeOpenPipe, key = FAKE_OPENPIPE_KEY) => ({ OPENPIPE_API_KEY: key, OPENPIPE_BASE_URL: fake.baseUrl });
const togetherEnv = (fake: FakeTogether, key = FAKE_TOGETHER_KEY) => ({ TOGETHER_API_KEY: key, TOGETHER_BASE_URL: fake.baseUrl });

/** 230 train rows and 20 test rows: three OpenPipe batches of 100. */
function store(train = syntheticRows(230), test = syntheticRows(20, "synthetic-test")): string {
  const data = tempDir();
  writeTrainingSet(data, "synth", { train, test });
  return data;
}

const sumTokens = (count: number) => 1000 * count + (count * (count - 1)) / 2;
type Event = Record<string, unknown>;
const ofType = (events: Event[], type: string) => events.filter((event) => event.type === type);

describe("OpenPipe", () => {
  it("estimates, uploads in batches, starts a Llama 3.1 8B Instruct fine-tune, and follows it to DEPLOYED; the key is never printed or stored", async () => {
    const fake = await openPipe();
    const data = store();
    const estimateOnly = await cli(data, ["finetune", "submit", "--provider", "openpipe", "--dataset", "synth", "--base", "llama-base", "--epochs", "2", "--estimate"], openPipeEnv(fake));
    expect(estimateOnly.code, estimateOnly.stderr).toBe(0);
    expect(fake.requests).toHaveLength(0);
    const [estimate] = ofType(estimateOnly.events, "estimate");
    expect(estimate).toMatchObject({ provider: "openpipe", trainingTokens: sumTokens(230), epochs: 2, pricePerMillionTokens: 0.48 });
    expect(estimate?.usd).toBeCloseTo((sumTokens(230) * 2 * 0.48) / 1e6, 12);
    // Over the ceiling: refused, nothing sent.
    const tooDear = await cli(data, ["finetune", "submit", "--provider", "openpipe", "--dataset", "synth", "--base", "llama-base", "--epochs", "2", "--max-usd", "0.10"], openPipeEnv(fake));
    expect(tooDear.code).toBe(2);
    expect(tooDear.stderr).toContain("the estimate $0.25 is over --max-usd $0.10: nothing was sent");
    expect(fake.requests).toHaveLength(0);

    const submitted = await cli(data, ["finetune", "submit", "--provider", "openpipe", "--dataset", "synth", "--base", "llama-base", "--epochs", "2", "--name", "Onco_FT"], openPipeEnv(fake));
    expect(submitted.code, submitted.stderr).toBe(0);
    const jobId = ofType(submitted.events, "submitted")[0]?.jobId as number;
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /api/v1/datasets",
      ...Array.from({ length: 3 }, () => expect.stringMatching(/^POST \/api\/v1\/datasets\/dataset_1\/entries$/)),
      "POST /api/v1/models",
    ]);
    const batches = fake.requests.filter((r) => r.path.endsWith("/entries")).map((r) => (r.body as { entries: { split: string; messages: unknown[]; metadata: unknown }[] }).entries);
    expect(batches.map((batch) => batch.length)).toEqual([100, 100, 50]);
    const entries = batches.flat();
    expect(entries.filter((entry) => entry.split === "TRAIN")).toHaveLength(230);
    expect(entries.filter((entry) => entry.split === "TEST")).toHaveLength(20);
    // The chat rows as built, and nothing of ours but the row's synthetic id.
    expect(entries[0]).toEqual({ split: "TRAIN", metadata: { row_id: "synthetic-1" }, messages: [{ role: "system", content: "Extract the timeline." }, { role: "user", content: "Clinic letter 1: carcinoma of the breast, 2021." }, { role: "assistant", content: JSON.stringify({ primary_cancer: { site: "breast", year: 2021, n: 1 } }) }] });
    const create = fake.requests.find((r) => r.path === "/api/v1/models")?.body as { slug: string; datasetId: string; trainingConfig: Record<string, unknown> };
    expect(create).toEqual({ datasetId: "dataset_1", slug: `onco-ft-job-${jobId}`, trainingConfig: { provider: "openpipe", baseModel: "meta-llama/Meta-Llama-3.1-8B-Instruct", enable_sft: true, enable_preference_tuning: false, sft_hyperparameters: { num_epochs: 2 } } });
    expect(fake.requests.every((r) => r.headers.authorization === `Bearer ${FAKE_OPENPIPE_KEY}`)).toBe(true);

    // Status in OpenPipe's words, one look at a time: PENDING, TRAINING, DEPLOYED.
    const seen: string[] = [];
    for (let look = 0; look < 3; look += 1) {
      const status = await cli(data, ["finetune", "status", String(jobId)], openPipeEnv(fake));
      expect(status.code, status.stderr).toBe(0);
      seen.push(`${String(ofType(status.events, "finetune")[0]?.state)}/${String(ofType(status.events, "finetune")[0]?.providerStatus)}`);
    }
    expect(seen).toEqual(["running/PENDING", "running/TRAINING", "done/DEPLOYED"]);
    // A finished job is only read: no more requests.
    const before = fake.requests.length;
    const listed = await cli(data, ["finetune", "status"], openPipeEnv(fake));
    expect(ofType(listed.events, "finetune")).toMatchObject([{ jobId, kind: "finetune:openpipe", state: "done", providerStatus: "DEPLOYED", costUsd: null }]);
    expect(fake.requests.length).toBe(before);

    // OpenPipe serves the model and exports weights from its web app only: fetch says exactly what to do.
    const fetched = await cli(data, ["finetune", "fetch", String(jobId)], openPipeEnv(fake));
    expect(fetched.code).toBe(1);
    const artefacts = ofType(fetched.events, "artefact");
    expect(artefacts.map((a) => a.kind)).toEqual(["endpoint", "web-export"]);
    expect(String(artefacts[1]?.description)).toContain(`Fine Tunes → onco-ft-job-${jobId} → Export Weights`);
    expect(String(artefacts[1]?.description)).toContain("oncotimeline models import-hf DIR");

    for (const output of [estimateOnly, tooDear, submitted, fetched, listed]) expect(`${output.stdout}${output.stderr}`).not.toContain(FAKE_OPENPIPE_KEY);
    const files = readdirSync(data).filter((file) => file.includes(".sqlite") || file.includes(".db"));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(readFileSync(path.join(data, file)).includes(FAKE_OPENPIPE_KEY)).toBe(false);
  }, 60_000);

  it("names every refused row by its file and line, sends every batch, and starts no fine-tune", async () => {
    const refuse = new Set(["synthetic-7", "synthetic-150"]);
    const fake = await openPipe({ rejectEntry: (entry) => (refuse.has((entry.metadata as { row_id?: string }).row_id ?? "") ? "messages.1.content: contains a control character" : null) });
    const data = store();
    const submitted = await cli(data, ["finetune", "submit", "--provider", "openpipe", "--dataset", "synth", "--base", "llama-base"], openPipeEnv(fake));
    expect(submitted.code).toBe(2);
    expect(submitted.stderr).toContain("OpenPipe refused 2 of 250 rows, so no fine-tune was started");
    expect(submitted.stderr).toContain("train.jsonl line 7 (synthetic-7): messages.1.content: contains a control character");
    expect(submitted.stderr).toContain("train.jsonl line 150 (synthetic-150): messages.1.content: contains a control character");
    expect(fake.requests.filter((r) => r.path.endsWith("/entries"))).toHaveLength(3);
    expect(fake.requests.some((r) => r.path === "/api/v1/models")).toBe(false);
    // The job row says why it failed.
    const listed = await cli(data, ["finetune", "status"]);
    expect(ofType(listed.events, "finetune")).toMatchObject([{ state: "failed", message: expect.stringContaining("train.jsonl line 7 (synthetic-7)") }]);
  }, 60_000);

  it("a refused key is named with where the key comes from; a 429 is waited out as retry-after asks", async () => {
    const fake = await openPipe();
    const data = store(syntheticRows(5), syntheticRows(1, "synthetic-test"));
    const refused = await cli(data, ["finetune", "submit", "--provider", "openpipe", "--dataset", "synth", "--base", "llama-base"], openPipeEnv(fake, "opk_wrong_key_0000000000"));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("OpenPipe refused the API key (401: Invalid API key); check set OPENPIPE_API_KEY");
    expect(refused.stderr).not.toContain("opk_wrong_key");
    const missing = await cli(data, ["finetune", "submit", "--provider", "openpipe", "--dataset", "synth", "--base", "llama-base"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no OpenPipe API key: set OPENPIPE_API_KEY");

    fake.fail({ status: 429, times: 2, retryAfter: 1, pathPrefix: "/models", method: "POST" });
    const started = Date.now();
    const submitted = await runCli(["--data", data, "finetune", "submit", "--provider", "openpipe", "--dataset", "synth", "--base", "llama-base"], { env: openPipeEnv(fake) });
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(submitted.stderr.match(/OpenPipe answered 429 \(Rate limit exceeded\. Try again later\.\); trying again in 1\.0 s/g)).toHaveLength(2);
    const creates = fake.requests.filter((r) => r.method === "POST" && r.path === "/api/v1/models");
    expect(creates).toHaveLength(3);
    expect((creates[2]?.at ?? 0) - (creates[0]?.at ?? 0)).toBeGreaterThanOrEqual(1900);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    // One run, not three: the 429s created nothing.
    expect(fake.models.size).toBe(1);
  }, 60_000);

  it("a failed run's message reaches the user; a cancel deletes the model", async () => {
    const fake = await openPipe({ statuses: ["PENDING", "ERROR"], errorMessage: "Training failed: the dataset must have at least 10 training entries" });
    const data = store(syntheticRows(5), syntheticRows(1, "synthetic-test"));
    const submitted = await cli(data, ["finetune", "submit", "--provider", "openpipe", "--dataset", "synth", "--base", "llama-base", "--wait", "--poll-seconds", "1"], openPipeEnv(fake));
    expect(submitted.code).toBe(1);
    const last = ofType(submitted.events, "finetune").at(-1);
    expect(last).toMatchObject({ state: "failed", providerStatus: "ERROR", message: "OpenPipe ERROR: Training failed: the dataset must have at least 10 training entries" });
    const human = await runCli(["--data", data, "finetune", "status", String(last?.jobId)]);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain("Training failed: the dataset must have at least 10 training entries");

    const fake2 = await openPipe({ statuses: ["PENDING", "TRAINING"] });
    const second = await cli(data, ["finetune", "submit", "--provider", "openpipe", "--dataset", "synth", "--base", "llama-base", "--name", "again"], openPipeEnv(fake2));
    const jobId = ofType(second.events, "submitted")[0]?.jobId as number;
    const cancelled = await cli(data, ["finetune", "cancel", String(jobId)], openPipeEnv(fake2));
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(ofType(cancelled.events, "finetune")[0]).toMatchObject({ state: "cancelled", providerStatus: "DELETED" });
    expect(fake2.requests.at(-1)).toMatchObject({ method: "DELETE", path: `/api/v1/models/again-job-${jobId}` });
    const again = await cli(data, ["finetune", "cancel", String(jobId)], openPipeEnv(fake2));
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`fine-tuning job ${jobId} is already cancelled`);
  }, 60_000);
});

describe("Together", () => {
  it("uploads the train split as a multipart file, starts a LoRA run with the recipe, follows it with its events to completed, reports the cost, and downloads the adapter", async () => {
    const fake = await together({ nanodollarsPerToken: 480 });
    const data = store(syntheticRows(12), syntheticRows(3, "synthetic-test"));
    const submitted = await cli(data, ["finetune", "submit", "--provider", "together", "--dataset", "synth", "--base", "llama-base", "--epochs", "3", "--name", "onco"], togetherEnv(fake));
    expect(submitted.code, submitted.stderr).toBe(0);
    const jobId = ofType(submitted.events, "submitted")[0]?.jobId as number;
    expect(ofType(submitted.events, "estimate")[0]).toMatchObject({ trainingTokens: sumTokens(12), epochs: 3 });
    const upload = fake.requests[0];
    expect(`${upload?.method} ${upload?.path}`).toBe("POST /v1/files/upload");
    expect(String(upload?.headers["content-type"])).toMatch(/^multipart\/form-data; boundary=/);
    const file = [...fake.files.values()][0];
    // The train split only, as chat rows without our metadata.
    const lines = file?.text.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>) ?? [];
    expect(lines).toHaveLength(12);
    expect(Object.keys(lines[0] ?? {})).toEqual(["messages"]);
    expect(file?.name).toBe(`oncotimeline-onco-job-${jobId}.jsonl`);
    const create = fake.requests.find((r) => r.path === "/v1/fine-tunes")?.body;
    expect(create).toEqual({
      training_file: [...fake.files.keys()][0],
      model: "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference",
      suffix: `onco-job-${jobId}`,
      n_epochs: 3,
      n_checkpoints: 1,
      learning_rate: 2e-4,
      train_on_inputs: false,
      training_type: { type: "Lora", lora_r: 8, lora_alpha: 16, lora_dropout: 0.05, lora_trainable_modules: "all-linear" },
    });

    const followed = await cli(data, ["finetune", "status", String(jobId), "--wait", "--poll-seconds", "1"], togetherEnv(fake));
    expect(followed.code, followed.stderr).toBe(0);
    const states = ofType(followed.events, "finetune").map((event) => event.providerStatus);
    expect(states).toEqual(["pending", "queued", "running", "completed"]);
    const done = ofType(followed.events, "finetune").at(-1) as { state: string; events: string[]; costUsd: number; trainedTokens: number };
    expect(done.state).toBe("done");
    expect(done.events.map((line) => line.replace(/^\S+ /, ""))).toEqual(["[info] Fine tune request created", "[info] Job queued", "[info] Job running", "[info] Job completed"]);
    const tokens = Math.ceil((file?.text.length ?? 0) / 4) * 3;
    expect(done.trainedTokens).toBe(tokens);
    expect(done.costUsd).toBeCloseTo((tokens * 480) / 1e9, 12);

    const fetched = await cli(data, ["finetune", "fetch", String(jobId)], togetherEnv(fake));
    expect(fetched.code, fetched.stderr).toBe(0);
    const runId = [...fake.jobs.keys()][0] as string;
    const target = path.join(data, "finetune", `job-${jobId}`, `${runId}-adapter.tar.zst`);
    expect(ofType(fetched.events, "fetched")[0]).toMatchObject({ path: target, bytes: fakeArchive(runId, "adapter").length });
    expect(readFileSync(target).equals(fakeArchive(runId, "adapter"))).toBe(true);
    expect(fake.requests.at(-1)?.query.get("checkpoint")).toBe("adapter");
    expect(readdirSync(path.dirname(target)).filter((name) => name.endsWith(".part"))).toEqual([]);
    for (const output of [submitted, followed, fetched]) expect(`${output.stdout}${output.stderr}`).not.toContain(FAKE_TOGETHER_KEY);

    // The app's job runtime lists it like any job: the provider's word, the cost it reported.
    const services = createServices({ dataDir: data, log: () => {} });
    try {
      const [listed] = await services.handlers["jobs.list"]({ limit: 10 });
      expect(listed).toMatchObject({ id: jobId, kind: "finetune:together", state: "done", model: "onco", engine: "Together completed", done: 1, total: 1 });
      expect(listed?.costUsd).toBeCloseTo((tokens * 480) / 1e9, 12);
    } finally {
      await services.close();
    }
  }, 60_000);

  it("a 401 names the key's variable; a 429 on status is waited out; a failed run's error event reaches the user; cancel", async () => {
    const fake = await together({ statuses: ["pending", "running", "error"], errorMessage: "Training failed: CUDA out of memory on the worker" });
    const data = store(syntheticRows(4), syntheticRows(1, "synthetic-test"));
    const refused = await cli(data, ["finetune", "submit", "--provider", "together", "--dataset", "synth", "--base", "llama-base"], togetherEnv(fake, "tgp_v1_wrong"));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("Together refused the API key (401: Invalid API key provided.");
    expect(refused.stderr).toContain("check set TOGETHER_API_KEY");

    const submitted = await cli(data, ["finetune", "submit", "--provider", "together", "--dataset", "synth", "--base", "llama-base"], togetherEnv(fake));
    const jobId = ofType(submitted.events, "submitted")[0]?.jobId as number;
    fake.fail({ status: 429, times: 1, retryAfter: 1, pathPrefix: "/fine-tunes/", method: "GET" });
    const followed = await runCli(["--data", data, "finetune", "status", String(jobId), "--wait", "--poll-seconds", "1"], { env: togetherEnv(fake) });
    expect(followed.code).toBe(1);
    expect(followed.stderr).toContain("Together answered 429 (You have been rate limited.); trying again in 1.0 s");
    expect(followed.stdout).toContain("(Together: error)");
    expect(followed.stdout).toContain("Together error: Training failed: CUDA out of memory on the worker");
    // Together's own event log, as it came.
    expect(followed.stdout).toMatch(/^ {2}\S+ \[error\] Training failed: CUDA out of memory on the worker$/m);

    const fake2 = await together({ statuses: ["pending", "queued", "running"] });
    const second = await cli(data, ["finetune", "submit", "--provider", "together", "--dataset", "synth", "--base", "llama-base", "--name", "two"], togetherEnv(fake2));
    const secondId = ofType(second.events, "submitted")[0]?.jobId as number;
    const cancelled = await cli(data, ["finetune", "cancel", String(secondId)], togetherEnv(fake2));
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(ofType(cancelled.events, "finetune")[0]).toMatchObject({ state: "cancelled", providerStatus: "cancel_requested" });
    expect(fake2.requests.some((r) => r.method === "POST" && r.path.endsWith("/cancel"))).toBe(true);
    // Nothing to fetch from a cancelled run.
    const fetched = await cli(data, ["finetune", "fetch", String(secondId)], togetherEnv(fake2));
    expect(fetched.code).toBe(2);
    expect(fetched.stderr).toContain(`fine-tuning job ${secondId} is cancelled`);
  }, 60_000);
});

describe("privacy by construction", () => {
  it("a set holding a real letter is refused for either provider before any request; so is a synthetic set with a real row slipped in", async () => {
    const op = await openPipe();
    const tg = await together();
    const data = tempDir();
    writeTrainingSet(data, "mixed", { train: [...syntheticRows(3), { id: "letter-42", user: "A real clinic letter.", assistant: "{}", tokens: 900 }], test: [] }, "contains-real");
    writeTrainingSet(data, "tampered", { train: syntheticRows(3), test: [{ id: "letter-7", user: "Another real letter.", assistant: "{}", tokens: 800 }] });
    for (const [provider, env] of [["openpipe", openPipeEnv(op)], ["together", togetherEnv(tg)]] as const) {
      const mixed = await cli(data, ["finetune", "submit", "--provider", provider, "--dataset", "mixed", "--base", "llama-base"], { ...openPipeEnv(op), ...togetherEnv(tg), ...env });
      expect(mixed.code).toBe(2);
      expect(mixed.stderr).toContain('training set "mixed" holds real letters: it can be used on this hospital\'s cluster only, never sent to a cloud provider');
      const tampered = await cli(data, ["finetune", "submit", "--provider", provider, "--dataset", "tampered", "--base", "llama-base", "--estimate"], env);
      expect(tampered.code).toBe(2);
      expect(tampered.stderr).toContain("test.jsonl holds a row that is not from a synthetic letter (letter-7): it is not sent");
    }
    expect(op.requests).toHaveLength(0);
    expect(tg.requests).toHaveLength(0);
    // No job was made for a refused set.
    const listed = await cli(data, ["finetune", "status"]);
    expect(ofType(listed.events, "finetune")).toEqual([]);
  }, 60_000);

  it("Slurm-only settings are refused for a hosted provider, and hosted-only ones for the cluster, by name", async () => {
    const data = store(syntheticRows(2), []);
    const hosted = await cli(data, ["finetune", "submit", "--provider", "together", "--dataset", "synth", "--base", "llama-base", "--merge", "Q8_0", "--partition", "gpu"]);
    expect(hosted.code).toBe(2);
    expect(hosted.stderr).toContain("--partition, --merge: Slurm settings, which the together API does not take; leave them out");
    const slurm = await cli(data, ["finetune", "submit", "--dataset", "synth", "--base", "llama-base", "--max-usd", "5"]);
    expect(slurm.code).toBe(2);
    expect(slurm.stderr).toContain("--max-usd: for a hosted provider (--provider openpipe|together), not the cluster");
    const unknown = await cli(data, ["finetune", "submit", "--provider", "azure", "--dataset", "synth", "--base", "llama-base"]);
    expect(unknown.stderr).toContain('--provider must be one of slurm, openpipe, together, not "azure"');
  }, 60_000);

  it("the price per million tokens is a setting: the list price by default, stored with --save, overridden per command", async () => {
    const data = store(syntheticRows(10), []);
    const estimate = async (...more: string[]) => ofType((await cli(data, ["finetune", "submit", "--provider", "together", "--dataset", "synth", "--base", "llama-base", "--estimate", ...more])).events, "estimate")[0];
    expect(await estimate()).toMatchObject({ pricePerMillionTokens: 0.48 });
    expect(await estimate("--price-per-million-tokens", "3", "--save")).toMatchObject({ pricePerMillionTokens: 3, usd: (sumTokens(10) * 3) / 1e6 });
    expect(await estimate()).toMatchObject({ pricePerMillionTokens: 3 });
    expect(await estimate("--price-per-million-tokens", "1")).toMatchObject({ pricePerMillionTokens: 1 });
    expect(await estimate()).toMatchObject({ pricePerMillionTokens: 3 });
    // The other provider's price is its own.
    const openPipe = ofType((await cli(data, ["finetune", "submit", "--provider", "openpipe", "--dataset", "synth", "--base", "llama-base", "--estimate"])).events, "estimate")[0];
    expect(openPipe).toMatchObject({ pricePerMillionTokens: 0.48 });
  }, 60_000);
});
