/**
 * How a fine-tuning run fails, on the real Slurm over real SSH: each failure reaches the user in
 * the words of whoever refused (Slurm, the bundle's preflight, the SSH layer), the job row says
 * so, and a cancel reaches Slurm.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addItems, createJob, itemsOfJob } from "../../src-main/jobs/jobStore.ts";
import { openStore } from "../../src-main/store/db.ts";
import { insertSynthLetter } from "../../src-main/store/synth.ts";
import { demoLettersWithGold } from "../helpers/fakeOpenAiServer.ts";
import { runCli } from "../helpers/cli.ts";
import { haveSlurm } from "../helpers/slurm.ts";
import { haveSshd } from "../helpers/ssh.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { ensureTinyHfLlama, haveTrainingVenv, TRAINING_VENV, type TinyHfLlama } from "../helpers/tinyHfLlama.ts";

const tempDir = useTempDirs();
const sshd = haveSshd();
const ready = sshd !== false && haveSlurm() && haveTrainingVenv();

let tiny: TinyHfLlama;
let data: string;

/** A store with two demo letters as the studio's synthetic letters, and a training set built from them. */
beforeAll(async () => {
  if (!ready) return;
  tiny = await ensureTinyHfLlama();
  // Shared by the tests (useTempDirs empties its folders after each one).
  data = mkdtempSync(path.join(os.tmpdir(), "oncotimeline-finetune-"));
  const db = openStore(data);
  const job = createJob(db, { kind: "synth:generate", key: "demo", params: { model: "teacher", promptVersion: "v" } });
  const demo = demoLettersWithGold().slice(0, 2);
  addItems(db, job, demo.map((_, i) => ({ key: `row-${i}`, payload: { row: { letter_type: "follow_up" }, occurrence: 0 } })));
  itemsOfJob(db, job).forEach((item, i) => {
    const letter = demo[i] as (typeof demo)[number];
    insertSynthLetter(db, { itemId: item.id, content: letter.text, gold: JSON.parse(letter.gold), rawOutput: "{}", model: "teacher", messageId: null, promptVersion: "v", status: "accepted", reasons: [], minhash: null });
  });
  db.close();
  const built = await runCli(["--data", data, "dataset", "build", "--name", "two", "--base", tiny.gguf, "--test-fraction", "0"]);
  expect(built.code, built.stderr).toBe(0);
}, 180_000);
afterAll(() => {
  if (data) rmSync(data, { recursive: true, force: true });
});

function clusterFlags(overrides: Record<string, string> = {}): string[] {
  const ssh = sshd as Exclude<typeof sshd, false>;
  const flags: Record<string, string> = {
    "--host": ssh.host,
    "--port": String(ssh.port),
    "--user": ssh.username,
    "--key": ssh.privateKeyPath,
    "--known-hosts": ssh.knownHostsPath,
    "--work-dir": path.join(tempDir(), "cluster"),
    "--checkpoint": tiny.hfDir,
    "--gpus": "0",
    "--cpus": "1",
    "--mem": "2G",
    "--time": "10",
    "--env-setup": `source ${path.join(TRAINING_VENV, "bin", "activate")}`,
    ...overrides,
  };
  return Object.entries(flags).flat();
}

const submit = (extra: string[], overrides: Record<string, string> = {}) => runCli(["--data", data, "--json", "finetune", "submit", "--dataset", "two", "--base", "base", ...clusterFlags(overrides), ...extra]);
const lastStatus = (events: Record<string, unknown>[]) => events.filter((event) => event.type === "finetune").at(-1);

describe.skipIf(!ready)("fine-tuning failures reach the user", () => {
  it("Slurm's refusal of the job is shown in Slurm's words, and the job row is failed with them", async () => {
    const refused = await submit([], { "--partition": "nosuch" });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("sbatch: error: invalid partition specified: nosuch");
    const listed = await runCli(["--data", data, "--json", "finetune", "status"]);
    expect(listed.events.find((event) => event.state === "failed" && String(event.message).includes("invalid partition specified: nosuch"))).toBeDefined();
  }, 120_000);

  it("a job that fails in preflight ends failed with the preflight's own line", async () => {
    const empty = tempDir();
    mkdirSync(empty, { recursive: true });
    const failed = await submit(["--wait", "--poll-seconds", "1"], { "--checkpoint": empty });
    expect(failed.code).toBe(1);
    const status = lastStatus(failed.events);
    expect(status).toMatchObject({ state: "failed", slurmState: "FAILED", stage: "failed:preflight" });
    expect(String(status?.message)).toMatch(/^preflight: .*config\.json/m);
    expect(String(status?.message)).toContain("Slurm: FAILED");
  }, 120_000);

  it("an unknown cluster host key stops the submit with its fingerprint and how to accept it", async () => {
    const refused = await submit([], { "--known-hosts": path.join(tempDir(), "known_hosts") });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/SHA256:[A-Za-z0-9+/]+/);
    expect(refused.stderr).toContain("oncotimeline finetune connect --accept-host-key SHA256:");
  }, 60_000);

  it("a cancel reaches Slurm; the job row and the Slurm state both say cancelled", async () => {
    const started = await submit(["--max-steps", "100000", "--save-steps", "100000"]);
    expect(started.code, started.stderr).toBe(0);
    const jobId = String((started.events.find((event) => event.type === "submitted") as { jobId: number }).jobId);
    // Cancel once it is training: what a user sees is a job that stops where it was.
    const deadline = Date.now() + 90_000;
    for (;;) {
      const polled = await runCli(["--data", data, "--json", "finetune", "status", jobId]);
      if (lastStatus(polled.events)?.stage === "train") break;
      if (Date.now() > deadline) throw new Error(`the job did not reach training: ${JSON.stringify(lastStatus(polled.events))}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const cancelled = await runCli(["--data", data, "--json", "finetune", "cancel", jobId]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(lastStatus(cancelled.events)).toMatchObject({ state: "cancelled", slurmState: "CANCELLED" });
  }, 150_000);
});
