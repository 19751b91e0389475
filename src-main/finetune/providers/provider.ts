/**
 * One interface for the hosted fine-tuning services (OpenPipe, Together): upload a training set,
 * start, status in the provider's own words, cancel, list and fetch what a run made, and the cost
 * before (an estimate from the set's own token counts) and after (where the provider reports it).
 *
 * Uploads take a `CloudSafeDataset`, which only `cloudSafeDataset` makes (datasets/cloudSafe.ts):
 * a set that holds a real letter cannot be typed into an upload, and is refused at run time before
 * any request is made. The Slurm path (finetuneJob.ts) is not behind this interface: it runs over
 * SSH inside the hospital with its own bundle, logs and registration, and stays as it is.
 */
import type { HostedArtefact, HostedProviderName } from "../../../src-shared/api/finetune.ts";
import type { CloudSafeDataset } from "../../datasets/cloudSafe.ts";

export { HOSTED_PROVIDERS, type HostedProviderName } from "../../../src-shared/api/finetune.ts";

/** What the provider holds once a set is uploaded: ids to start a run from. */
export type Uploaded = { ids: Record<string, string>; rows: number; bytes: number };

/** The recipe settings a hosted run takes (those the provider's API has). */
export type HostedRecipe = { epochs: number; learningRate: number; rank: number; alpha: number; dropout: number };

export type StartRequest = { name: string; recipe: HostedRecipe };

/** Our reading of a run, beside the provider's own word for it. */
export type ProviderState = "running" | "succeeded" | "failed" | "cancelled";

export type ProviderStatus = {
  state: ProviderState;
  /** The provider's own status word (OpenPipe: PENDING, TRAINING, DEPLOYED, ERROR …; Together: queued, running, completed …). */
  words: string;
  /** Why it failed, in the provider's words; null otherwise. */
  message: string | null;
  /** The provider's event log, oldest first, as one line each (empty where the API has none). */
  events: string[];
  /** What the provider says the run cost, in US dollars; null where it does not say. */
  costUsd: number | null;
  /** Tokens the provider says it trained on; null where it does not say. */
  trainedTokens: number | null;
};

export type Artefact = HostedArtefact;

export type Fetched = { path: string; bytes: number };

export type HostedProvider = {
  readonly name: HostedProviderName;
  /** The provider's name for the base model it trains (Llama 3.1 8B Instruct). */
  readonly baseModel: string;
  upload(dataset: CloudSafeDataset, label: string, onProgress?: (message: string) => void): Promise<Uploaded>;
  start(uploaded: Uploaded, request: StartRequest): Promise<{ runId: string; status: ProviderStatus }>;
  status(runId: string): Promise<ProviderStatus>;
  cancel(runId: string): Promise<ProviderStatus>;
  artefacts(runId: string): Promise<Artefact[]>;
  /** Downloads one artefact into `folder`; refused (ProviderError) for one the API does not serve. */
  fetch(runId: string, artefact: Artefact, folder: string): Promise<Fetched>;
};

/** A refusal or failure from the provider, in its own words; never holds the key. */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

/** Training tokens × epochs × price per million tokens: what the provider will charge, before anything is sent. */
export function estimateCostUsd(trainingTokens: number, epochs: number, pricePerMillionTokens: number): number {
  return (trainingTokens * epochs * pricePerMillionTokens) / 1_000_000;
}
