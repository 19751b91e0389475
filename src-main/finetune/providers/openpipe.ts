/**
 * OpenPipe over its REST API (https://api.openpipe.ai/api/v1, bearer key): a dataset, its entries
 * sent in batches (each refused entry named by its row), a fine-tune (POST /models) on
 * Llama 3.1 8B Instruct, and the model's status (PENDING, TRAINING … DEPLOYED, or ERROR with its
 * errorMessage). OpenPipe has no cancel call: cancelling deletes the model. It serves the trained
 * model over an OpenAI-compatible endpoint, and exports merged weights from its web app only, so
 * the weights are named for the user to download, not fetched.
 */
import type { CloudSafeDataset } from "../../datasets/cloudSafe.ts";
import { ProviderError, type Artefact, type Fetched, type HostedProvider, type ProviderStatus, type StartRequest, type Uploaded } from "./provider.ts";
import { providerHttp, type HttpOptions } from "./providerHttp.ts";
import { rowLabel, trainingRows } from "./trainingRows.ts";

export const OPENPIPE_BASE_URL = "https://api.openpipe.ai/api/v1";
export const OPENPIPE_BASE_MODEL = "meta-llama/Meta-Llama-3.1-8B-Instruct";

type OpenPipeModel = { id: string; name: string; openpipe: { status: string; errorMessage?: string | null; baseModel?: string } };
type EntriesResult = { entries_created: number; errors: { data: { entry_index: number; message: string }[] } };

/** A refused row: its place in our files and the provider's words. */
export type RefusedRow = { row: string; message: string };

export class RowsRefusedError extends ProviderError {
  constructor(
    readonly refused: RefusedRow[],
    readonly sent: number,
  ) {
    super(`OpenPipe refused ${refused.length} of ${sent} rows, so no fine-tune was started (nothing is charged for a dataset):\n${refused.map((item) => `  ${item.row}: ${item.message}`).join("\n")}`);
  }
}

export type OpenPipeOptions = Omit<HttpOptions, "provider" | "baseUrl"> & { baseUrl?: string; batchSize?: number; baseModel?: string };

/** PENDING and TRAINING run; DEPLOYED is done; ERROR failed; DEPRECATED and PENDING_DEPRECATION were done once. */
function readStatus(model: OpenPipeModel): ProviderStatus {
  const words = model.openpipe.status;
  const state = words === "ERROR" ? "failed" : words === "DEPLOYED" || words === "DEPRECATED" || words === "PENDING_DEPRECATION" ? "succeeded" : "running";
  return { state, words, message: state === "failed" ? model.openpipe.errorMessage || "OpenPipe gave no error message" : null, events: [], costUsd: null, trainedTokens: null };
}

/** OpenPipe's slugs: lower-case letters, digits and dashes. */
export function openPipeSlug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "oncotimeline";
}

export function openPipeClient(options: OpenPipeOptions): HostedProvider {
  const http = providerHttp({ ...options, provider: "OpenPipe", baseUrl: options.baseUrl ?? OPENPIPE_BASE_URL });
  const batchSize = options.batchSize ?? 100;
  const baseModel = options.baseModel ?? OPENPIPE_BASE_MODEL;

  return {
    name: "openpipe",
    baseModel,
    async upload(dataset: CloudSafeDataset, label: string, onProgress?: (message: string) => void): Promise<Uploaded> {
      const rows = trainingRows(dataset);
      const created = await http.json<{ id: string }>({ method: "POST", path: "/datasets", json: { name: label } });
      const refused: RefusedRow[] = [];
      let accepted = 0;
      let bytes = 0;
      // Every batch is sent even when one has refused rows, so the user learns of every bad row at once.
      for (let start = 0; start < rows.length; start += batchSize) {
        const batch = rows.slice(start, start + batchSize);
        const entries = batch.map((row) => ({ messages: row.messages, split: row.split === "test" ? "TEST" : "TRAIN", metadata: { row_id: row.id } }));
        const body = { entries };
        bytes += JSON.stringify(body).length;
        const result = await http.json<EntriesResult>({ method: "POST", path: `/datasets/${encodeURIComponent(created.id)}/entries`, json: body });
        accepted += result.entries_created;
        for (const error of result.errors?.data ?? []) {
          const row = batch[error.entry_index];
          refused.push({ row: row ? rowLabel(row) : `entry ${start + error.entry_index}`, message: error.message });
        }
        onProgress?.(`OpenPipe: ${Math.min(start + batchSize, rows.length)} of ${rows.length} rows sent`);
      }
      if (refused.length > 0) throw new RowsRefusedError(refused, rows.length);
      return { ids: { datasetId: created.id }, rows: accepted, bytes };
    },
    async start(uploaded: Uploaded, request: StartRequest) {
      const datasetId = uploaded.ids.datasetId;
      if (!datasetId) throw new ProviderError("OpenPipe: nothing uploaded to start from");
      const slug = openPipeSlug(request.name);
      const model = await http.json<OpenPipeModel>({
        method: "POST",
        path: "/models",
        json: { datasetId, slug, trainingConfig: { provider: "openpipe", baseModel, enable_sft: true, enable_preference_tuning: false, sft_hyperparameters: { num_epochs: request.recipe.epochs } } },
      });
      return { runId: slug, status: readStatus(model) };
    },
    async status(runId: string) {
      return readStatus(await http.json<OpenPipeModel>({ method: "GET", path: `/models/${encodeURIComponent(runId)}` }));
    },
    async cancel(runId: string) {
      await http.json<{ deleted?: boolean }>({ method: "DELETE", path: `/models/${encodeURIComponent(runId)}` });
      return { state: "cancelled", words: "DELETED", message: "OpenPipe has no cancel call: the model was deleted, which ends its training", events: [], costUsd: null, trainedTokens: null };
    },
    async artefacts(runId: string): Promise<Artefact[]> {
      const status = await this.status(runId);
      if (status.state !== "succeeded") return [];
      return [
        { name: `openpipe:${runId}`, kind: "endpoint", downloadable: false, description: `served by OpenPipe at ${options.baseUrl ?? OPENPIPE_BASE_URL}/chat/completions as model "openpipe:${runId}" (OpenAI-compatible; synthetic letters only)` },
        {
          name: "merged weights",
          kind: "web-export",
          downloadable: false,
          description: `OpenPipe exports weights from its web app only: open app.openpipe.ai → Fine Tunes → ${runId} → Export Weights, download the merged safetensors folder, then import it with oncotimeline models import-hf DIR`,
        },
      ];
    },
    async fetch(runId: string, artefact: Artefact): Promise<Fetched> {
      throw new ProviderError(`OpenPipe's API does not serve "${artefact.name}" of ${runId}: ${artefact.description}`);
    },
  };
}
