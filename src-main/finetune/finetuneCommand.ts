import { ClusterSettingsSchema, RecipeSchema, type ClusterSettings, type FinetuneStatus, type Recipe } from "../../src-shared/api/finetune.ts";
import { CliError, EXIT, positiveInt, type Reporter } from "../cliKit/reporter.ts";
import { resolveModel } from "../models/modelsCommand.ts";
import { describeIssues } from "../../src-shared/api/endpoint.ts";
import { readSettings, writeSettings } from "../settings/storedSettings.ts";
import type { Db } from "../store/db.ts";
import { isServerModel } from "../store/models.ts";
import { jobsOfKinds } from "../jobs/jobStore.ts";
import { sleep } from "../base/sleep.ts";
import { ClusterNotSetUpError, sshSettingsOf } from "./clusterSettings.ts";
import { cancelFinetune, FINETUNE_KIND, FinetuneError, finetuneStatus, pollFinetune, requireFinetuneJob, submitFinetune, type FinetuneDeps } from "./finetuneJob.ts";
import { hostedCancelCommand, hostedFetchCommand, hostedStatusCommand, hostedSubmitCommand, isHostedJob, reportHosted, type HostedSubmitFlags } from "./hostedCommand.ts";
import { HOSTED_KINDS, hostedStatus } from "./hostedJob.ts";
import { HOSTED_PROVIDERS, type HostedProviderName } from "./providers/provider.ts";
import { SlurmError } from "./slurm/slurmRemote.ts";
import { openSsh } from "./ssh/sshSession.ts";
import { HostKeyUnknown, SshError } from "./ssh/sshErrors.ts";

/** Cluster flags: each overrides the stored cluster setting of the same name for this command (and is stored with --save). */
export type ClusterFlags = {
  host?: string;
  port?: string;
  user?: string;
  key?: string;
  knownHosts?: string;
  workDir?: string;
  checkpoint?: string;
  partition?: string;
  gpus?: string;
  cpus?: string;
  mem?: string;
  time?: string;
  account?: string;
  envSetup?: string;
  save?: boolean;
};

function clusterFrom(db: Db, flags: ClusterFlags): ClusterSettings {
  const stored = readSettings(db);
  const given: Partial<Record<keyof ClusterSettings, unknown>> = {
    host: flags.host,
    port: flags.port === undefined ? undefined : Number(flags.port),
    username: flags.user,
    privateKeyPath: flags.key,
    knownHostsPath: flags.knownHosts,
    workDir: flags.workDir,
    baseCheckpointDir: flags.checkpoint,
    partition: flags.partition,
    gpus: flags.gpus === undefined ? undefined : Number(flags.gpus),
    cpusPerTask: flags.cpus === undefined ? undefined : Number(flags.cpus),
    mem: flags.mem,
    time: flags.time,
    account: flags.account,
    envSetup: flags.envSetup,
  };
  const merged = { ...stored.cluster, ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) };
  const parsed = ClusterSettingsSchema.safeParse(merged);
  if (!parsed.success) throw new CliError(`cluster settings: ${describeIssues(parsed.error, (path) => path.map(String).join("."))}`);
  if (flags.save) {
    const { warnings: _ignored, ...settings } = stored;
    writeSettings(db, { ...settings, cluster: parsed.data });
  }
  return parsed.data;
}

/** Failures of the cluster, the connection or the job said as a one-line CLI error; anything else is a bug and stays loud. */
async function explained<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof HostKeyUnknown) {
      throw new CliError(`${error.message}\nIf that is your cluster's key (ask its administrators), accept it once with: oncotimeline finetune connect --accept-host-key ${error.fingerprint}`);
    }
    if (error instanceof SshError || error instanceof SlurmError || error instanceof FinetuneError || error instanceof ClusterNotSetUpError) throw new CliError(error.message);
    throw error;
  }
}

/** `finetune connect`: logs in, checks Slurm answers, and (with --accept-host-key) records a new host key. */
export async function finetuneConnectCommand(db: Db, flags: ClusterFlags & { acceptHostKey?: string }, reporter: Reporter): Promise<number> {
  const cluster = clusterFrom(db, flags);
  return explained(async () => {
    const ssh = sshSettingsOf(cluster, "connect");
    const session = await openSsh({ ...ssh, ...(flags.acceptHostKey === undefined ? {} : { acceptFingerprint: flags.acceptHostKey }) });
    try {
      const sinfo = await session.exec("sinfo -h -o '%P %a %l %D %T'");
      if (sinfo.code !== 0) throw new CliError(`connected to ${session.target}, but Slurm does not answer there: ${sinfo.stderr.trim() || `sinfo exit status ${sinfo.code}`}`);
      const checkpoint = ssh.baseCheckpointDir !== null && (await session.exists(`${ssh.baseCheckpointDir}/config.json`));
      reporter.event(
        { type: "cluster", target: session.target, partitions: sinfo.stdout.trim().split("\n"), checkpoint: checkpoint ? ssh.baseCheckpointDir : null },
        `Connected to ${session.target}. Slurm partitions (name, state, time limit, nodes, node state):\n  ${sinfo.stdout.trim().split("\n").join("\n  ")}\n` +
          (checkpoint
            ? `Base checkpoint found: ${ssh.baseCheckpointDir}`
            : ssh.baseCheckpointDir === null
              ? "No base checkpoint set: give --checkpoint, the base model's Hugging Face folder on the cluster"
              : `No config.json in ${ssh.baseCheckpointDir}: give --checkpoint, the base model's Hugging Face folder on the cluster`),
      );
      return checkpoint ? EXIT.ok : EXIT.someFailed;
    } finally {
      await session.close();
    }
  });
}

export type SubmitFlags = ClusterFlags &
  HostedSubmitFlags & {
  provider?: string;
  dataset: string;
  base: string;
  name?: string;
  maxSteps?: string;
  epochs?: string;
  learningRate?: string;
  rank?: string;
  alpha?: string;
  saveSteps?: string;
  maxLength?: string;
  gradientAccumulation?: string;
  dropout?: string;
  merge?: string;
  wait?: boolean;
  pollSeconds?: string;
};

function recipeFrom(flags: SubmitFlags): Partial<Recipe> {
  const number = (flag: string, value: string | undefined) => (value === undefined ? undefined : Number(value));
  const given = {
    maxSteps: positiveInt("--max-steps", flags.maxSteps),
    epochs: positiveInt("--epochs", flags.epochs),
    learningRate: number("--learning-rate", flags.learningRate),
    rank: positiveInt("--rank", flags.rank),
    alpha: number("--alpha", flags.alpha),
    saveSteps: positiveInt("--save-steps", flags.saveSteps),
    maxLength: positiveInt("--max-length", flags.maxLength),
    gradientAccumulation: positiveInt("--gradient-accumulation", flags.gradientAccumulation),
    dropout: number("--dropout", flags.dropout),
    merge: flags.merge,
  };
  const recipe = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
  const parsed = RecipeSchema.partial().safeParse(recipe);
  if (!parsed.success) throw new CliError(`recipe: ${describeIssues(parsed.error, (path) => `--${String(path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`)}`);
  return parsed.data;
}

const PROVIDERS = ["slurm", ...HOSTED_PROVIDERS] as const;

/** Flags a hosted provider's API has no place for: refused by name rather than silently dropped. */
const SLURM_ONLY: (keyof SubmitFlags)[] = ["host", "port", "user", "key", "knownHosts", "workDir", "checkpoint", "partition", "gpus", "cpus", "mem", "time", "account", "envSetup", "maxSteps", "maxLength", "gradientAccumulation", "saveSteps", "merge"];
const HOSTED_ONLY: (keyof SubmitFlags)[] = ["pricePerMillionTokens", "maxUsd", "estimate"];
const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

export async function finetuneSubmitCommand(db: Db, dataDir: string, flags: SubmitFlags, reporter: Reporter, deps: Partial<FinetuneDeps> = {}): Promise<number> {
  const provider = flags.provider ?? "slurm";
  if (!(PROVIDERS as readonly string[]).includes(provider)) throw new CliError(`--provider must be one of ${PROVIDERS.join(", ")}, not "${provider}"`);
  if (provider !== "slurm") {
    const given = SLURM_ONLY.filter((key) => flags[key] !== undefined);
    if (given.length > 0) throw new CliError(`${given.map(flagName).join(", ")}: Slurm settings, which the ${provider} API does not take; leave ${given.length === 1 ? "it" : "them"} out`);
    return hostedSubmitCommand(db, provider as HostedProviderName, flags, recipeFrom(flags), reporter);
  }
  const hostedOnly = HOSTED_ONLY.filter((key) => flags[key] !== undefined);
  if (hostedOnly.length > 0) throw new CliError(`${hostedOnly.map(flagName).join(", ")}: for a hosted provider (--provider openpipe|together), not the cluster`);
  const cluster = clusterFrom(db, flags);
  const recipe = recipeFrom(flags);
  const base = resolveModel(db, flags.base);
  if (isServerModel(base)) throw new CliError(`--base ${flags.base}: a server model cannot be fine-tuned here; give the base GGUF the set was built for`);
  const context: FinetuneDeps = { db, dataDir, ...deps };
  const jobId = await explained(() => submitFinetune(context, { dataset: flags.dataset, base, name: flags.name, recipe, cluster, onProgress: (message) => reporter.progress(message) }));
  const status = finetuneStatus(db, dataDir, jobId);
  reporter.event({ type: "submitted", jobId, slurmJobId: status.slurmJobId, name: status.name }, `Fine-tuning job ${jobId} submitted as Slurm job ${status.slurmJobId}: follow it with oncotimeline finetune status ${jobId} --wait`);
  if (!flags.wait) return EXIT.ok;
  return follow(context, jobId, flags.pollSeconds, reporter);
}

export async function finetuneStatusCommand(db: Db, dataDir: string, jobId: string | undefined, flags: { wait?: boolean; pollSeconds?: string }, reporter: Reporter, deps: Partial<FinetuneDeps> = {}): Promise<number> {
  const context: FinetuneDeps = { db, dataDir, ...deps };
  if (jobId === undefined) {
    const jobs = jobsOfKinds(db, [FINETUNE_KIND, ...HOSTED_KINDS], 50);
    if (jobs.length === 0) reporter.progress("No fine-tuning jobs yet: oncotimeline finetune submit --dataset NAME --base MODEL");
    for (const job of jobs) {
      if (isHostedJob(db, job.id)) reportHosted(reporter, hostedStatus(db, job.id));
      else report(reporter, finetuneStatus(db, dataDir, job.id));
    }
    return EXIT.ok;
  }
  const id = positiveInt("job", jobId) as number;
  if (isHostedJob(db, id)) return hostedStatusCommand(db, id, flags, reporter);
  if (flags.wait) return follow(context, id, flags.pollSeconds, reporter);
  const status = await explained(() => pollFinetune(context, id));
  report(reporter, status);
  return exitFor(status);
}

export async function finetuneCancelCommand(db: Db, dataDir: string, jobId: string, reporter: Reporter): Promise<number> {
  const id = positiveInt("job", jobId) as number;
  if (isHostedJob(db, id)) return hostedCancelCommand(db, id, reporter);
  const status = await explained(() => cancelFinetune({ db, dataDir }, id));
  report(reporter, status);
  return EXIT.ok;
}

/** `finetune fetch JOB`: a hosted run's artefact into the data folder (a Slurm run's adapter comes home by itself once it completed). */
export async function finetuneFetchCommand(db: Db, dataDir: string, jobId: string, flags: { artefact?: string }, reporter: Reporter): Promise<number> {
  const id = positiveInt("job", jobId) as number;
  if (!isHostedJob(db, id)) {
    await explained(async () => requireFinetuneJob(db, id));
    throw new CliError(`job ${id} ran on the cluster: its adapter is fetched and registered by oncotimeline finetune status ${id} once it completed`);
  }
  return hostedFetchCommand(db, dataDir, id, flags, reporter);
}

/** Polls until the run ends here: each change of state, stage or step printed once. */
async function follow(context: FinetuneDeps, jobId: number, pollSeconds: string | undefined, reporter: Reporter): Promise<number> {
  const every = (positiveInt("--poll-seconds", pollSeconds) ?? 30) * 1000;
  let last = "";
  for (;;) {
    const status = await explained(() => pollFinetune(context, jobId));
    const line = statusLine(status);
    if (line !== last) report(reporter, status);
    last = line;
    if (status.state !== "running") return exitFor(status);
    await sleep(every);
  }
}

function exitFor(status: FinetuneStatus): number {
  return status.state === "failed" ? EXIT.someFailed : EXIT.ok;
}

function statusLine(status: FinetuneStatus): string {
  const point = status.loss.at(-1);
  const slurm = status.slurmState === null ? "" : ` Slurm ${status.slurmState}${status.slurmReason && status.slurmReason !== "None" ? ` (${status.slurmReason})` : ""}`;
  const progress = point ? `, step ${point.step}, loss ${point.loss.toFixed(4)}` : "";
  return `job ${status.jobId} "${status.name}": ${status.state}${slurm}${status.stage ? `, stage ${status.stage}` : ""}${progress}`;
}

function report(reporter: Reporter, status: FinetuneStatus): void {
  const done = status.modelId === null ? "" : `\nRegistered as model ${status.modelId} ("${status.name}")${status.mergedModelId === null ? "" : `, and the merged whole model as model ${status.mergedModelId}`}.`;
  const why = status.state === "failed" || status.state === "cancelled" ? `\n${status.message ?? ""}` : "";
  const { logTail: _log, loss, ...rest } = status;
  reporter.event({ type: "finetune", ...rest, steps: loss.length, firstLoss: loss[0]?.loss ?? null, lastLoss: loss.at(-1)?.loss ?? null }, `${statusLine(status)}${why}${done}`);
}
