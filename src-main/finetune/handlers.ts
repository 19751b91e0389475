import { ApiFailure, type Handlers } from "../../src-shared/api.ts";
import type { finetuneApi } from "../../src-shared/api/finetune.ts";
import type { JobKind } from "../jobs/jobKinds.ts";
import { jobsOfKinds, type JobRow } from "../jobs/jobStore.ts";
import { requireModel } from "../models/requireModel.ts";
import type { ServiceContext } from "../serviceContext.ts";
import { ClusterNotSetUpError, sshSettingsOf } from "./clusterSettings.ts";
import { cancelFinetune, FINETUNE_KIND, FinetuneError, finetuneStatus, pollFinetune, submitFinetune, type FinetuneDeps } from "./finetuneJob.ts";
import { SlurmError } from "./slurm/slurmRemote.ts";
import { HostKeyUnknown, SshError } from "./ssh/sshErrors.ts";
import { openSsh } from "./ssh/sshSession.ts";
import { SECRET_ENV } from "../../src-shared/secrets.ts";
import { RealLettersError } from "../datasets/cloudSafe.ts";
import { RecipeSchema, type Recipe } from "../../src-shared/api/finetune.ts";
import { cancelHosted, fetchHosted, HOSTED_KINDS, hostedProviderOf, hostedStatus, planHosted, pollHosted, refuseOverCeiling, requireHostedJob, storedPrice, submitHosted, type HostedRequest } from "./hostedJob.ts";
import { HOSTED_PROVIDERS, ProviderError, type HostedProviderName } from "./providers/provider.ts";
import { PROVIDER_LABEL, PROVIDER_SECRET, providerFor } from "./providers/providerFor.ts";

/** A cluster that is away for a while must not fill the log: one line per distinct failure. */
const POLL_EVERY_MS = 60_000;

function explained<T>(work: () => Promise<T>): Promise<T> {
  return work().catch((error: unknown) => {
    if (error instanceof ClusterNotSetUpError || error instanceof RealLettersError) throw new ApiFailure("invalid-input", error.message);
    if (error instanceof ProviderError) throw new ApiFailure("failed", error.message);
    if (error instanceof FinetuneError) throw new ApiFailure("conflict", error.message);
    if (error instanceof SshError || error instanceof SlurmError) throw new ApiFailure("failed", error.message);
    throw error;
  });
}

export type FinetuneService = { handlers: Handlers<typeof finetuneApi>; kind: JobKind; hostedKinds: JobKind[]; close(): void };

/**
 * The fine-tune screen's calls, and a background poll of every running fine-tune (so a job
 * submitted before a restart is followed, fetched and registered without anyone asking).
 */
export function createFinetuneService(context: ServiceContext): FinetuneService {
  const { db, dataDir } = context;
  const deps = (): FinetuneDeps => ({ db, dataDir, ...(context.engine ? { verify: { gpu: context.engine.gpu, threads: context.engine.threads, spawnWorker: context.engine.spawnWorker } } : {}) });
  const polling = new Set<number>();
  const reported = new Set<string>();
  const poll = async (jobId: number) => {
    if (polling.has(jobId)) return finetuneStatus(db, dataDir, jobId);
    polling.add(jobId);
    try {
      return await pollFinetune(deps(), jobId);
    } finally {
      polling.delete(jobId);
    }
  };
  // A hosted run's key is the app's stored one (else the environment's), read at each look, never kept.
  const hostedClient = (provider: HostedProviderName) =>
    providerFor(provider, { apiKey: context.secret(PROVIDER_SECRET[provider]), keyWhere: `add the ${PROVIDER_LABEL[provider]} API key in Settings (or set ${SECRET_ENV[PROVIDER_SECRET[provider]]} for oncotimeline serve)` });
  const pollHostedJob = async (jobId: number) => {
    const provider = hostedProviderOf(requireHostedJob(db, jobId)) as HostedProviderName;
    if (polling.has(jobId)) return hostedStatus(db, jobId);
    polling.add(jobId);
    try {
      return await pollHosted(db, hostedClient(provider), jobId);
    } finally {
      polling.delete(jobId);
    }
  };
  const hostedRequest = (input: { provider: HostedProviderName; dataset: string; baseModelId: number; name?: string | undefined; recipe?: Partial<Recipe> | undefined }): HostedRequest => ({
    provider: input.provider,
    dataset: input.dataset,
    base: requireModel(db, input.baseModelId),
    name: input.name,
    recipe: RecipeSchema.parse(input.recipe ?? {}),
    pricePerMillionTokens: storedPrice(context.settings(), input.provider),
  });
  const timer = setInterval(() => {
    for (const job of jobsOfKinds(db, [FINETUNE_KIND, ...HOSTED_KINDS], 100).filter((row) => row.state === "running")) {
      (hostedProviderOf(job) === null ? poll(job.id) : pollHostedJob(job.id)).catch((error: unknown) => {
        const message = `fine-tune job ${job.id}: ${(error as Error).message}`;
        if (!reported.has(message)) context.log(message);
        reported.add(message);
      });
    }
  }, POLL_EVERY_MS);
  timer.unref();

  const handlers: Handlers<typeof finetuneApi> = {
    "finetune.connect": ({ acceptFingerprint }) =>
      explained(async () => {
        const ssh = sshSettingsOf(context.settings().cluster, "connect");
        let session;
        try {
          session = await openSsh({ ...ssh, ...(acceptFingerprint === undefined ? {} : { acceptFingerprint }) });
        } catch (error) {
          if (error instanceof HostKeyUnknown) return { state: "unknown-host-key", keyType: error.keyType, fingerprint: error.fingerprint, message: error.message };
          throw error;
        }
        try {
          const sinfo = await session.exec("sinfo -h -o '%P %a %l %D %T'");
          if (sinfo.code !== 0) throw new ApiFailure("failed", `connected to ${session.target}, but Slurm does not answer there: ${sinfo.stderr.trim() || `sinfo exit status ${sinfo.code}`}`);
          return { state: "connected", target: session.target, partitions: sinfo.stdout.trim().split("\n").filter(Boolean), checkpointFound: ssh.baseCheckpointDir !== null && (await session.exists(`${ssh.baseCheckpointDir}/config.json`)) };
        } finally {
          await session.close();
        }
      }),
    "finetune.submit": ({ dataset, baseModelId, name, recipe }) =>
      explained(async () => {
        const base = requireModel(db, baseModelId);
        const jobId = await submitFinetune(deps(), { dataset, base, name, recipe, cluster: context.settings().cluster });
        return finetuneStatus(db, dataDir, jobId);
      }),
    "finetune.list": () => jobsOfKinds(db, [FINETUNE_KIND], 100).map((job) => finetuneStatus(db, dataDir, job.id)),
    "finetune.get": ({ jobId, poll: look }) => explained(async () => (look ? await poll(jobId) : finetuneStatus(db, dataDir, jobId))),
    "finetune.cancel": ({ jobId }) => explained(() => cancelFinetune(deps(), jobId)),
    "finetune.hostedEstimate": (input) => explained(async () => planHosted(db, hostedRequest(input)).params.estimate),
    "finetune.hostedSubmit": ({ maxUsd, ...input }) =>
      explained(async () => {
        const plan = planHosted(db, hostedRequest(input));
        refuseOverCeiling(plan.params.estimate, maxUsd);
        return hostedStatus(db, await submitHosted(db, hostedClient(input.provider), plan));
      }),
    "finetune.hostedList": () => jobsOfKinds(db, HOSTED_KINDS, 100).map((job) => hostedStatus(db, job.id)),
    "finetune.hostedGet": ({ jobId, poll: look }) => explained(async () => (look ? await pollHostedJob(jobId) : hostedStatus(db, jobId))),
    "finetune.hostedCancel": ({ jobId }) => explained(() => cancelHosted(db, hostedClient(hostedProviderOf(requireHostedJob(db, jobId)) as HostedProviderName), jobId)),
    "finetune.hostedFetch": ({ jobId, artefact }) => explained(() => fetchHosted(db, dataDir, hostedClient(hostedProviderOf(requireHostedJob(db, jobId)) as HostedProviderName), jobId, artefact)),
  };

  const kind: JobKind = {
    name: FINETUNE_KIND,
    inFlight: "the job on the cluster",
    describe: (job: JobRow, base) => {
      const status = finetuneStatus(db, dataDir, job.id);
      return { ...base, model: status.name, engine: status.slurmState === null ? "Slurm" : `Slurm ${status.slurmState}` };
    },
    errors: (job: JobRow) => (job.error === null ? [] : [{ key: "train", letterId: null, source: `fine-tune job ${job.id}`, error: job.error, attempts: 1 }]),
    // Nothing runs here: the job runs on the cluster; "resuming" is looking at it again.
    resume: (job: JobRow) => poll(job.id),
  };
  const hostedKinds: JobKind[] = HOSTED_PROVIDERS.map((provider) => ({
    name: `finetune:${provider}`,
    inFlight: `the run at ${PROVIDER_LABEL[provider]}`,
    describe: (job: JobRow, base) => {
      const status = hostedStatus(db, job.id);
      return { ...base, model: status.name, engine: `${PROVIDER_LABEL[provider]}${status.providerStatus ? ` ${status.providerStatus}` : ""}`, costUsd: status.costUsd ?? base.costUsd };
    },
    errors: (job: JobRow) => (job.error === null ? [] : [{ key: "train", letterId: null, source: `fine-tune job ${job.id} at ${PROVIDER_LABEL[provider]}`, error: job.error, attempts: 1 }]),
    // Nothing runs here: the run is at the provider; "resuming" is looking at it again.
    resume: (job: JobRow) => pollHostedJob(job.id),
  }));
  return { handlers, kind, hostedKinds, close: () => clearInterval(timer) };
}
