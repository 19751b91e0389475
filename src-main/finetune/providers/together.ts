/**
 * Together over its REST API (https://api.together.xyz/v1, bearer key): the train split uploaded
 * as one JSONL file (multipart form, the chat messages only), a LoRA fine-tune with the source
 * recipe's settings where the API has them (rank, alpha, dropout, learning rate, epochs, loss on
 * the replies only), its status and event log, cancel, and the adapter (or merged checkpoint)
 * downloaded as the archive Together serves.
 */
import { createWriteStream, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { CloudSafeDataset } from "../../datasets/cloudSafe.ts";
import { ProviderError, type Artefact, type Fetched, type HostedProvider, type ProviderStatus, type StartRequest, type Uploaded } from "./provider.ts";
import { providerHttp, type HttpOptions } from "./providerHttp.ts";
import { trainingRows } from "./trainingRows.ts";

export const TOGETHER_BASE_URL = "https://api.together.xyz/v1";
/** Together's name for Llama 3.1 8B Instruct as a fine-tuning base. */
export const TOGETHER_BASE_MODEL = "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference";

type TogetherJob = { id: string; status: string; total_price?: number | null; token_count?: number | null; model_output_name?: string | null };
type TogetherEvent = { created_at?: string; level?: string | null; message?: string; type?: string };

export type TogetherOptions = Omit<HttpOptions, "provider" | "baseUrl"> & { baseUrl?: string; baseModel?: string };

/** Together bills in nano-dollars (its own client divides total_price by 1e9). */
const NANODOLLARS = 1_000_000_000;

function readStatus(job: TogetherJob, events: TogetherEvent[]): ProviderStatus {
  const words = job.status;
  // pending, queued, running, compressing, uploading and cancel_requested are all still going.
  const state = words === "completed" ? "succeeded" : words === "error" ? "failed" : words === "cancelled" ? "cancelled" : "running";
  const errors = events.filter((event) => event.level === "error" || /error|fail/i.test(event.type ?? ""));
  const message = state === "failed" ? (errors.at(-1)?.message ?? events.at(-1)?.message ?? "Together gave no error message") : null;
  return {
    state,
    words,
    message,
    events: events.map((event) => `${event.created_at ?? ""} ${event.level ? `[${event.level}] ` : ""}${event.message ?? event.type ?? ""}`.trim()),
    costUsd: typeof job.total_price === "number" ? job.total_price / NANODOLLARS : null,
    trainedTokens: typeof job.token_count === "number" ? job.token_count : null,
  };
}

/** The file name a Content-Disposition header gives, kept to a plain name. */
function dispositionName(header: string | null): string | null {
  const match = header?.match(/filename\*?=(?:UTF-8'')?"?([^";]+)"?/i);
  const name = match?.[1] ? path.basename(decodeURIComponent(match[1])) : null;
  return name && /^[\w.-]+$/.test(name) ? name : null;
}

export function togetherClient(options: TogetherOptions): HostedProvider {
  const http = providerHttp({ ...options, provider: "Together", baseUrl: options.baseUrl ?? TOGETHER_BASE_URL });
  const baseModel = options.baseModel ?? TOGETHER_BASE_MODEL;
  const events = async (runId: string): Promise<TogetherEvent[]> => (await http.json<{ data?: TogetherEvent[] }>({ method: "GET", path: `/fine-tunes/${encodeURIComponent(runId)}/events` })).data ?? [];

  return {
    name: "together",
    baseModel,
    async upload(dataset: CloudSafeDataset, label: string, onProgress?: (message: string) => void): Promise<Uploaded> {
      const rows = trainingRows(dataset).filter((row) => row.split === "train");
      const lines = rows.map((row) => `${JSON.stringify({ messages: row.messages })}\n`);
      const file = new Blob(lines, { type: "application/jsonl" });
      const fileName = `${label}.jsonl`;
      const form = new FormData();
      form.set("purpose", "fine-tune");
      form.set("file_name", fileName);
      form.set("file_type", "jsonl");
      form.set("file", file, fileName);
      onProgress?.(`Together: uploading ${rows.length} rows (${file.size} bytes) as ${fileName}`);
      const uploaded = await http.json<{ id: string }>({ method: "POST", path: "/files/upload", form, timeoutMs: 30 * 60_000 });
      return { ids: { fileId: uploaded.id }, rows: rows.length, bytes: file.size };
    },
    async start(uploaded: Uploaded, request: StartRequest) {
      const trainingFile = uploaded.ids.fileId;
      if (!trainingFile) throw new ProviderError("Together: nothing uploaded to start from");
      const { recipe } = request;
      const job = await http.json<TogetherJob>({
        method: "POST",
        path: "/fine-tunes",
        json: {
          training_file: trainingFile,
          model: baseModel,
          suffix: request.name.slice(0, 40),
          n_epochs: recipe.epochs,
          n_checkpoints: 1,
          learning_rate: recipe.learningRate,
          train_on_inputs: false,
          training_type: { type: "Lora", lora_r: recipe.rank, lora_alpha: recipe.alpha, lora_dropout: recipe.dropout, lora_trainable_modules: "all-linear" },
        },
      });
      return { runId: job.id, status: readStatus(job, []) };
    },
    async status(runId: string) {
      const job = await http.json<TogetherJob>({ method: "GET", path: `/fine-tunes/${encodeURIComponent(runId)}` });
      return readStatus(job, await events(runId));
    },
    async cancel(runId: string) {
      const job = await http.json<TogetherJob>({ method: "POST", path: `/fine-tunes/${encodeURIComponent(runId)}/cancel` });
      return readStatus(job, await events(runId));
    },
    async artefacts(runId: string): Promise<Artefact[]> {
      const status = await this.status(runId);
      if (status.state !== "succeeded") return [];
      return [
        { name: "adapter", kind: "adapter", downloadable: true, description: "the LoRA adapter (PEFT safetensors), as Together's compressed archive" },
        { name: "merged", kind: "merged", downloadable: true, description: "the whole model with the adapter merged in (about 16 GB), as Together's compressed archive" },
      ];
    },
    async fetch(runId: string, artefact: Artefact, folder: string): Promise<Fetched> {
      if (!artefact.downloadable) throw new ProviderError(`Together does not serve "${artefact.name}" for download`);
      const response = await http.raw({ method: "GET", path: "/finetune/download", query: { ft_id: runId, checkpoint: artefact.name }, timeoutMs: 6 * 3600_000 });
      if (!response.body) throw new ProviderError(`Together: the download of ${runId}'s ${artefact.name} came with no body`);
      mkdirSync(folder, { recursive: true });
      const target = path.join(folder, dispositionName(response.headers.get("content-disposition")) ?? `${runId}-${artefact.name}.tar.zst`);
      // Written beside, then renamed: a cut download never looks like a whole one.
      const partial = `${target}.part`;
      try {
        await pipeline(Readable.fromWeb(response.body as unknown as WebReadableStream), createWriteStream(partial));
      } catch (error) {
        rmSync(partial, { force: true });
        throw new ProviderError(`Together: the download of ${runId}'s ${artefact.name} was cut off (${(error as Error).message}); fetch again`);
      }
      const bytes = statSync(partial).size;
      const expected = Number(response.headers.get("content-length") ?? Number.NaN);
      if (Number.isFinite(expected) && expected !== bytes) {
        rmSync(partial, { force: true });
        throw new ProviderError(`Together: the download of ${runId}'s ${artefact.name} stopped at ${bytes} of ${expected} bytes; fetch again`);
      }
      renameSync(partial, target);
      return { path: target, bytes };
    },
  };
}
