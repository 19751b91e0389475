/**
 * A loopback stand-in for OpenPipe's REST API (https://api.openpipe.ai/api/v1), speaking its
 * documented shapes so the real client is tested end to end:
 *
 * - POST /api/v1/datasets {name} → {id, object: "dataset", name, created, updated, dataset_entry_count, fine_tune_count}
 * - POST /api/v1/datasets/:id/entries {entries: [{messages, split: TRAIN|TEST, metadata}]} →
 *   {object: "dataset.entries.creation", entries_created, errors: {object: "list", data: [{object:
 *   "dataset.entries.creation.error", entry_index, message}]}}: each entry is checked (messages,
 *   roles, string contents, a final assistant message, the split), a bad one refused by its index
 *   in the request while the rest are created; `rejectEntry` adds a rule of the test's own.
 * - POST /api/v1/models {datasetId, slug, trainingConfig: {provider: "openpipe", baseModel, …}} →
 *   the model, status PENDING; GET /api/v1/models/:slug walks `statuses` one step per GET
 *   (default PENDING, TRAINING, DEPLOYED; an ERROR carries `errorMessage`); DELETE → {deleted: true}.
 * - 401 {message, code: "UNAUTHORIZED"} for a wrong key; scripted failures (429 with retry-after).
 */
import { LoopbackApi, type HttpFailure, type RecordedHttpRequest, type Reply } from "./fakeHttp.ts";

export const FAKE_OPENPIPE_KEY = "opk_fake_key_for_tests_only_0123456789";

/** The base models OpenPipe's createModel documents (a subset). */
const BASE_MODELS = new Set(["meta-llama/Meta-Llama-3.1-8B-Instruct", "meta-llama/Meta-Llama-3.1-70B-Instruct", "meta-llama/Llama-3.1-8B"]);
const ROLES = new Set(["system", "user", "assistant", "tool", "function"]);

type Entry = { messages?: { role?: unknown; content?: unknown }[]; split?: unknown; metadata?: unknown };
type Model = { slug: string; datasetId: string; baseModel: string; created: string; gets: number; deleted: boolean; hyperparameters: unknown };

export type FakeOpenPipeOptions = {
  /** The statuses GET /models/:slug walks through, one per GET (the last repeats). */
  statuses?: string[];
  errorMessage?: string;
  /** A rule of the test's own: a message refuses the entry. */
  rejectEntry?: (entry: Entry) => string | null;
  /** Most entries one request may carry. */
  maxEntriesPerRequest?: number;
};

export class FakeOpenPipe {
  readonly datasets = new Map<string, { name: string; entries: Entry[] }>();
  readonly models = new Map<string, Model>();
  #api: LoopbackApi;
  #seq = 0;

  private constructor(private readonly options: FakeOpenPipeOptions) {
    this.#api = new LoopbackApi(
      FAKE_OPENPIPE_KEY,
      () => ({ status: 401, json: { message: "Invalid API key", code: "UNAUTHORIZED" } }),
      (status) => ({ message: status === 429 ? "Rate limit exceeded. Try again later." : "Internal server error", code: status === 429 ? "TOO_MANY_REQUESTS" : "INTERNAL_SERVER_ERROR" }),
      (request) => this.#route(request),
    );
  }

  static async start(options: FakeOpenPipeOptions = {}): Promise<FakeOpenPipe> {
    const fake = new FakeOpenPipe(options);
    await fake.#api.listen();
    return fake;
  }

  /** What OPENPIPE_BASE_URL is set to. */
  get baseUrl(): string {
    return `${this.#api.url}/api/v1`;
  }

  get requests(): RecordedHttpRequest[] {
    return this.#api.requests;
  }

  fail(failure: HttpFailure): void {
    this.#api.fail({ ...failure, pathPrefix: failure.pathPrefix && `/api/v1${failure.pathPrefix}` });
  }

  receivedText(): string {
    return this.#api.receivedText();
  }

  close(): Promise<void> {
    return this.#api.close();
  }

  #model(model: Model): unknown {
    const statuses = this.options.statuses ?? ["PENDING", "TRAINING", "DEPLOYED"];
    const status = statuses[Math.min(model.gets, statuses.length - 1)] as string;
    return {
      id: `openpipe:${model.slug}`,
      name: model.slug,
      object: "model",
      description: null,
      created: model.created,
      updated: new Date().toISOString(),
      openpipe: { baseModel: model.baseModel, hyperparameters: model.hyperparameters, status, datasetId: model.datasetId, errorMessage: status === "ERROR" ? (this.options.errorMessage ?? "Training failed") : null },
      contextWindow: 128000,
      maxCompletionTokens: 4096,
      capabilities: ["chat"],
      pricing: { chatIn: 0.3, chatOut: 0.45 },
      owned_by: "openpipe",
    };
  }

  #entryError(entry: Entry): string | null {
    if (!Array.isArray(entry.messages) || entry.messages.length === 0) return "messages: at least one message is required";
    for (const [index, message] of entry.messages.entries()) {
      if (typeof message.role !== "string" || !ROLES.has(message.role)) return `messages.${index}.role: Invalid enum value`;
      if (typeof message.content !== "string") return `messages.${index}.content: Expected string`;
    }
    if (entry.messages.at(-1)?.role !== "assistant") return "the last message must be from the assistant";
    if (entry.split !== undefined && entry.split !== "TRAIN" && entry.split !== "TEST") return "split: Invalid enum value. Expected 'TRAIN' | 'TEST'";
    return this.options.rejectEntry?.(entry) ?? null;
  }

  #route(request: RecordedHttpRequest): Reply {
    const bad = (message: string, status = 400): Reply => ({ status, json: { message, code: status === 404 ? "NOT_FOUND" : "BAD_REQUEST" } });
    const body = (request.body ?? {}) as Record<string, unknown>;
    const path = request.path.replace(/^\/api\/v1/, "");
    if (request.method === "POST" && path === "/datasets") {
      if (typeof body.name !== "string" || body.name === "") return bad("name: Required");
      const id = `dataset_${(this.#seq += 1)}`;
      this.datasets.set(id, { name: body.name, entries: [] });
      const now = new Date().toISOString();
      return { status: 200, json: { id, object: "dataset", name: body.name, created: now, updated: now, dataset_entry_count: 0, fine_tune_count: 0 } };
    }
    const entries = /^\/datasets\/([^/]+)\/entries$/.exec(path);
    if (request.method === "POST" && entries) {
      const dataset = this.datasets.get(decodeURIComponent(entries[1] ?? ""));
      if (!dataset) return bad("Dataset not found", 404);
      if (!Array.isArray(body.entries)) return bad("entries: Required");
      if (body.entries.length > (this.options.maxEntriesPerRequest ?? 500)) return bad(`entries: at most ${this.options.maxEntriesPerRequest ?? 500} entries per request`);
      const errors: { object: string; entry_index: number; message: string }[] = [];
      (body.entries as Entry[]).forEach((entry, index) => {
        const error = this.#entryError(entry);
        if (error) errors.push({ object: "dataset.entries.creation.error", entry_index: index, message: error });
        else dataset.entries.push(entry);
      });
      return { status: 200, json: { object: "dataset.entries.creation", entries_created: (body.entries as Entry[]).length - errors.length, errors: { object: "list", data: errors } } };
    }
    if (request.method === "POST" && path === "/models") {
      const config = (body.trainingConfig ?? {}) as Record<string, unknown>;
      if (typeof body.datasetId !== "string" || !this.datasets.has(body.datasetId)) return bad("datasetId: Dataset not found");
      if (typeof body.slug !== "string" || !/^[a-z0-9-]+$/.test(body.slug)) return bad("slug: only lower-case letters, digits and dashes");
      if (this.models.has(body.slug)) return bad(`a model with slug ${body.slug} exists already`);
      if (config.provider !== "openpipe") return bad("trainingConfig.provider: Invalid enum value");
      if (typeof config.baseModel !== "string" || !BASE_MODELS.has(config.baseModel)) return bad(`trainingConfig.baseModel: unsupported base model ${String(config.baseModel)}`);
      if ((this.datasets.get(body.datasetId)?.entries.filter((entry) => entry.split !== "TEST").length ?? 0) === 0) return bad("the dataset has no training entries");
      const model: Model = { slug: body.slug, datasetId: body.datasetId, baseModel: config.baseModel, created: new Date().toISOString(), gets: 0, deleted: false, hyperparameters: config.sft_hyperparameters ?? null };
      this.models.set(body.slug, model);
      return { status: 200, json: this.#model(model) };
    }
    const modelPath = /^\/models\/([^/]+)$/.exec(path);
    if (modelPath) {
      const model = this.models.get(decodeURIComponent(modelPath[1] ?? ""));
      if (!model || model.deleted) return bad("Model not found", 404);
      if (request.method === "GET") {
        const reply = this.#model(model);
        model.gets += 1;
        return { status: 200, json: reply };
      }
      if (request.method === "DELETE") {
        model.deleted = true;
        return { status: 200, json: { id: `openpipe:${model.slug}`, object: "model", deleted: true } };
      }
    }
    return bad(`no route ${request.method} ${request.path}`, 404);
  }
}
