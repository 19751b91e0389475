// A real single-node Slurm (scripts/ci/start-slurm.sh, started by .ci/run): see DESIGN.md, "A real
// Slurm in tests". Jobs are submitted with sbatch and followed with squeue/scontrol, as accounting
// (sacct) is off.
import { execFileSync, spawnSync } from "node:child_process";
import { REPO_ROOT } from "./cli.ts";

/**
 * False only on a developer machine without Slurm, where the Slurm tests are skipped; in CI
 * (whose .ci/run installs and starts it) a missing Slurm fails the run instead.
 */
export function haveSlurm(): boolean {
  const answer = spawnSync("sinfo", ["-h", "-o", "%T"], { encoding: "utf8" });
  if (answer.status === 0 && /idle|mixed|allocated/.test(answer.stdout)) return true;
  if (process.env.CI) throw new Error(`no Slurm answers here (${answer.error?.message ?? answer.stderr.trim()}): .ci/run starts one with scripts/ci/start-slurm.sh`);
  return false;
}

/** Submits a batch script from the repository folder (its SLURM_SUBMIT_DIR); returns the job id. */
export function sbatch(args: string[], env: Record<string, string>): string {
  return execFileSync("sbatch", ["--parsable", ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, encoding: "utf8" }).trim().split(";")[0] as string;
}

/**
 * Waits until no task of the job is queued or running, then returns each task's final state from
 * scontrol (squeue prints nothing once a job is done, and errors once it is purged).
 */
export async function waitForJob(id: string, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const queued = spawnSync("squeue", ["-h", "-j", id], { encoding: "utf8" });
    if (queued.status !== 0 || queued.stdout.trim() === "") break;
    if (Date.now() > deadline) throw new Error(`Slurm job ${id} still queued or running after ${timeoutMs} ms:\n${queued.stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const shown = execFileSync("scontrol", ["show", "job", id], { encoding: "utf8" });
  return [...shown.matchAll(/JobState=(\S+)/g)].map((match) => match[1] as string);
}

/** The state squeue shows for a job or array task (e.g. "RUNNING", "PENDING"); "" once it is gone. */
export function taskState(id: string): string {
  return spawnSync("squeue", ["-h", "-j", id, "-o", "%T"], { encoding: "utf8" }).stdout.trim();
}

/** Polls until `condition` holds; fails naming what it waited for. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
