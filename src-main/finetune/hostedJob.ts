/**
 * A fine-tune on a hosted service, as a job row of kind `finetune:openpipe` or `finetune:together`
 * (the job runtime's, like the Slurm path's `finetune:slurm`): the set is checked cloud-safe and
 * its cost estimated before anything is sent, then uploaded and started; later polls, from any
 * process, read the provider's status into the row; a finished run's cost (where the provider
 * says it) is kept on the job's item, and its artefacts are listed and fetched into the job's folder.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { CostEstimate, HostedFetched, HostedFinetuneStatus, Recipe } from "../../src-shared/api/finetune.ts";
import { formatUsd } from "../../src-shared/formatUsd.ts";
import { fileSha256 } from "../base/atomicFile.ts";
import { listDatasets } from "../datasets/buildDataset.ts";
import { cloudSafeDataset } from "../datasets/cloudSafe.ts";
import { addItems, commitItem, createJob, finishJob, getJob, itemsOfJob, markItemsSubmitted, saveJobParams, type JobRow } from "../jobs/jobStore.ts";
import { nowIso, type Db } from "../store/db.ts";
import type { ModelRow } from "../store/models.ts";
import { FinetuneError, finetuneFolder } from "./finetuneJob.ts";
import { estimateCostUsd, HOSTED_PROVIDERS, type Artefact, type HostedProvider, type HostedProviderName, type HostedRecipe, type ProviderStatus, type Uploaded } from "./providers/provider.ts";
import { PROVIDER_LABEL } from "./providers/providerFor.ts";
import { trainingTokens } from "./providers/trainingRows.ts";

export const HOSTED_KINDS = HOSTED_PROVIDERS.map((provider) => `finetune:${provider}`);

export function hostedKind(provider: HostedProviderName): string {
  return `finetune:${provider}`;
}

export type { CostEstimate };

export type HostedParams = {
  provider: HostedProviderName;
  name: string;
  dataset: string;
  baseModelId: number;
  /** The provider's name of the base it trains, once a client took the job. */
  providerBaseModel: string | null;
  recipe: HostedRecipe;
  estimate: CostEstimate;
  uploaded: Uploaded | null;
  runId: string | null;
  submittedAt: string | null;
  finishedAt: string | null;
  last: ProviderStatus | null;
  artefacts: Artefact[];
  fetched: HostedFetched[];
};

export type HostedStatus = HostedFinetuneStatus;

export function hostedProviderOf(job: JobRow): HostedProviderName | null {
  const name = job.kind.slice("finetune:".length);
  return job.kind.startsWith("finetune:") && (HOSTED_PROVIDERS as readonly string[]).includes(name) ? (name as HostedProviderName) : null;
}

function paramsOf(job: JobRow): HostedParams {
  return JSON.parse(job.params) as HostedParams;
}

function saveParams(db: Db, jobId: number, params: HostedParams): void {
  saveJobParams(db, jobId, params);
}

export function requireHostedJob(db: Db, jobId: number): JobRow {
  const job = getJob(db, jobId);
  if (!job || hostedProviderOf(job) === null) throw new FinetuneError(`no hosted fine-tuning job ${jobId}`);
  return job;
}

export function hostedStatus(db: Db, jobId: number): HostedStatus {
  const job = requireHostedJob(db, jobId);
  const params = paramsOf(job);
  return {
    jobId,
    kind: job.kind,
    provider: params.provider,
    name: params.name,
    dataset: params.dataset,
    state: job.state,
    runId: params.runId,
    providerStatus: params.last?.words ?? null,
    message: job.error ?? params.last?.message ?? null,
    events: params.last?.events ?? [],
    estimate: params.estimate,
    costUsd: params.last?.costUsd ?? null,
    trainedTokens: params.last?.trainedTokens ?? null,
    artefacts: params.artefacts,
    fetched: params.fetched,
    submittedAt: params.submittedAt,
    finishedAt: params.finishedAt,
  };
}

export type HostedRequest = {
  provider: HostedProviderName;
  dataset: string;
  base: ModelRow;
  name?: string | undefined;
  recipe: Recipe;
  pricePerMillionTokens: number;
};

export type HostedPlan = { params: HostedParams };

/**
 * Everything checked before anything leaves: the set is cloud-safe (no real letter; refused
 * here, before any request), its files are the ones its card describes, it was built for this
 * base; and what it will cost. No job row yet.
 */
export function planHosted(db: Db, request: HostedRequest): HostedPlan {
  const safe = cloudSafeDataset(db, request.dataset);
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
  const recipe: HostedRecipe = { epochs: request.recipe.epochs, learningRate: request.recipe.learningRate, rank: request.recipe.rank, alpha: request.recipe.alpha, dropout: request.recipe.dropout };
  const tokens = trainingTokens(safe);
  const estimate: CostEstimate = { trainingTokens: tokens, epochs: recipe.epochs, pricePerMillionTokens: request.pricePerMillionTokens, usd: estimateCostUsd(tokens, recipe.epochs, request.pricePerMillionTokens) };
  return {
    params: {
      provider: request.provider,
      name: request.name ?? `${request.base.name}-${dataset.name}`,
      dataset: dataset.name,
      baseModelId: request.base.id,
      providerBaseModel: null,
      recipe,
      estimate,
      uploaded: null,
      runId: null,
      submittedAt: null,
      finishedAt: null,
      last: null,
      artefacts: [],
      fetched: [],
    },
  };
}

/** Refuses a run whose estimate is over the ceiling the user set, before anything is sent. */
export function refuseOverCeiling(estimate: CostEstimate, maxUsd: number | undefined): void {
  if (maxUsd !== undefined && estimate.usd > maxUsd) throw new FinetuneError(`the estimate ${formatUsd(estimate.usd)} is over --max-usd ${formatUsd(maxUsd)}: nothing was sent`);
}

/** The price per million training tokens the settings hold for a provider. */
export function storedPrice(settings: { hostedFinetune: { openpipePricePerMillionTokens: number; togetherPricePerMillionTokens: number } }, provider: HostedProviderName): number {
  return provider === "openpipe" ? settings.hostedFinetune.openpipePricePerMillionTokens : settings.hostedFinetune.togetherPricePerMillionTokens;
}

/** Uploads the set and starts the run; the job row exists (and names the failure) even when the upload or start fails. */
export async function submitHosted(db: Db, provider: HostedProvider, plan: HostedPlan, onProgress?: (message: string) => void): Promise<number> {
  const params: HostedParams = { ...plan.params, providerBaseModel: provider.baseModel };
  // Checked again at hand-off, so a file changed since the plan is caught too.
  const safe = cloudSafeDataset(db, params.dataset);
  const jobId = createJob(db, { kind: hostedKind(params.provider), modelId: params.baseModelId, params });
  addItems(db, jobId, [{ key: "train", payload: { dataset: params.dataset } }]);
  try {
    onProgress?.(`Uploading "${params.dataset}" to ${PROVIDER_LABEL[params.provider]}...`);
    params.uploaded = await provider.upload(safe, `oncotimeline-${params.name}-job-${jobId}`, onProgress);
    saveParams(db, jobId, params);
    const started = await provider.start(params.uploaded, { name: `${params.name}-job-${jobId}`, recipe: params.recipe });
    params.runId = started.runId;
    params.submittedAt = nowIso();
    params.last = started.status;
    saveParams(db, jobId, params);
    const item = itemsOfJob(db, jobId)[0];
    if (item) markItemsSubmitted(db, [item.id], started.runId);
    return jobId;
  } catch (error) {
    finishJob(db, jobId, "failed", (error as Error).message);
    throw error;
  }
}

/** One look at the provider: its word kept; a finished run settled (cost, artefacts), a failed one with the provider's message. A closed job is only read. */
export async function pollHosted(db: Db, provider: HostedProvider, jobId: number): Promise<HostedStatus> {
  const job = requireHostedJob(db, jobId);
  const params = paramsOf(job);
  if (job.state !== "running" || params.runId === null) return hostedStatus(db, jobId);
  const status = await provider.status(params.runId);
  params.last = status;
  if (status.state !== "running") params.finishedAt = nowIso();
  if (status.state === "succeeded") params.artefacts = await provider.artefacts(params.runId);
  saveParams(db, jobId, params);
  settle(db, job, status);
  return hostedStatus(db, jobId);
}

function settle(db: Db, job: JobRow, status: ProviderStatus): void {
  if (status.state === "running") return;
  const item = itemsOfJob(db, job.id)[0];
  const label = PROVIDER_LABEL[paramsOf(job).provider];
  const why = status.state === "failed" ? `${label} ${status.words}: ${status.message ?? "no message"}` : status.state === "cancelled" ? `cancelled at ${label} (${status.words})` : null;
  if (item) commitItem(db, item.id, { state: status.state === "succeeded" ? "done" : "failed", error: why, costUsd: status.costUsd ?? 0 });
  finishJob(db, job.id, status.state === "succeeded" ? "done" : status.state === "cancelled" ? "cancelled" : "failed", why);
}

export async function cancelHosted(db: Db, provider: HostedProvider, jobId: number): Promise<HostedStatus> {
  const job = requireHostedJob(db, jobId);
  const params = paramsOf(job);
  if (job.state !== "running") throw new FinetuneError(`fine-tuning job ${jobId} is already ${job.state}`);
  if (params.runId === null) {
    finishJob(db, jobId, "cancelled", `cancelled before it reached ${PROVIDER_LABEL[params.provider]}`);
    return hostedStatus(db, jobId);
  }
  const status = await provider.cancel(params.runId);
  // Cancel asked; a run that had already ended is settled as it ended.
  const settled: ProviderStatus = status.state === "running" ? { ...status, state: "cancelled" } : status;
  params.last = { ...settled, message: settled.message ?? status.message };
  params.finishedAt = nowIso();
  saveParams(db, jobId, params);
  settle(db, job, settled);
  return hostedStatus(db, jobId);
}

/** The finished run's artefact `which` (default: the first downloadable one) into the job's folder. */
export async function fetchHosted(db: Db, dataDir: string, provider: HostedProvider, jobId: number, which?: string): Promise<{ status: HostedStatus; fetched: HostedFetched | null; artefacts: Artefact[] }> {
  const job = requireHostedJob(db, jobId);
  const params = paramsOf(job);
  if (job.state !== "done" || params.runId === null) throw new FinetuneError(`fine-tuning job ${jobId} is ${job.state}${params.last ? ` (${PROVIDER_LABEL[params.provider]}: ${params.last.words})` : ""}: only a finished run has anything to fetch`);
  const artefacts = await provider.artefacts(params.runId);
  params.artefacts = artefacts;
  const chosen = which === undefined ? artefacts.find((artefact) => artefact.downloadable) : artefacts.find((artefact) => artefact.name === which);
  if (which !== undefined && !chosen) throw new FinetuneError(`${PROVIDER_LABEL[params.provider]} has no "${which}" for job ${jobId}: ${artefacts.map((artefact) => artefact.name).join(", ") || "nothing"}`);
  if (!chosen || !chosen.downloadable) {
    saveParams(db, jobId, params);
    return { status: hostedStatus(db, jobId), fetched: null, artefacts };
  }
  const fetched: HostedFetched = { ...(await provider.fetch(params.runId, chosen, finetuneFolder(dataDir, jobId))), artefact: chosen.name };
  params.fetched = [...params.fetched.filter((entry) => entry.artefact !== chosen.name), fetched];
  saveParams(db, jobId, params);
  return { status: hostedStatus(db, jobId), fetched, artefacts };
}
