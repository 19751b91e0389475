/**
 * The Datasets and Fine-tune screens, and a fine-tune's lineage on the Models screen, end to end:
 * the built user interface in real Chromium against the real services on the loopback host. A
 * training set is built from a store seeded with synthetic letters (the demo letters with their
 * gold) with the tiny test model's tokenizer; cluster settings are saved and a first connection
 * to the test sshd (scripts/ci/start-sshd.sh) meets its unknown host key, which is accepted, and
 * the real Slurm's partitions are listed; seeded fine-tuning runs show their loss and log (a
 * running one followed live on the cluster, and cancelled), a failed one its message, and a
 * finished one opens its model's lineage.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RecipeSchema } from "../../src-shared/api/finetune.ts";
import type { ModelLineage } from "../../src-shared/modelLineage.ts";
import { FINETUNE_KIND, finetuneFolder, type FinetuneParams } from "../../src-main/finetune/finetuneJob.ts";
import { addItems, createJob, finishJob } from "../../src-main/jobs/jobStore.ts";
import { openStore, type Db } from "../../src-main/store/db.ts";
import { registerModel } from "../../src-main/store/models.ts";
import { apiOf, goTo, haveChromium, openPage, screenshot, until } from "../helpers/browser.ts";
import { seriousViolations } from "../helpers/axe.ts";
import { useE2eSuite, type E2eSuite } from "../helpers/e2eSuite.ts";
import { haveSlurm, sbatch, taskState } from "../helpers/slurm.ts";
import { writeStudioStore } from "../helpers/studioStore.ts";
import { haveSshd, type TestSshd } from "../helpers/ssh.ts";
import { writeTestAdapter } from "../helpers/testAdapter.ts";
import { ensureTestModel } from "../helpers/testModel.ts";

const BASE_NAME = "tiny-base";

let suite: E2eSuite;
const sshd = haveSshd();
const cluster = sshd !== false && haveSlurm() ? sshd : false;



/** The studio's accepted synthetic letters with gold (the demo letters; the last one rejected), and the tiny model as the base. */
function studioStore(dataDir: string, modelPath: string): void {
  writeStudioStore(dataDir);
  const db = openStore(dataDir);
  registerModel(db, modelPath, { name: BASE_NAME });
  db.close();
}

/** A loss curve falling from about 2.4, with a little noise. */
function lossLines(from: number, to: number): string {
  let text = "";
  for (let step = from; step <= to; step++) text += `${JSON.stringify({ step, loss: Number((0.6 + 1.8 * Math.exp(-step / 12) + 0.04 * Math.sin(step * 1.7)).toFixed(4)), learning_rate: 2e-4 * (1 - step / 200) })}\n`;
  return text;
}

function logLines(count: number): string {
  let text = "preflight: torch 2.13.0+cpu, no CUDA GPU: training runs on the CPU\npreflight: checkpoint /shared/models/Llama-3.1-8B-Instruct: 4 safetensors files\nstage: train\n";
  for (let step = 1; step <= count; step++) text += `{'loss': ${(0.6 + 1.8 * Math.exp(-step / 12)).toFixed(4)}, 'grad_norm': 0.41, 'learning_rate': 0.0002, 'epoch': ${(step / 60).toFixed(2)}}  step ${step}/60\n`;
  return text;
}

type SeededRun = { state: "running" | "failed" | "done"; name: string; params: Partial<FinetuneParams>; error?: string; metrics: string; log: string; progress: Record<string, unknown> };

/** A fine-tuning job row as the submit leaves it, with the files a poll copies home (finetuneJob.ts). */
function seedRun(db: Db, dataDir: string, baseModelId: number, run: SeededRun): number {
  const params: FinetuneParams = {
    name: run.name,
    dataset: "demo-letters",
    baseModelId,
    recipe: RecipeSchema.parse({ maxSteps: 60 }),
    ssh: { host: "127.0.0.1", port: 9, username: "nobody", privateKeyPath: "/nonexistent/key", knownHostsPath: "/nonexistent/known_hosts" },
    remoteDir: "oncotimeline-finetune/job",
    checkpointDir: "/shared/models/Llama-3.1-8B-Instruct",
    bundleVersion: "bundle-1",
    llamaCppCommit: "b6a8f1c",
    slurmJobId: "4242",
    submittedAt: "2025-01-06T09:00:00.000Z",
    startedAt: "2025-01-06T09:02:00.000Z",
    finishedAt: null,
    modelId: null,
    ...run.params,
  };
  const jobId = createJob(db, { kind: FINETUNE_KIND, modelId: baseModelId, params });
  addItems(db, jobId, [{ key: "train", payload: { dataset: params.dataset } }]);
  const local = finetuneFolder(dataDir, jobId);
  mkdirSync(local, { recursive: true });
  writeFileSync(path.join(local, "metrics.jsonl"), run.metrics);
  writeFileSync(path.join(local, "train.log"), run.log);
  writeFileSync(path.join(local, "progress.json"), JSON.stringify(run.progress));
  if (run.state !== "running") finishJob(db, jobId, run.state, run.error ?? null);
  return jobId;
}

const sha256Of = (text: string): string => createHash("sha256").update(text).digest("hex");

function lineageOf(baseFingerprint: string): ModelLineage {
  const loss = lossLines(1, 60)
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { step: number; loss: number })
    .map((point): [number, number] => [point.step, point.loss]);
  return {
    base: { name: BASE_NAME, fingerprint: baseFingerprint, checkpointSha256: "9f2c4e1d7a0b3c5e8f6a1d2c3b4e5f60718293a4b5c6d7e8f9012345678abcd" },
    dataset: {
      name: "demo-letters",
      origin: "synthetic",
      cardSha256: "5e1f0c2d3b4a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0",
      files: { "train.jsonl": { rows: 12, sha256: sha256Of("train.jsonl") }, "test.jsonl": { rows: 3, sha256: sha256Of("test.jsonl") } },
      promptVersion: "extraction.v3",
    },
    recipe: RecipeSchema.parse({ maxSteps: 60 }),
    job: { kind: "slurm", where: "onco@hpc-login:22", jobId: "4241", submittedAt: "2025-01-05T18:00:00.000Z", startedAt: "2025-01-05T18:03:00.000Z", finishedAt: "2025-01-05T19:10:00.000Z" },
    training: { steps: 60, firstLoss: loss[0]?.[1] ?? null, lastLoss: loss.at(-1)?.[1] ?? null, seconds: 3920, mode: "lora", device: "cpu (x86_64, 2 threads)", loss },
    bundleVersion: "bundle-1",
    llamaCppCommit: "b6a8f1c",
  };
}

describe.skipIf(!haveChromium())("Datasets and Fine-tune screens, lineage on Models (Chromium + loopback host)", () => {
  suite = useE2eSuite();

  it("Datasets: builds a set from the studio's letters and shows its card, files with SHA-256 and the rows left out", async () => {
    const modelPath = await ensureTestModel();
    const dataDir = suite.tempDir();
    studioStore(dataDir, modelPath);
    const host = await suite.startHost(dataDir);
    const api = apiOf(host);
    const { page, errors } = await openPage(suite.browser());
    try {
      await page.goto(host.url);
      await page.getByRole("heading", { level: 1, name: "Letters" }).waitFor();
      // The tenth screen opens with Alt+0; the eleventh has no shortcut, and says none.
      const nav = page.getByRole("navigation", { name: "Screens" });
      await expect(nav.getByRole("button", { name: "Datasets", exact: true }).getAttribute("aria-keyshortcuts")).resolves.toBe("Alt+0");
      await expect(nav.getByRole("button", { name: "Fine-tune", exact: true }).getAttribute("title")).resolves.toBeNull();
      await page.keyboard.press("Alt+0");
      await page.getByRole("heading", { level: 1, name: "Datasets" }).waitFor();
      await page.getByText("No training set yet").waitFor();
      const form = page.getByRole("form", { name: "Build a training set" });
      await form.getByLabel("Name", { exact: true }).fill("demo-letters");
      await expect(form.getByLabel("Base model").inputValue()).resolves.not.toBe("");
      await form.getByLabel("Test share (0 to 0.99)").fill("0.2");
      await form.getByRole("button", { name: "Build training set" }).click();
      const card = page.getByTestId("dataset-card");
      await card.getByRole("heading", { name: /demo-letters/ }).waitFor({ timeout: 30_000 });
      await page.getByText("Built “demo-letters”: 12 train and 3 test rows, none left out.").waitFor();

      const [built] = await api("datasets.list", {});
      expect(built?.card.counts).toMatchObject({ rows: 15, train: 12, test: 3, excluded: 0 });
      await expect(card.getByTestId("origin-badge").textContent()).resolves.toBe("Synthetic letters only");
      await expect(card.getByTestId("dataset-rows").textContent()).resolves.toBe("15");
      await expect(card.getByTestId("dataset-prompt").textContent()).resolves.toBe(built?.card.prompt_version);
      await expect(card.getByRole("table", { name: "Letter type" }).getByRole("row", { name: /initial_assessment/ }).textContent()).resolves.toContain("5");
      for (const [file, { rows, sha256 }] of Object.entries(built?.card.files ?? {})) {
        const row = card.getByTestId("dataset-file").filter({ hasText: file });
        await expect(row.textContent()).resolves.toBe(`${file}${rows}${sha256}`);
      }
      const tokens = built?.card.tokens as NonNullable<NonNullable<typeof built>["card"]["tokens"]>;
      await expect(card.getByTestId("token-figure").getAttribute("aria-label")).resolves.toContain(`median ${tokens.median}, 90th percentile ${tokens.p90}, longest ${tokens.max}`);
      await card.getByText("None: every matching row is in the set.").waitFor();

      // A maximum one token under the longest row: that row is left out and named, with its length.
      await form.getByLabel("Name", { exact: true }).fill("demo-short");
      await form.getByLabel("Test share (0 to 0.99)").fill("0.2");
      await form.getByLabel("Maximum tokens per row").fill(String(tokens.max - 1));
      await form.getByRole("button", { name: "Build training set" }).click();
      await card.getByRole("heading", { name: /demo-short/ }).waitFor({ timeout: 30_000 });
      const short = (await api("datasets.list", {})).find((set) => set.name === "demo-short");
      const left = short?.card.excluded[0];
      expect(left?.reason).toBe(`${tokens.max} tokens, over the maximum of ${tokens.max - 1}`);
      await expect(card.getByTestId("excluded-row").first().textContent()).resolves.toBe(`${left?.id}${left?.reason}`);
      await expect(page.getByTestId("dataset-row").count()).resolves.toBe(2);
      expect(await seriousViolations(page)).toEqual([]);
      await page.getByRole("heading", { name: "Training sets" }).evaluate((heading) => heading.scrollIntoView({ block: "start" }));
      await screenshot(page, "datasets");

      // A name in use: refused, in the builder's words.
      await form.getByLabel("Name", { exact: true }).fill("demo-letters");
      await form.getByRole("button", { name: "Build training set" }).click();
      await expect(page.getByTestId("build-error").textContent()).resolves.toBe('Could not build the training set: a training set named "demo-letters" exists already: choose another name');

      // The list selects: the first set's card again.
      await page.getByRole("button", { name: "demo-letters", exact: true }).click();
      await card.getByRole("heading", { name: /demo-letters/ }).waitFor();
      // The Fine-tune screen offers the sets, the set's base chosen; with no cluster set up, a submit names what is missing.
      await goTo(page, "Fine-tune");
      const submit = page.getByRole("form", { name: "Train a fine-tune" });
      await submit.getByLabel("Training set").selectOption("demo-letters");
      await expect(submit.getByLabel("Base model").locator("option:checked").textContent()).resolves.toBe(`${BASE_NAME} (the set's base)`);
      await expect(submit.getByLabel("LoRA rank (default 8)").inputValue()).resolves.toBe("8");
      await submit.getByRole("button", { name: "Submit to the cluster" }).click();
      await expect(page.getByTestId("submit-error").textContent()).resolves.toBe("Not submitted: the cluster is not set up: cluster.host, cluster.username, cluster.privateKeyPath, cluster.baseCheckpointDir are missing");
      expect(await api("finetune.list", {})).toEqual([]);
      // The browser logs the refused calls' answers (HTTP 400); nothing else.
      expect(errors.filter((error) => !/status of 400/.test(error))).toEqual([]);
    } finally {
      await page.close();
      await host.close();
    }
  }, 90_000);

  it.skipIf(!cluster)("Fine-tune: cluster settings round-trip; an unknown host key is shown, accepted, and Slurm's partitions listed", async () => {
    const server = cluster as TestSshd;
    const dataDir = suite.tempDir();
    const work = suite.tempDir();
    const knownHosts = path.join(work, "known_hosts");
    writeFileSync(knownHosts, "");
    const checkpoint = path.join(work, "checkpoint");
    mkdirSync(checkpoint);
    writeFileSync(path.join(checkpoint, "config.json"), "{}");
    const host = await suite.startHost(dataDir);
    const api = apiOf(host);
    const { page, errors } = await openPage(suite.browser());
    try {
      await page.goto(host.url);
      await goTo(page, "Fine-tune");
      const form = page.getByRole("form", { name: "Cluster" });
      const fill = (label: string, value: string) => form.getByLabel(label, { exact: true }).fill(value);
      await fill("Host", server.host);
      await fill("Port", String(server.port));
      await fill("User", server.username);
      await fill("Private key file", server.privateKeyPath);
      await fill("known_hosts file (blank: ~/.ssh/known_hosts)", knownHosts);
      await fill("Work folder (relative: in the home folder)", path.join(work, "jobs"));
      await fill("Base checkpoint folder (safetensors)", checkpoint);
      await fill("GPUs per job (0: CPU only)", "0");
      await fill("CPUs per task", "1");
      await fill("Memory (e.g. 64G)", "lots");
      await fill("Time limit (e.g. 24:00:00)", "00:10:00");
      await fill("Environment setup, run before training (one shell line each)", "echo ready");
      // A bad value is refused with the setting named, and nothing is stored.
      await form.getByRole("button", { name: "Save cluster settings" }).click();
      await expect(page.getByTestId("cluster-error").textContent()).resolves.toContain("cluster.mem: a size such as 64G");
      expect((await api("settings.get", {})).cluster.host).toBeNull();
      await fill("Memory (e.g. 64G)", "1G");
      await form.getByRole("button", { name: "Save cluster settings" }).click();
      await form.getByText("Cluster settings saved.").waitFor();
      const expected = { host: server.host, port: server.port, username: server.username, privateKeyPath: server.privateKeyPath, knownHostsPath: knownHosts, workDir: path.join(work, "jobs"), baseCheckpointDir: checkpoint, partition: null, gpus: 0, cpusPerTask: 1, mem: "1G", time: "00:10:00", account: null, envSetup: "echo ready" };
      expect((await api("settings.get", {})).cluster).toEqual(expected);

      // Read back into the form after a reload.
      await page.reload();
      await goTo(page, "Fine-tune");
      await expect(form.getByLabel("Host", { exact: true }).inputValue()).resolves.toBe(server.host);
      await expect(form.getByLabel("known_hosts file (blank: ~/.ssh/known_hosts)", { exact: true }).inputValue()).resolves.toBe(knownHosts);
      await expect(form.getByLabel("Partition (blank: the default)", { exact: true }).inputValue()).resolves.toBe("");

      // An empty known_hosts: the host key is shown for comparing, with OpenSSH's fingerprint, and nothing is written.
      await form.getByRole("button", { name: "Test connection" }).click();
      const fingerprint = execFileSync("ssh-keygen", ["-lf", server.hostKeyPubPath], { encoding: "utf8" }).split(/\s+/)[1] as string;
      await expect(page.getByTestId("host-key-fingerprint").textContent({ timeout: 20_000 })).resolves.toBe(fingerprint);
      await expect(page.getByTestId("host-key-type").textContent()).resolves.toBe("ssh-ed25519");
      expect(readFileSync(knownHosts, "utf8")).toBe("");
      expect(await seriousViolations(page)).toEqual([]);

      await page.getByRole("button", { name: "Accept this host key" }).click();
      const connected = page.getByTestId("connected");
      await connected.waitFor({ timeout: 20_000 });
      await connected.getByText(`Connected to ${server.username}@${server.host}:${server.port}.`).waitFor();
      await connected.getByText("The base checkpoint was found").waitFor();
      const partition = spawnSync("sinfo", ["-h", "-o", "%P"], { encoding: "utf8" }).stdout.trim().split("\n")[0] as string;
      await expect(connected.getByTestId("partition").first().getByRole("rowheader").textContent()).resolves.toBe(partition.endsWith("*") ? `${partition.slice(0, -1)} (default)` : partition);
      expect(readFileSync(knownHosts, "utf8")).toContain("ssh-ed25519");
      // The browser logs the refused save's answer (HTTP 400); nothing else.
      expect(errors.filter((error) => !/status of 400/.test(error))).toEqual([]);
    } finally {
      await page.close();
      await host.close();
    }
  }, 90_000);

  it("Fine-tune: a running run's loss and log (followed live, then cancelled), a failed run's message, and a finished run's lineage on Models", async () => {
    const modelPath = await ensureTestModel();
    const dataDir = suite.tempDir();
    const db = openStore(dataDir);
    const base = registerModel(db, modelPath, { name: BASE_NAME });
    const adapter = await writeTestAdapter(path.join(suite.tempDir(), "adapter.gguf"));
    const tuned = registerModel(db, modelPath, { adapter, name: "tiny-base-demo-letters", lineage: lineageOf(base.fingerprint) });

    // The running run: on the test cluster when there is one (a real Slurm job, its folder here, as the login node is this machine).
    const remote = suite.tempDir();
    mkdirSync(path.join(remote, "out"));
    writeFileSync(path.join(remote, "out", "metrics.jsonl"), lossLines(1, 30));
    writeFileSync(path.join(remote, "train.log"), logLines(30));
    writeFileSync(path.join(remote, "out", "stage"), "train\n");
    // Small and short-lived, as other tests may want the node: it is cancelled on the screen, and in any case after the test.
    const slurmJobId = cluster ? sbatch(["--wrap", "sleep 120", "--output", "/dev/null", "--job-name", "e2e-finetune-screen", "--cpus-per-task", "1", "--mem", "16M", "--time", "2"], {}) : "4243";
    const server = cluster as TestSshd;
    const running = seedRun(db, dataDir, base.id, {
      state: "running",
      name: "tiny-base-demo-letters-r2",
      params: { slurmJobId, remoteDir: remote, ...(cluster ? { ssh: { host: server.host, port: server.port, username: server.username, privateKeyPath: server.privateKeyPath, knownHostsPath: server.knownHostsPath } } : {}) },
      metrics: lossLines(1, 30),
      log: logLines(30),
      // As the last poll left it: everything so far copied home; Slurm's word not yet seen.
      progress: { logOffset: statSync(path.join(remote, "train.log")).size, metricsOffset: statSync(path.join(remote, "out", "metrics.jsonl")).size, slurmState: null, slurmReason: null, stage: "train" },
    });
    const failure = "preflight: no CUDA device is visible on the node (torch.cuda.is_available() is False): ask for a GPU partition\nerror: training stopped before the first step\nSlurm: FAILED, exit code 1:0";
    seedRun(db, dataDir, base.id, { state: "failed", name: "tiny-base-demo-letters-gpu", params: { slurmJobId: "4240" }, error: failure, metrics: "", log: "preflight: no CUDA device is visible on the node\n", progress: { logOffset: 0, metricsOffset: 0, slurmState: "FAILED", slurmReason: "NonZeroExitCode", stage: "preflight" } });
    seedRun(db, dataDir, base.id, { state: "done", name: "tiny-base-demo-letters", params: { slurmJobId: "4241", modelId: tuned.id, finishedAt: "2025-01-05T19:10:00.000Z" }, metrics: lossLines(1, 60), log: logLines(60), progress: { logOffset: 0, metricsOffset: 0, slurmState: "COMPLETED", slurmReason: "None", stage: "done" } });
    db.close();

    const host = await suite.startHost(dataDir);
    const api = apiOf(host);
    const { page, errors } = await openPage(suite.browser());
    try {
      await page.goto(host.url);
      await goTo(page, "Fine-tune");
      // The list arrives after the screen opens: wait for it, then expect exactly the three runs.
      await page.getByTestId("finetune-row").nth(2).waitFor();
      await expect(page.getByTestId("finetune-row").count()).resolves.toBe(3);
      await page.getByRole("button", { name: "tiny-base-demo-letters-r2", exact: true }).click();
      const detail = page.getByTestId("finetune-job");
      await detail.getByRole("heading", { name: /tiny-base-demo-letters-r2/ }).waitFor();
      await expect(detail.getByTestId("loss-chart").getAttribute("aria-label")).resolves.toMatch(/^Training loss by step: [\d.]+ at step 1, [\d.]+ at step 30 \(30 points\)$/);
      await expect(detail.getByTestId("loss-chart").locator("polyline").count()).resolves.toBe(1);
      const log = detail.getByTestId("log-tail");
      await expect(log.textContent()).resolves.toContain("step 30/60");
      // The log is scrolled to its newest line.
      await until("the log scrolled to its end", async () => log.evaluate((element) => element.scrollHeight > element.clientHeight && element.scrollTop + element.clientHeight >= element.scrollHeight - 2));

      if (cluster) {
        // Followed on the cluster: Slurm's word (running, or waiting while other tests hold the node), and a loss line
        // written there after the first look arrives with a later one (every 10 s).
        await until("Slurm's word", async () => new RegExp(`^Slurm job ${slurmJobId}: (RUNNING|PENDING)`).test((await detail.getByTestId("job-status").textContent()) ?? ""), 20_000);
        appendFileSync(path.join(remote, "out", "metrics.jsonl"), lossLines(31, 31));
        appendFileSync(path.join(remote, "train.log"), "{'loss': 0.7, 'epoch': 0.52}  step 31/60\n");
        await until("step 31 polled home", async () => (await detail.getByTestId("last-loss").textContent())?.includes("step 31"), 25_000);
        await expect(log.textContent()).resolves.toContain("step 31/60");
        expect((await api("finetune.get", { jobId: running })).loss).toHaveLength(31);
      } else {
        await detail.getByTestId("poll-error").waitFor({ timeout: 20_000 });
      }
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, "finetune");

      if (cluster) {
        // Cancel asks first; then scancel, and the run says so.
        await detail.getByRole("button", { name: "Cancel run…" }).click();
        await detail.getByRole("group", { name: "Confirm cancelling" }).getByRole("button", { name: "Yes, cancel the run" }).click();
        await expect(detail.getByTestId("job-message").textContent({ timeout: 20_000 })).resolves.toContain(`cancelled (scancel ${slurmJobId})`);
        await until("the Slurm job gone", async () => !/RUNNING|PENDING/.test(taskState(slurmJobId)), 20_000);
        expect((await api("finetune.get", { jobId: running })).state).toBe("cancelled");
      }

      // A failed run: its message in full, the bundle's lines and Slurm's.
      await page.getByRole("button", { name: "tiny-base-demo-letters-gpu", exact: true }).click();
      await expect(detail.getByTestId("job-message").locator("pre").textContent()).resolves.toBe(failure);
      await detail.getByText("No loss recorded yet").waitFor();

      // A finished run opens its model; the Models screen shows where it came from.
      await page.getByRole("button", { name: "tiny-base-demo-letters", exact: true }).click();
      await detail.getByRole("button", { name: "Open “tiny-base-demo-letters” on the Models screen" }).click();
      await page.getByRole("heading", { level: 1, name: "Models" }).waitFor();
      const row = page.getByTestId("model-row").filter({ hasText: "tiny-base-demo-letters" });
      await expect(row.getByTestId("model-kind").textContent()).resolves.toBe("base + adapter");
      const lineage = page.getByTestId("lineage");
      await expect(lineage.evaluate((element) => (element as HTMLDetailsElement).open)).resolves.toBe(true);
      await lineage.getByText(`fingerprint ${base.fingerprint}`).waitFor();
      await lineage.getByText("SHA-256 9f2c4e1d7a0b3c5e8f6a1d2c3b4e5f60718293a4b5c6d7e8f9012345678abcd").waitFor();
      await lineage.getByText("SHA-256 5e1f0c2d3b4a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0").waitFor();
      await expect(lineage.getByTestId("lineage-job").textContent()).resolves.toMatch(/^slurm job 4241 on onco@hpc-login:22: submitted .+, started .+, finished .+$/);
      await expect(lineage.getByTestId("lineage-recipe").textContent()).resolves.toContain("rank 8 · alpha 16");
      await expect(lineage.getByTestId("loss-sparkline").getAttribute("aria-label")).resolves.toContain("(60 points)");
      await lineage.getByText("b6a8f1c").waitFor();
      await page.getByTestId("model-row").first().getByText(/\d+\/\d+/).waitFor({ timeout: 30_000 });
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, "models-lineage");

      // A base with an adapter imported by hand: checked against the base, test-loaded together, registered without lineage.
      const handMade = await writeTestAdapter(path.join(suite.tempDir(), "hand-made.gguf"), { seed: 8 });
      const importForm = page.getByRole("form", { name: "Import a model" });
      await importForm.getByLabel("GGUF file path").fill(modelPath);
      await importForm.getByLabel("LoRA adapter GGUF (optional: a fine-tune of the base above)").fill(handMade);
      await importForm.getByLabel("Name (optional)").fill("hand-made");
      await page.getByRole("button", { name: "Test and register" }).click();
      await page.getByText("Model “hand-made” passed its test load and is registered.").waitFor({ timeout: 60_000 });
      await expect(page.getByTestId("model-row").filter({ hasText: "hand-made" }).getByTestId("model-kind").textContent()).resolves.toBe("base + adapter");
      const added = (await api("models.list", {})).find((model) => model.name === "hand-made");
      expect(added?.adapterPath).toBe(handMade);
      await page.getByTestId("lineage").filter({ hasText: "hand-made" }).getByText("No lineage recorded: the adapter was registered by hand").waitFor();
      expect(errors).toEqual([]);
    } finally {
      if (cluster) spawnSync("scancel", [slurmJobId]);
      await page.close();
      await host.close();
    }
  }, 120_000);
});
