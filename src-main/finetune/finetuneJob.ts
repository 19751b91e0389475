/**
 * A fine-tuning run on the hospital's Slurm cluster, as a job row: submitted once (bundle, data
 * set and run.json uploaded by SFTP, then sbatch), then followed by polls that any later process
 * can make, since everything a poll needs is in the row's params and the job's local folder
 * (an app restarted mid-training just polls again). A poll copies the new log and loss lines
 * home, so the curve survives the cluster purging the job; a finished run's adapter is fetched
 * and registered with its lineage.
 */
import { createHash } from "node:crypto";
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { RecipeSchema, type ClusterSettings, type FinetuneStatus, type LossPoint, type Recipe } from "../../src-shared/api/finetune.ts";
import type { ModelLineage } from "../../src-shared/modelLineage.ts";
import { fileSha256 } from "../base/atomicFile.ts";
import { listDatasets } from "../datasets/buildDataset.ts";
import type { VerifyOptions } from "../extract/llama/verifyModel.ts";
import { createJob, finishJob, getJob, addItems, itemsOfJob, markItemsSubmitted, commitItem, saveJobParams, type JobRow } from "../jobs/jobStore.ts";
import { registerVerifiedModel } from "../models/registerVerified.ts";
import { nowIso, type Db } from "../store/db.ts";
import { getModelById, type ModelRow } from "../store/models.ts";
import { writeTrainingBundle } from "./bundleFiles.ts";
import { sshSettingsOf } from "./clusterSettings.ts";
import { runConfig, REMOTE } from "./runConfig.ts";
import { cancel as scancel, jobState, submit, type JobState } from "./slurm/slurmRemote.ts";
import { openSsh, type SshSession, type SshSettings } from "./ssh/sshSession.ts";

export const FINETUNE_KIND = "finetune:slurm";

/** Everything a later poll needs, kept in the job row. */
export type FinetuneParams = {
  name: string;
  dataset: string;
  baseModelId: number;
  recipe: Recipe;
  ssh: Omit<SshSettings, "passphrase" | "acceptFingerprint" | "timeoutMs">;
  remoteDir: string;
  checkpointDir: string;
  bundleVersion: string;
  llamaCppCommit: string;
  slurmJobId: string | null;
  submittedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** The registered fine-tune, once fetched. */
  modelId: number | null;
  /** The merged whole model, when the recipe asked for one. */
  mergedModelId?: number | null;
};

export type FinetuneDeps = {
  db: Db;
  dataDir: string;
  /** How the fetched adapter is verified before it is registered (tests: CPU, one thread). */
  verify?: Omit<VerifyOptions, "adapterPath">;
  /** Only for an encrypted private key. */
  passphrase?: string | undefined;
};

export class FinetuneError extends Error {}

/** The job's own folder in the data folder: the log and loss copied home, run.json, and the fetched files. */
export function finetuneFolder(dataDir: string, jobId: number): string {
  return path.join(dataDir, "finetune", `job-${jobId}`);
}

function paramsOf(job: JobRow): FinetuneParams {
  return JSON.parse(job.params) as FinetuneParams;
}

function saveParams(db: Db, jobId: number, params: FinetuneParams): void {
  saveJobParams(db, jobId, params);
}

export function requireFinetuneJob(db: Db, jobId: number): JobRow {
  const job = getJob(db, jobId);
  if (!job || job.kind !== FINETUNE_KIND) throw new FinetuneError(`no fine-tuning job ${jobId}`);
  return job;
}

async function connect(params: Pick<FinetuneParams, "ssh">, deps: FinetuneDeps): Promise<SshSession> {
  return openSsh({ ...params.ssh, ...(deps.passphrase === undefined ? {} : { passphrase: deps.passphrase }) });
}

export type SubmitRequest = {
  dataset: string;
  base: ModelRow;
  /** The fine-tune's name in the model registry. Default: "<base>-<dataset>". */
  name?: string | undefined;
  recipe?: Partial<Recipe> | undefined;
  cluster: ClusterSettings;
  onProgress?: (message: string) => void;
};

/** Uploads the bundle and the set, submits the job; the row exists (and names the failure) even when the upload or sbatch fails. */
export async function submitFinetune(deps: FinetuneDeps, request: SubmitRequest): Promise<number> {
  const { db, dataDir } = deps;
  const ssh = sshSettingsOf(request.cluster);
  const dataset = listDatasets(db).find((row) => row.name === request.dataset);
  if (!dataset) throw new FinetuneError(`no training set named "${request.dataset}" (dataset list shows them)`);
  if (request.base.adapter_path !== null) throw new FinetuneError(`model "${request.base.name}" is itself a fine-tune: train on its base`);
  if (dataset.card.base_model.fingerprint !== request.base.fingerprint) {
    throw new FinetuneError(`the training set "${dataset.name}" was built for base "${dataset.card.base_model.name}", not "${request.base.name}": its token counts and lengths are that model's`);
  }
  for (const [file, { sha256 }] of Object.entries(dataset.card.files)) {
    const local = path.join(dataset.folder, file);
    if (!existsSync(local)) throw new FinetuneError(`the training set "${dataset.name}" lost ${local}: build it again`);
    if (fileSha256(local) !== sha256) throw new FinetuneError(`${local} is not the file its card describes (SHA-256 differs): build the set again`);
  }
  const recipe = RecipeSchema.parse(request.recipe ?? {});
  const name = request.name ?? `${request.base.name}-${dataset.name}`;
  const jobId = createJob(db, { kind: FINETUNE_KIND, modelId: request.base.id, params: {} });
  const stamp = nowIso().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const local = finetuneFolder(dataDir, jobId);
  const stage = path.join(local, "upload");
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(path.join(stage, REMOTE.datasetDir), { recursive: true });
  const bundle = await writeTrainingBundle(stage);
  for (const file of Object.keys(dataset.card.files)) copyFileSync(path.join(dataset.folder, file), path.join(stage, REMOTE.datasetDir, file));
  copyFileSync(path.join(dataset.folder, "card.json"), path.join(stage, REMOTE.datasetDir, "card.json"));
  const params: FinetuneParams = {
    name,
    dataset: dataset.name,
    baseModelId: request.base.id,
    recipe,
    ssh: { host: ssh.host, port: ssh.port, username: ssh.username, privateKeyPath: ssh.privateKeyPath, knownHostsPath: ssh.knownHostsPath },
    remoteDir: path.posix.join(request.cluster.workDir, `job-${jobId}-${stamp}`),
    checkpointDir: ssh.baseCheckpointDir as string,
    bundleVersion: bundle.version,
    llamaCppCommit: bundle.llamaCppCommit,
    slurmJobId: null,
    submittedAt: null,
    startedAt: null,
    finishedAt: null,
    modelId: null,
  };
  const config = runConfig(recipe, { baseDir: ssh.baseCheckpointDir as string, files: dataset.card.files });
  writeFileSync(path.join(stage, REMOTE.runConfig), `${JSON.stringify(config, null, 2)}\n`);
  copyFileSync(path.join(stage, REMOTE.runConfig), path.join(local, REMOTE.runConfig));
  saveParams(db, jobId, params);
  addItems(db, jobId, [{ key: "train", payload: { dataset: dataset.name } }]);

  let session: SshSession | undefined;
  try {
    request.onProgress?.(`Connecting to ${ssh.username}@${ssh.host}:${ssh.port}...`);
    session = await connect(params, deps);
    request.onProgress?.(`Uploading the training bundle and "${dataset.name}" to ${params.remoteDir}...`);
    await session.uploadDir(stage, params.remoteDir);
    const slurmJobId = await submit(session, {
      script: REMOTE.script,
      workDir: params.remoteDir,
      jobName: `oncotimeline-${name}`.slice(0, 64),
      gpus: request.cluster.gpus,
      cpusPerTask: request.cluster.cpusPerTask,
      mem: request.cluster.mem,
      time: request.cluster.time,
      output: REMOTE.log,
      // A requeued job appends to its log instead of truncating what the first attempt wrote.
      extraArgs: ["--open-mode=append"],
      exports: { ONCO_ENV_SETUP: request.cluster.envSetup },
      ...(request.cluster.partition === null ? {} : { partition: request.cluster.partition }),
      ...(request.cluster.account === null ? {} : { account: request.cluster.account }),
    });
    params.slurmJobId = slurmJobId;
    params.submittedAt = nowIso();
    saveParams(db, jobId, params);
    const item = itemsOfJob(db, jobId)[0];
    if (item) markItemsSubmitted(db, [item.id], slurmJobId);
    rmSync(stage, { recursive: true, force: true });
    return jobId;
  } catch (error) {
    finishJob(db, jobId, "failed", (error as Error).message);
    throw error;
  } finally {
    await session?.close();
  }
}

/** The loss curve and log as copied home so far: no network. */
export function finetuneStatus(db: Db, dataDir: string, jobId: number, seen: Partial<Pick<FinetuneStatus, "slurmState" | "slurmReason" | "stage">> = {}): FinetuneStatus {
  const job = requireFinetuneJob(db, jobId);
  const params = paramsOf(job);
  const local = finetuneFolder(dataDir, jobId);
  const progress = readProgress(local);
  return {
    jobId,
    name: params.name,
    dataset: params.dataset,
    submittedAt: params.submittedAt,
    state: job.state,
    slurmJobId: params.slurmJobId,
    slurmState: seen.slurmState ?? progress.slurmState,
    slurmReason: seen.slurmReason ?? progress.slurmReason,
    stage: seen.stage ?? progress.stage,
    loss: readLoss(path.join(local, "metrics.jsonl")),
    logTail: tail(path.join(local, "train.log"), 40),
    message: job.error,
    modelId: params.modelId,
    mergedModelId: params.mergedModelId ?? null,
  };
}

type Progress = { logOffset: number; metricsOffset: number; slurmState: string | null; slurmReason: string | null; stage: string | null };

function readProgress(local: string): Progress {
  const file = path.join(local, "progress.json");
  if (!existsSync(file)) return { logOffset: 0, metricsOffset: 0, slurmState: null, slurmReason: null, stage: null };
  return JSON.parse(readFileSync(file, "utf8")) as Progress;
}

function writeProgress(local: string, progress: Progress): void {
  writeFileSync(path.join(local, "progress.json"), JSON.stringify(progress));
}

function readLoss(file: string): LossPoint[] {
  if (!existsSync(file)) return [];
  const points: LossPoint[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      const entry = JSON.parse(line) as { step?: unknown; loss?: unknown; learning_rate?: unknown };
      if (typeof entry.step === "number" && typeof entry.loss === "number") points.push({ step: entry.step, loss: entry.loss, learningRate: typeof entry.learning_rate === "number" ? entry.learning_rate : null });
    } catch {
      // A line cut by a copy in progress: the next poll brings it whole.
    }
  }
  return points;
}

function tail(file: string, lines: number): string {
  if (!existsSync(file)) return "";
  return readFileSync(file, "utf8").split("\n").slice(-lines - 1).join("\n");
}

const ENDED_BADLY = new Set(["FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "BOOT_FAIL", "DEADLINE", "PREEMPTED"]);

/**
 * One look at the cluster: the job's state in Slurm's words, new log and loss lines copied home,
 * and, once it completed, the adapter fetched and registered. Safe to call from any process at
 * any time; a closed job is only read.
 */
export async function pollFinetune(deps: FinetuneDeps, jobId: number): Promise<FinetuneStatus> {
  const { db, dataDir } = deps;
  const job = requireFinetuneJob(db, jobId);
  const params = paramsOf(job);
  if (job.state !== "running" || params.slurmJobId === null) return finetuneStatus(db, dataDir, jobId);
  const local = finetuneFolder(dataDir, jobId);
  mkdirSync(local, { recursive: true });
  const session = await connect(params, deps);
  try {
    const state = await jobState(session, params.slurmJobId);
    const progress = readProgress(local);
    progress.logOffset = await copyNew(session, path.posix.join(params.remoteDir, REMOTE.log), path.join(local, "train.log"), progress.logOffset);
    progress.metricsOffset = await copyNew(session, path.posix.join(params.remoteDir, REMOTE.metrics), path.join(local, "metrics.jsonl"), progress.metricsOffset);
    const stageFile = path.posix.join(params.remoteDir, REMOTE.stage);
    progress.stage = (await session.exists(stageFile)) ? (await session.readFile(stageFile)).text.trim() || null : progress.stage;
    progress.slurmState = state.state;
    progress.slurmReason = state.reason ?? null;
    writeProgress(local, progress);
    if (params.startedAt === null && state.startTime !== undefined) {
      params.startedAt = state.startTime;
      saveParams(db, jobId, params);
    }
    await settle(deps, job, params, state, session, local);
    return finetuneStatus(db, dataDir, jobId);
  } finally {
    await session.close();
  }
}

async function copyNew(session: SshSession, remote: string, localFile: string, offset: number): Promise<number> {
  if (!(await session.exists(remote))) return offset;
  const chunk = await session.readFile(remote, { offset });
  // A resumed run rewrites its metrics back to its checkpoint's step: then the copy starts over.
  if (chunk.restarted) writeFileSync(localFile, chunk.text);
  else if (chunk.text !== "") appendFileSync(localFile, chunk.text);
  return chunk.offset;
}

/** A job that ended: fetched and registered, or failed with the words that say why. */
async function settle(deps: FinetuneDeps, job: JobRow, params: FinetuneParams, state: JobState, session: SshSession, local: string): Promise<void> {
  const { db } = deps;
  const item = itemsOfJob(db, job.id)[0];
  const resultFile = path.posix.join(params.remoteDir, REMOTE.result);
  // Without accounting a long-ended job is forgotten by the controller: its files say how it went.
  const completed = state.state === "COMPLETED" || (state.state === "UNKNOWN" && (await session.exists(resultFile)));
  if (completed) {
    params.finishedAt = state.endTime ?? nowIso();
    for (const [remote, file] of [[REMOTE.adapter, "adapter.gguf"], [REMOTE.result, "result.json"], [REMOTE.preflight, "preflight.json"]] as const) {
      await session.downloadFile(path.posix.join(params.remoteDir, remote), path.join(local, file));
    }
    if (params.recipe.merge !== null) await session.downloadFile(path.posix.join(params.remoteDir, REMOTE.merged(params.recipe.merge)), path.join(local, `merged-${params.recipe.merge}.gguf`));
    const { adapter, merged } = await registerFinetune(deps, job, params, local);
    params.modelId = adapter.id;
    params.mergedModelId = merged?.id ?? null;
    saveParams(db, job.id, params);
    if (item) commitItem(db, item.id, { state: "done", error: null });
    finishJob(db, job.id, "done");
    return;
  }
  if (ENDED_BADLY.has(state.state) || state.state === "UNKNOWN") {
    params.finishedAt = state.endTime ?? nowIso();
    saveParams(db, job.id, params);
    const why = failureWords(path.join(local, "train.log"), state);
    if (item) commitItem(db, item.id, { state: "failed", error: why });
    finishJob(db, job.id, state.state === "CANCELLED" ? "cancelled" : "failed", why);
  }
}

/** The bundle's own failure lines (preflight, a Python error) where it wrote any, else Slurm's. */
function failureWords(logFile: string, state: JobState): string {
  const log = existsSync(logFile) ? readFileSync(logFile, "utf8") : "";
  const lines = log.split("\n").filter((line) => /^(preflight: |error: |[A-Za-z]*Error: )/.test(line.trim()));
  const slurm = `Slurm: ${state.state}${state.reason && state.reason !== "None" ? ` (${state.reason})` : ""}${state.exitCode === undefined ? "" : `, exit code ${state.exitCode}`}`;
  return lines.length > 0 ? `${lines.slice(-5).join("\n")}\n${slurm}` : slurm;
}

type TrainingResult = { steps?: number; first_loss?: number; last_loss?: number; train_seconds?: number; mode?: string; device?: string; base_checkpoint_sha256?: string };

/** The adapter on its base, and the merged whole model where the recipe asked for one, both with the run's lineage. */
async function registerFinetune(deps: FinetuneDeps, job: JobRow, params: FinetuneParams, local: string): Promise<{ adapter: ModelRow; merged: ModelRow | null }> {
  const { db } = deps;
  const base = getModelById(db, params.baseModelId);
  if (!base) throw new FinetuneError(`the base model of fine-tune job ${job.id} (model ${params.baseModelId}) is no longer registered`);
  const dataset = listDatasets(db).find((row) => row.name === params.dataset);
  const result = JSON.parse(readFileSync(path.join(local, "result.json"), "utf8")) as TrainingResult;
  const loss = readLoss(path.join(local, "metrics.jsonl"));
  const every = Math.max(1, Math.ceil(loss.length / 500));
  const lineage: ModelLineage = {
    base: { name: base.name, fingerprint: base.fingerprint, checkpointSha256: result.base_checkpoint_sha256 ?? null },
    dataset: dataset
      ? {
          name: dataset.name,
          origin: dataset.card.origin,
          cardSha256: createHash("sha256").update(readFileSync(path.join(dataset.folder, "card.json"))).digest("hex"),
          files: dataset.card.files,
          promptVersion: dataset.card.prompt_version,
        }
      : null,
    recipe: params.recipe,
    job: { kind: "slurm", where: `${params.ssh.username}@${params.ssh.host}:${params.ssh.port}`, jobId: params.slurmJobId ?? "", submittedAt: params.submittedAt ?? job.created_at, startedAt: params.startedAt, finishedAt: params.finishedAt },
    training: {
      steps: result.steps ?? loss.length,
      firstLoss: result.first_loss ?? loss[0]?.loss ?? null,
      lastLoss: result.last_loss ?? loss.at(-1)?.loss ?? null,
      seconds: result.train_seconds ?? null,
      mode: result.mode ?? "lora",
      device: result.device ?? "unknown",
      loss: loss.filter((_, i) => i % every === 0 || i === loss.length - 1).map((point) => [point.step, point.loss]),
    },
    bundleVersion: params.bundleVersion,
    llamaCppCommit: params.llamaCppCommit,
  };
  const { model } = await registerVerifiedModel(db, { file: base.path, adapter: path.join(local, "adapter.gguf"), name: params.name, lineage }, deps.verify);
  if (params.recipe.merge === null) return { adapter: model, merged: null };
  const merged = await registerVerifiedModel(db, { file: path.join(local, `merged-${params.recipe.merge}.gguf`), name: `${params.name}-merged-${params.recipe.merge}`, lineage }, deps.verify);
  return { adapter: model, merged: merged.model };
}

/** scancel, then the row says cancelled; a job that already ended is settled as it ended instead. */
export async function cancelFinetune(deps: FinetuneDeps, jobId: number): Promise<FinetuneStatus> {
  const { db, dataDir } = deps;
  const job = requireFinetuneJob(db, jobId);
  const params = paramsOf(job);
  if (job.state !== "running") throw new FinetuneError(`fine-tuning job ${jobId} is already ${job.state}`);
  if (params.slurmJobId === null) {
    finishJob(db, jobId, "cancelled", "cancelled before it reached Slurm");
    return finetuneStatus(db, dataDir, jobId);
  }
  const session = await connect(params, deps);
  try {
    const outcome = await scancel(session, params.slurmJobId);
    if (outcome.outcome === "already-ended") return await pollFinetune(deps, jobId);
  } finally {
    await session.close();
  }
  params.finishedAt = nowIso();
  saveParams(db, jobId, params);
  const local = finetuneFolder(dataDir, jobId);
  mkdirSync(local, { recursive: true });
  writeProgress(local, { ...readProgress(local), slurmState: "CANCELLED", slurmReason: null });
  const item = itemsOfJob(db, jobId)[0];
  if (item) commitItem(db, item.id, { state: "failed", error: "cancelled" });
  finishJob(db, jobId, "cancelled", `cancelled (scancel ${params.slurmJobId})`);
  return finetuneStatus(db, dataDir, jobId);
}
