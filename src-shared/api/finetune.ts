import { z } from "zod";
import { endpoint, id, nonEmpty } from "./endpoint.ts";

/**
 * How the app reaches the hospital's Slurm cluster and what a training job asks of it. Null: not
 * set up yet (the submit refuses, naming each missing setting).
 */
export const ClusterSettingsSchema = z.strictObject({
  /** The login node. */
  host: z.string().trim().min(1).nullable(),
  port: z.number().int().min(1).max(65535),
  username: z.string().trim().min(1).nullable(),
  /** An OpenSSH private key (key authentication only; never a password). */
  privateKeyPath: z.string().min(1).nullable(),
  /** Null: ~/.ssh/known_hosts. */
  knownHostsPath: z.string().min(1).nullable(),
  /** Where jobs get their folders on the cluster; relative to the home folder unless absolute. */
  workDir: z.string().trim().min(1),
  /** The base model's safetensors checkpoint on the cluster (the same checkpoint as the workstation's base GGUF). */
  baseCheckpointDir: z.string().trim().min(1).nullable(),
  partition: z.string().trim().min(1).nullable(),
  /** GPUs per job (0: CPU only, for a test cluster). */
  gpus: z.number().int().min(0).max(16),
  cpusPerTask: z.number().int().min(1).max(512),
  /** Slurm's form: "64G". */
  mem: z.string().trim().regex(/^\d+[KMGT]?$/i, "a size such as 64G"),
  /** Slurm's form: "24:00:00", "2-00:00:00" or minutes. */
  time: z.string().trim().regex(/^(\d+-)?\d+(:\d{2}){0,2}$/, "a time such as 24:00:00 or 2-00:00:00"),
  account: z.string().trim().min(1).nullable(),
  /**
   * Shell lines run before training on the node: `module load cuda/12.4`, `source
   * /shared/envs/onco/bin/activate` or `conda activate onco`. Empty: the node's python3 as it is.
   */
  envSetup: z.string().max(4000),
});
export type ClusterSettings = z.infer<typeof ClusterSettingsSchema>;

/**
 * What a hosted provider charges per million training tokens, for the estimate shown before a run
 * is sent (training tokens × epochs × this). The defaults are the list prices for a LoRA fine-tune
 * of an 8B model when this was written; a contract's own price goes here.
 */
export const HostedFinetuneSettingsSchema = z.strictObject({
  openpipePricePerMillionTokens: z.number().min(0).max(1000),
  togetherPricePerMillionTokens: z.number().min(0).max(1000),
});
export type HostedFinetuneSettings = z.infer<typeof HostedFinetuneSettingsSchema>;

/** The source recipe's QLoRA settings (docs/domain.md §6), each one changeable per run. */
export const RecipeSchema = z.strictObject({
  rank: z.number().int().min(1).max(256).default(8),
  alpha: z.number().min(1).max(1024).default(16),
  dropout: z.number().min(0).max(0.5).default(0.05),
  learningRate: z.number().positive().max(1).default(2e-4),
  epochs: z.number().int().min(1).max(100).default(1),
  /** Stops after this many optimizer steps, whatever the epochs; null: the epochs decide. */
  maxSteps: z.number().int().min(1).max(1_000_000).nullable().default(null),
  gradientAccumulation: z.number().int().min(1).max(1024).default(2),
  maxLength: z.number().int().min(128).max(131072).default(12000),
  saveSteps: z.number().int().min(1).max(100_000).default(50),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
  /** Also a merged whole model, quantised: null for the adapter alone (the default: small, one base for all). */
  merge: z.enum(["F16", "Q8_0", "Q4_K_M"]).nullable().default(null),
});
export type Recipe = z.infer<typeof RecipeSchema>;

export type LossPoint = { step: number; loss: number; learningRate: number | null };

/** A fine-tuning run as the Fine-tune screen shows it. */
export type FinetuneStatus = {
  jobId: number;
  name: string;
  dataset: string;
  /** The job row's state: running until the run ends here (done / failed / cancelled). */
  state: "running" | "paused" | "interrupted" | "budget-reached" | "done" | "cancelled" | "failed";
  slurmJobId: string | null;
  /** Slurm's own word (PENDING, RUNNING, COMPLETED, FAILED, …) as last seen. */
  slurmState: string | null;
  slurmReason: string | null;
  /** The bundle's stage: preflight, train, convert, done. */
  stage: string | null;
  loss: LossPoint[];
  logTail: string;
  /** Why it failed or was cancelled, in the bundle's or Slurm's own words. */
  message: string | null;
  /** The registered fine-tune (base + adapter), once fetched. */
  modelId: number | null;
  /** The merged whole model, registered too when the recipe asked for one. */
  mergedModelId: number | null;
  submittedAt: string | null;
};

/** The hosted fine-tuning services: synthetic training sets only. */
export const HOSTED_PROVIDERS = ["openpipe", "together"] as const;
export type HostedProviderName = (typeof HOSTED_PROVIDERS)[number];

/** Training tokens × epochs × price per million tokens: shown before a hosted run is sent. */
export type CostEstimate = { trainingTokens: number; epochs: number; pricePerMillionTokens: number; usd: number };

/** Something a hosted run made: a file to download, or a served model / a web-app export to name. */
export type HostedArtefact = { name: string; kind: "adapter" | "merged" | "endpoint" | "web-export"; downloadable: boolean; description: string };
export type HostedFetched = { path: string; bytes: number; artefact: string };

/** A hosted run as the CLI and the app show it. */
export type HostedFinetuneStatus = {
  jobId: number;
  kind: string;
  provider: HostedProviderName;
  name: string;
  dataset: string;
  /** The job row's state: running until the run ends at the provider. */
  state: FinetuneStatus["state"];
  /** The provider's id for the run (OpenPipe: the model's slug; Together: ft-…). */
  runId: string | null;
  /** The provider's own word, as last seen (PENDING, TRAINING, DEPLOYED, ERROR; queued, running, completed …). */
  providerStatus: string | null;
  /** Why it failed or was cancelled, in the provider's words. */
  message: string | null;
  /** The provider's event log, one line each (Together). */
  events: string[];
  estimate: CostEstimate;
  /** What the provider says it cost, in US dollars; null where it does not say. */
  costUsd: number | null;
  trainedTokens: number | null;
  artefacts: HostedArtefact[];
  fetched: HostedFetched[];
  submittedAt: string | null;
  finishedAt: string | null;
};

const HostedRunSchema = z.strictObject({
  provider: z.enum(HOSTED_PROVIDERS),
  dataset: nonEmpty,
  baseModelId: id,
  recipe: RecipeSchema.pick({ epochs: true, learningRate: true, rank: true, alpha: true, dropout: true }).partial().optional(),
});

/** A first connection meets an unknown host key: shown for the user to compare and accept. */
export type ConnectResult =
  | { state: "connected"; target: string; partitions: string[]; checkpointFound: boolean }
  | { state: "unknown-host-key"; keyType: string; fingerprint: string; message: string };

export const finetuneApi = {
  /** Logs in with the stored cluster settings and asks Slurm for its partitions; acceptFingerprint records a new host key first. */
  "finetune.connect": endpoint<ConnectResult>()(z.strictObject({ acceptFingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]+$/).optional() })),
  "finetune.submit": endpoint<FinetuneStatus>()(
    z.strictObject({
      dataset: nonEmpty,
      baseModelId: id,
      name: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/, "letters, digits, dots, dashes and underscores").optional(),
      recipe: RecipeSchema.partial().optional(),
    }),
  ),
  "finetune.list": endpoint<FinetuneStatus[]>()(z.strictObject({})),
  /** poll: look at the cluster now (new log and loss lines; a completed run fetched and registered); else what is already home. */
  "finetune.get": endpoint<FinetuneStatus>()(z.strictObject({ jobId: id, poll: z.boolean().default(false) })),
  "finetune.cancel": endpoint<FinetuneStatus>()(z.strictObject({ jobId: id })),
  /** What a hosted run would cost, from the set's own token counts and the price setting: nothing is sent. A set holding a real letter is refused. */
  "finetune.hostedEstimate": endpoint<CostEstimate>()(HostedRunSchema),
  /** Uploads the (synthetic) set and starts the run; refused when the estimate is over maxUsd. The key is the app's stored one. */
  "finetune.hostedSubmit": endpoint<HostedFinetuneStatus>()(
    HostedRunSchema.extend({
      name: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/, "letters, digits, dots, dashes and underscores").optional(),
      maxUsd: z.number().min(0).optional(),
    }),
  ),
  "finetune.hostedList": endpoint<HostedFinetuneStatus[]>()(z.strictObject({})),
  /** poll: ask the provider now; else what was last seen. */
  "finetune.hostedGet": endpoint<HostedFinetuneStatus>()(z.strictObject({ jobId: id, poll: z.boolean().default(false) })),
  "finetune.hostedCancel": endpoint<HostedFinetuneStatus>()(z.strictObject({ jobId: id })),
  /** A finished run's artefact (default: the first downloadable one) into the job's folder; fetched is null where the API serves no file. */
  "finetune.hostedFetch": endpoint<{ status: HostedFinetuneStatus; fetched: HostedFetched | null; artefacts: HostedArtefact[] }>()(z.strictObject({ jobId: id, artefact: nonEmpty.optional() })),
} as const;
