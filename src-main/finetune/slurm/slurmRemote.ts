// Slurm's own commands (sbatch, scontrol, scancel) run on the login node through an SSH session.
// No accounting is assumed (many hospital clusters have no slurmdbd): a job's state comes from
// the controller while it remembers the job (MinJobAge, 300 s by default), then from the files.
import path from "node:path";
import type { ExecResult, SshSession } from "../ssh/sshSession.ts";
import { shellCommand, shellQuote } from "../ssh/shellQuote.ts";
import { parseScontrolJobs, scontrolValue } from "./scontrolJob.ts";

/** A Slurm command failed; `stderr` holds Slurm's own words. */
export class SlurmError extends Error {
  constructor(
    message: string,
    /** What was asked, without exported values (they may be tokens): e.g. "sbatch train.sbatch in /scratch/run1". */
    readonly context: string,
    readonly stderr: string,
    readonly exitCode: number | null,
  ) {
    super(message);
    this.name = "SlurmError";
  }
}

/** Slurm answered and said no: the message is Slurm's own words, then what was asked. */
export class SlurmRefused extends SlurmError {
  constructor(context: string, stderr: string, exitCode: number | null) {
    super(`${slurmWords(stderr, exitCode)} (${context})`, context, stderr, exitCode);
    this.name = "SlurmRefused";
  }
}

/** The command is missing on the login node or the controller does not answer. */
export class SlurmUnavailable extends SlurmError {
  constructor(context: string, stderr: string, exitCode: number | null) {
    const missing = exitCode === 127 ? "Slurm's commands are not on the PATH of a non-interactive shell on the login node: " : "";
    super(`${missing}${slurmWords(stderr, exitCode)} (${context})`, context, stderr, exitCode);
    this.name = "SlurmUnavailable";
  }
}

function slurmWords(stderr: string, exitCode: number | null): string {
  const words = stderr.trim();
  return words === "" ? `exit status ${exitCode ?? "unknown (the command was killed)"}` : words;
}

function failure(context: string, result: ExecResult): SlurmError {
  if (result.code === 127 || /Unable to contact slurm controller|Socket timed out|Zero Bytes were transmitted/i.test(result.stderr)) {
    return new SlurmUnavailable(context, result.stderr, result.code);
  }
  return new SlurmRefused(context, result.stderr, result.code);
}

export type SubmitOptions = {
  /** The batch script on the cluster, absolute or relative to workDir. */
  script: string;
  /** Where sbatch runs: the job's working folder, and where relative paths (script, output) start. */
  workDir: string;
  jobName: string;
  /** Default: the cluster's default partition. */
  partition?: string;
  /** GPUs per node as `--gres=gpu:N`; 0 sends `--gres=none`, overriding a script's own #SBATCH --gres. Default: the script's. */
  gpus?: number;
  cpusPerTask?: number;
  /** Slurm's form, e.g. "32G". */
  mem?: string;
  /** Slurm's form ("2-00:00:00", "90:00") or minutes. */
  time?: string | number;
  account?: string;
  /** `--output` pattern, e.g. "logs/%j.out". Default: Slurm's slurm-%j.out in workDir. */
  output?: string;
  /**
   * Environment for the job, set on sbatch's own environment (which sbatch passes on, --export=ALL),
   * so values may hold commas and spaces that --export=K=V cannot.
   */
  exports?: Record<string, string>;
  /** More sbatch options, each one argument (e.g. ["--constraint=a100", "--qos=long"]). */
  extraArgs?: string[];
};

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The shell command submit runs. It holds the exported values, which may be tokens: not for logs. */
export function sbatchCommand(options: SubmitOptions): string {
  const args = ["sbatch", "--parsable", `--job-name=${options.jobName}`];
  if (options.partition !== undefined) args.push(`--partition=${options.partition}`);
  if (options.gpus !== undefined) args.push(options.gpus > 0 ? `--gres=gpu:${options.gpus}` : "--gres=none");
  if (options.cpusPerTask !== undefined) args.push(`--cpus-per-task=${options.cpusPerTask}`);
  if (options.mem !== undefined) args.push(`--mem=${options.mem}`);
  if (options.time !== undefined) args.push(`--time=${options.time}`);
  if (options.account !== undefined) args.push(`--account=${options.account}`);
  if (options.output !== undefined) args.push(`--output=${options.output}`);
  args.push(...(options.extraArgs ?? []), options.script);
  const env = Object.entries(options.exports ?? {}).map(([name, value]) => {
    if (!ENV_NAME.test(name)) throw new Error(`not an environment variable name: ${JSON.stringify(name)}`);
    return `${name}=${value}`;
  });
  const submit = env.length > 0 ? shellCommand(["env", ...env, ...args]) : shellCommand(args);
  return `cd ${shellQuote(options.workDir)} && ${submit}`;
}

/** Submits the batch script; returns the job id. Rejects with SlurmRefused in Slurm's words. */
export async function submit(session: SshSession, options: SubmitOptions): Promise<string> {
  const context = `sbatch ${options.script} in ${options.workDir} on ${session.target}`;
  const result = await session.exec(sbatchCommand(options));
  if (result.code !== 0) throw failure(context, result);
  // --parsable prints "id" or "id;cluster".
  const id = /^(\d+(?:_\d+)?)(?:;\S+)?$/m.exec(result.stdout.trim())?.[1];
  if (id === undefined) throw new SlurmError(`sbatch answered without a job id: ${JSON.stringify(result.stdout.trim())} (${context})`, context, result.stderr, result.code);
  return id;
}

export type JobState = {
  /** Slurm's word as is: PENDING, RUNNING, COMPLETING, COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, …; UNKNOWN once the controller forgot the job. */
  state: string;
  /** Why it waits or ended ("Priority", "Resources", "NonZeroExitCode", …), or for UNKNOWN what that means. */
  reason?: string;
  /** The script's exit status, once it ended. */
  exitCode?: number;
  /** The signal that ended it (e.g. 9 or 15), when one did. */
  exitSignal?: number;
  nodeList?: string;
  /** As Slurm prints them (the controller's local time, "2026-12-07T19:03:06"). */
  startTime?: string;
  endTime?: string;
  stdoutPath?: string;
  stderrPath?: string;
};

const GONE = /Invalid job id specified/i;

/**
 * The job's state from `scontrol show job`, which answers the same while the job waits, runs and
 * for MinJobAge after it ended, and gives the exit code and output paths squeue does not. For an
 * array job give one task ("123_4"); the whole array's id gives its first record.
 */
export async function jobState(session: SshSession, id: string): Promise<JobState> {
  const context = `scontrol show job ${id} on ${session.target}`;
  const result = await session.exec(shellCommand(["scontrol", "show", "job", id]));
  if (result.code !== 0) {
    if (GONE.test(result.stderr)) {
      return {
        state: "UNKNOWN",
        reason: `Job ${id} is gone from the Slurm controller (it forgets ended jobs after a few minutes and this cluster keeps no accounting): look at the job's output files to see how it ended.`,
      };
    }
    throw failure(context, result);
  }
  const record = parseScontrolJobs(result.stdout)[0];
  const stateWord = record?.JobState;
  if (record === undefined || stateWord === undefined) throw new SlurmError(`scontrol showed no JobState for job ${id} (${context})`, context, result.stderr, result.code);
  const state: JobState = { state: stateWord };
  const reason = scontrolValue(record.Reason);
  if (reason !== undefined) state.reason = reason;
  const exit = /^(\d+):(\d+)$/.exec(record.ExitCode ?? "");
  if (exit && !["PENDING", "RUNNING", "CONFIGURING", "REQUEUED", "SUSPENDED"].includes(stateWord)) {
    state.exitCode = Number(exit[1]);
    if (Number(exit[2]) !== 0) state.exitSignal = Number(exit[2]);
  }
  const fields: Array<[keyof JobState, string]> = [
    ["nodeList", "NodeList"],
    ["startTime", "StartTime"],
    ["endTime", "EndTime"],
    ["stdoutPath", "StdOut"],
    ["stderrPath", "StdErr"],
  ];
  for (const [field, key] of fields) {
    const value = scontrolValue(record[key]);
    // A pending job's StartTime is the scheduler's guess, not a start.
    if (value !== undefined && !(field === "startTime" && stateWord === "PENDING")) (state[field] as string) = value;
  }
  if (state.endTime !== undefined && ["PENDING", "RUNNING"].includes(stateWord)) delete state.endTime; // the time limit, not an end
  return state;
}

export type CancelOutcome = { outcome: "cancelled" } | { outcome: "already-ended"; slurmSays: string };

/**
 * Cancels a job. scancel says nothing and exits 0 for a job that already ended or was forgotten
 * unless asked for -v; with it, that case is told apart from a cancel and a refusal (e.g.
 * "Access/permission denied" for another user's job), which throws in Slurm's words.
 */
export async function cancel(session: SshSession, id: string): Promise<CancelOutcome> {
  const context = `scancel ${id} on ${session.target}`;
  const result = await session.exec(shellCommand(["scancel", "-v", id]));
  const errors = result.stderr
    .split("\n")
    .filter((line) => /error:/i.test(line))
    .join("\n");
  if (/already completing or completed|Invalid job id specified/i.test(errors)) {
    return { outcome: "already-ended", slurmSays: errors.trim() };
  }
  if (result.code !== 0 || errors !== "") throw failure(context, { ...result, stderr: errors || result.stderr });
  return { outcome: "cancelled" };
}

/** Where a job path given relative to workDir (script, --output) is on the cluster: for reading it back by SFTP. */
export function remotePath(workDir: string, file: string): string {
  return path.posix.isAbsolute(file) ? file : path.posix.join(workDir, file);
}
