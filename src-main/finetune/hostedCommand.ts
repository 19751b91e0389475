/**
 * `finetune submit --provider openpipe|together`, and `status`, `cancel` and `fetch` of a hosted
 * job. The key comes from the environment only (never a flag, never printed or stored); the
 * cost estimate is printed before anything is sent, and `--max-usd` refuses a run over it.
 */
import { RecipeSchema, type Recipe } from "../../src-shared/api/finetune.ts";
import { formatUsd as usd } from "../../src-shared/formatUsd.ts";
import { sleep } from "../base/sleep.ts";
import { RealLettersError } from "../datasets/cloudSafe.ts";
import { secretFromEnvironment } from "../app/secrets.ts";
import { CliError, EXIT, positiveInt, type Reporter } from "../cliKit/reporter.ts";
import { resolveModel } from "../models/modelsCommand.ts";
import type { Db } from "../store/db.ts";
import { isServerModel } from "../store/models.ts";
import { FinetuneError } from "./finetuneJob.ts";
import { cancelHosted, fetchHosted, refuseOverCeiling, storedPrice, hostedStatus, planHosted, pollHosted, requireHostedJob, submitHosted, hostedProviderOf, type CostEstimate, type HostedStatus } from "./hostedJob.ts";
import { ProviderError, type HostedProvider, type HostedProviderName } from "./providers/provider.ts";
import { keyFromEnvironmentHint, PROVIDER_LABEL, PROVIDER_SECRET, providerFor } from "./providers/providerFor.ts";
import { getJob } from "../jobs/jobStore.ts";
import { readSettings, writeSettings } from "../settings/storedSettings.ts";

export type HostedSubmitFlags = {
  dataset: string;
  base: string;
  name?: string;
  pricePerMillionTokens?: string;
  /** Stores --price-per-million-tokens as the provider's price setting. */
  save?: boolean;
  maxUsd?: string;
  estimate?: boolean;
  wait?: boolean;
  pollSeconds?: string;
};

/** Provider and job failures as one CLI line; anything else is a bug and stays loud. */
async function explained<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ProviderError || error instanceof FinetuneError || error instanceof RealLettersError) throw new CliError(error.message);
    if (error instanceof Error && /^no training set named/.test(error.message)) throw new CliError(error.message);
    throw error;
  }
}

function client(name: HostedProviderName, reporter: Reporter): HostedProvider {
  return providerFor(name, { apiKey: secretFromEnvironment(PROVIDER_SECRET[name]), keyWhere: keyFromEnvironmentHint(name), onRetry: (message) => reporter.progress(message) });
}

function nonNegative(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new CliError(`${flag} must be a number of US dollars, not "${value}"`);
  return parsed;
}


function estimateLine(provider: HostedProviderName, estimate: CostEstimate): string {
  return `Estimated ${PROVIDER_LABEL[provider]} training cost: ${estimate.trainingTokens.toLocaleString("en")} training tokens × ${estimate.epochs} epoch${estimate.epochs === 1 ? "" : "s"} × ${usd(estimate.pricePerMillionTokens)} per million tokens = ${usd(estimate.usd)}`;
}

export async function hostedSubmitCommand(db: Db, provider: HostedProviderName, flags: HostedSubmitFlags, recipe: Partial<Recipe>, reporter: Reporter): Promise<number> {
  const base = resolveModel(db, flags.base);
  if (isServerModel(base)) throw new CliError(`--base ${flags.base}: a server model cannot be fine-tuned; give the base GGUF the set was built for`);
  const priceFlag = nonNegative("--price-per-million-tokens", flags.pricePerMillionTokens);
  const stored = readSettings(db);
  const setting = provider === "openpipe" ? "openpipePricePerMillionTokens" : "togetherPricePerMillionTokens";
  const price = priceFlag ?? storedPrice(stored, provider);
  if (flags.save) {
    if (priceFlag === undefined) throw new CliError("--save with a hosted provider stores --price-per-million-tokens: give it");
    const { warnings: _ignored, ...settings } = stored;
    writeSettings(db, { ...settings, hostedFinetune: { ...stored.hostedFinetune, [setting]: priceFlag } });
  }
  const maxUsd = nonNegative("--max-usd", flags.maxUsd);
  const request = { provider, dataset: flags.dataset, base, name: flags.name, recipe: RecipeSchema.parse(recipe), pricePerMillionTokens: price };
  // Planned (cloud-safe check, card, estimate) before a client or a key exists: a refused set sends nothing.
  const plan = await explained(async () => planHosted(db, request));
  const { estimate } = plan.params;
  reporter.event({ type: "estimate", provider, ...estimate }, estimateLine(provider, estimate));
  if (flags.estimate) return EXIT.ok;
  await explained(async () => refuseOverCeiling(estimate, maxUsd));
  const jobId = await explained(async () => submitHosted(db, client(provider, reporter), plan, (message) => reporter.progress(message)));
  const status = hostedStatus(db, jobId);
  reporter.event(
    { type: "submitted", jobId, provider, runId: status.runId, name: status.name, estimateUsd: estimate.usd },
    `Fine-tuning job ${jobId} started at ${PROVIDER_LABEL[provider]} as ${status.runId} (${status.providerStatus}): follow it with oncotimeline finetune status ${jobId} --wait`,
  );
  if (!flags.wait) return EXIT.ok;
  return follow(db, provider, jobId, flags.pollSeconds, reporter);
}

/** Whether a job id names a hosted job (status, cancel and fetch take either kind). */
export function isHostedJob(db: Db, jobId: number): boolean {
  const job = getJob(db, jobId);
  return job !== undefined && hostedProviderOf(job) !== null;
}

function providerOfJob(db: Db, jobId: number): HostedProviderName {
  return hostedProviderOf(requireHostedJob(db, jobId)) as HostedProviderName;
}

export async function hostedStatusCommand(db: Db, jobId: number, flags: { wait?: boolean; pollSeconds?: string }, reporter: Reporter): Promise<number> {
  const provider = providerOfJob(db, jobId);
  if (flags.wait) return follow(db, provider, jobId, flags.pollSeconds, reporter);
  const status = await explained(async () => (hostedStatus(db, jobId).state === "running" ? pollHosted(db, client(provider, reporter), jobId) : hostedStatus(db, jobId)));
  reportHosted(reporter, status);
  return status.state === "failed" ? EXIT.someFailed : EXIT.ok;
}

export async function hostedCancelCommand(db: Db, jobId: number, reporter: Reporter): Promise<number> {
  const provider = providerOfJob(db, jobId);
  const status = await explained(() => cancelHosted(db, client(provider, reporter), jobId));
  reportHosted(reporter, status);
  return EXIT.ok;
}

export async function hostedFetchCommand(db: Db, dataDir: string, jobId: number, flags: { artefact?: string }, reporter: Reporter): Promise<number> {
  const provider = providerOfJob(db, jobId);
  const result = await explained(() => fetchHosted(db, dataDir, client(provider, reporter), jobId, flags.artefact));
  for (const artefact of result.artefacts) reporter.event({ type: "artefact", jobId, ...artefact }, `  ${artefact.name} (${artefact.kind}): ${artefact.description}`);
  if (result.fetched === null) {
    reporter.event({ type: "fetched", jobId, path: null }, `Nothing was downloaded: ${PROVIDER_LABEL[provider]}'s API serves no file for this run (see above for what to do)`);
    return EXIT.someFailed;
  }
  reporter.event({ type: "fetched", jobId, path: result.fetched.path, bytes: result.fetched.bytes }, `Fetched ${result.fetched.path} (${result.fetched.bytes} bytes)`);
  return EXIT.ok;
}

async function follow(db: Db, provider: HostedProviderName, jobId: number, pollSeconds: string | undefined, reporter: Reporter): Promise<number> {
  const every = (positiveInt("--poll-seconds", pollSeconds) ?? 30) * 1000;
  const api = await explained(async () => client(provider, reporter));
  let last = "";
  for (;;) {
    const status = await explained(() => pollHosted(db, api, jobId));
    const line = statusLine(status);
    if (line !== last) reportHosted(reporter, status);
    last = line;
    if (status.state !== "running") return status.state === "failed" ? EXIT.someFailed : EXIT.ok;
    await sleep(every);
  }
}

export function statusLine(status: HostedStatus): string {
  const cost = status.costUsd === null ? `estimated ${usd(status.estimate.usd)}` : `cost ${usd(status.costUsd)} (estimated ${usd(status.estimate.usd)})`;
  return `job ${status.jobId} "${status.name}" at ${PROVIDER_LABEL[status.provider]}: ${status.state}${status.providerStatus ? ` (${PROVIDER_LABEL[status.provider]}: ${status.providerStatus})` : ""}, ${cost}`;
}

export function reportHosted(reporter: Reporter, status: HostedStatus): void {
  const why = status.state === "failed" || status.state === "cancelled" ? `\n${status.message ?? ""}` : "";
  const fetchHint = status.state === "done" && status.fetched.length === 0 ? `\nFinished: oncotimeline finetune fetch ${status.jobId}` : "";
  // The provider's latest events (Together keeps a log) say what it is doing between status words.
  const events = status.events.length === 0 ? "" : `\n${status.events.slice(-3).map((line) => `  ${line}`).join("\n")}`;
  reporter.event({ type: "finetune", ...status }, `${statusLine(status)}${events}${why}${fetchHint}`);
}
