/**
 * A loopback stand-in for Together's REST API (https://api.together.xyz/v1), speaking its
 * documented shapes so the real client is tested end to end:
 *
 * - POST /v1/files/upload, multipart/form-data (purpose, file_name, file_type, file) → the file
 *   object {id, object: "file", filename, bytes, purpose, Processed, FileType, LineCount}; a file
 *   whose lines are not conversational rows ({"messages": [...]}) is refused with the line.
 * - POST /v1/fine-tunes {training_file, model, n_epochs, learning_rate, training_type: {type:
 *   "Lora", lora_r, lora_alpha, …}, …} → the job (status pending); GET /v1/fine-tunes/:id walks
 *   `statuses` one step per GET (default pending, queued, running, completed), adding an event for
 *   each; a completed job reports token_count and total_price (nano-dollars); an "error" one carries
 *   an error event with `errorMessage`; GET /v1/fine-tunes/:id/events → {data: [events]}.
 * - POST /v1/fine-tunes/:id/cancel → cancel_requested (then cancelled); refused once it ended.
 * - GET /v1/finetune/download?ft_id&checkpoint=adapter|merged → the archive's bytes
 *   (application/octet-stream, Content-Disposition with its file name).
 * - 401 {error: {message, type}} for a wrong key; scripted failures (429 with retry-after).
 */
import { createHash } from "node:crypto";
import { LoopbackApi, type HttpFailure, type RecordedHttpRequest, type Reply } from "./fakeHttp.ts";

export const FAKE_TOGETHER_KEY = "tgp_v1_fake_key_for_tests_only_abcdef0123";

const BASE_MODELS = new Set(["meta-llama/Meta-Llama-3.1-8B-Instruct-Reference", "meta-llama/Meta-Llama-3.1-70B-Instruct-Reference"]);

type Job = { id: string; body: Record<string, unknown>; gets: number; reported: string; cancelled: number | null; created: string; tokens: number; events: { created_at: string; level: string | null; message: string; type: string }[] };

export type FakeTogetherOptions = {
  statuses?: string[];
  errorMessage?: string;
  /** Nano-dollars per trained token (epochs included) for the reported total_price. */
  nanodollarsPerToken?: number;
};

/** The bytes the fake serves as a job's archive: fixed per job and checkpoint, so a test can check them. */
export function fakeArchive(jobId: string, checkpoint: string): Buffer {
  const block = createHash("sha256").update(`${jobId}:${checkpoint}`).digest();
  return Buffer.concat(Array.from({ length: 4096 }, () => block));
}

export class FakeTogether {
  readonly files = new Map<string, { name: string; purpose: string; text: string }>();
  readonly jobs = new Map<string, Job>();
  #api: LoopbackApi;
  #seq = 0;

  private constructor(private readonly options: FakeTogetherOptions) {
    this.#api = new LoopbackApi(
      FAKE_TOGETHER_KEY,
      () => ({ status: 401, json: { error: { message: "Invalid API key provided. You can find your API key at https://api.together.xyz/settings/api-keys.", type: "invalid_request_error", code: "invalid_api_key" } } }),
      (status) => ({ error: { message: status === 429 ? "You have been rate limited." : "Internal server error", type: status === 429 ? "rate_limit_exceeded" : "server_error" } }),
      (request, contentType) => this.#route(request, contentType),
    );
  }

  static async start(options: FakeTogetherOptions = {}): Promise<FakeTogether> {
    const fake = new FakeTogether(options);
    await fake.#api.listen();
    return fake;
  }

  /** What TOGETHER_BASE_URL is set to. */
  get baseUrl(): string {
    return `${this.#api.url}/v1`;
  }

  get requests(): RecordedHttpRequest[] {
    return this.#api.requests;
  }

  fail(failure: HttpFailure): void {
    this.#api.fail({ ...failure, pathPrefix: failure.pathPrefix && `/v1${failure.pathPrefix}` });
  }

  receivedText(): string {
    return this.#api.receivedText();
  }

  close(): Promise<void> {
    return this.#api.close();
  }

  #status(job: Job): string {
    if (job.cancelled !== null) return job.gets > job.cancelled ? "cancelled" : "cancel_requested";
    const statuses = this.options.statuses ?? ["pending", "queued", "running", "completed"];
    return statuses[Math.min(job.gets, statuses.length - 1)] as string;
  }

  #json(job: Job): unknown {
    const status = this.#status(job);
    const epochs = Number(job.body.n_epochs ?? 1);
    const done = status === "completed";
    return {
      id: job.id,
      status,
      created_at: job.created,
      updated_at: new Date().toISOString(),
      model: job.body.model,
      model_output_name: `oncotimeline/${String(job.body.model)}-${String(job.body.suffix ?? "")}`,
      training_file: job.body.training_file,
      n_epochs: epochs,
      learning_rate: job.body.learning_rate,
      training_type: job.body.training_type,
      token_count: done ? job.tokens * epochs : 0,
      total_price: done ? job.tokens * epochs * (this.options.nanodollarsPerToken ?? 480) : 0,
      events: [],
    };
  }

  #event(job: Job, type: string, message: string, level: string | null = "info"): void {
    job.events.push({ created_at: new Date().toISOString(), level, message, type });
  }

  async #route(request: RecordedHttpRequest, contentType: string): Promise<Reply> {
    const bad = (message: string, status = 400): Reply => ({ status, json: { error: { message, type: status === 404 ? "not_found" : "invalid_request_error" } } });
    const path = request.path.replace(/^\/v1/, "");
    if (request.method === "POST" && path === "/files/upload") {
      if (!contentType.startsWith("multipart/form-data")) return bad("the upload must be multipart/form-data");
      const form = await new Response(new Uint8Array(request.rawBody), { headers: { "content-type": contentType } }).formData();
      const file = form.get("file");
      if (form.get("purpose") !== "fine-tune") return bad("purpose: must be one of fine-tune, eval, batch-api …");
      if (typeof form.get("file_name") !== "string") return bad("file_name: required");
      if (!(file instanceof Blob)) return bad("file: required");
      const text = await file.text();
      const lines = text.split("\n").filter((line) => line.trim() !== "");
      for (const [index, line] of lines.entries()) {
        let row: { messages?: { role?: string; content?: unknown }[] };
        try {
          row = JSON.parse(line) as typeof row;
        } catch {
          return bad(`line ${index + 1}: not valid JSON`);
        }
        if (!Array.isArray(row.messages) || row.messages.some((message) => typeof message.content !== "string")) return bad(`line ${index + 1}: expected {"messages": [{"role", "content"}]}`);
      }
      const id = `file-${createHash("sha256").update(String((this.#seq += 1))).digest("hex").slice(0, 8)}-0000-4000-8000-000000000000`;
      this.files.set(id, { name: form.get("file_name") as string, purpose: "fine-tune", text });
      return { status: 200, json: { id, object: "file", created_at: Math.floor(Date.now() / 1000), filename: form.get("file_name"), bytes: file.size, purpose: "fine-tune", Processed: true, FileType: "jsonl", LineCount: lines.length } };
    }
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (request.method === "POST" && path === "/fine-tunes") {
      const type = (body.training_type ?? {}) as Record<string, unknown>;
      const file = typeof body.training_file === "string" ? this.files.get(body.training_file) : undefined;
      if (!file) return bad(`training_file: file ${String(body.training_file)} not found`);
      if (typeof body.model !== "string" || !BASE_MODELS.has(body.model)) return bad(`model: ${String(body.model)} is not available for fine-tuning`);
      if (!Number.isInteger(body.n_epochs) || (body.n_epochs as number) < 1 || (body.n_epochs as number) > 20) return bad("n_epochs: must be between 1 and 20");
      if (typeof body.learning_rate !== "number" || body.learning_rate <= 0) return bad("learning_rate: must be a positive number");
      if (type.type !== "Lora" && type.type !== "Full") return bad("training_type.type: must be Lora or Full");
      if (type.type === "Lora" && (!Number.isInteger(type.lora_r) || typeof type.lora_alpha !== "number")) return bad("training_type: lora_r and lora_alpha are required for Lora");
      const id = `ft-${createHash("sha256").update(`job${(this.#seq += 1)}`).digest("hex").slice(0, 8)}-1111-4000-8000-000000000000`;
      const job: Job = { id, body, gets: 0, reported: "pending", cancelled: null, created: new Date().toISOString(), tokens: Math.ceil(file.text.length / 4), events: [] };
      this.#event(job, "job_pending", "Fine tune request created");
      this.jobs.set(id, job);
      return { status: 200, json: this.#json(job) };
    }
    const jobPath = /^\/fine-tunes\/([^/]+)(\/events|\/cancel)?$/.exec(path);
    if (jobPath) {
      const job = this.jobs.get(decodeURIComponent(jobPath[1] ?? ""));
      if (!job) return bad("fine-tune job not found", 404);
      if (request.method === "GET" && jobPath[2] === "/events") return { status: 200, json: { data: job.events } };
      if (request.method === "GET" && jobPath[2] === undefined) {
        const now = this.#status(job);
        if (now !== job.reported) {
          if (now === "error") this.#event(job, "job_error", this.options.errorMessage ?? "Training failed", "error");
          else this.#event(job, `job_${now}`, `Job ${now}`);
          job.reported = now;
        }
        const reply = this.#json(job);
        job.gets += 1;
        return { status: 200, json: reply };
      }
      if (request.method === "POST" && jobPath[2] === "/cancel") {
        const status = this.#status(job);
        if (["completed", "error", "cancelled"].includes(status)) return bad(`fine-tune job ${job.id} is already ${status}`);
        job.cancelled = job.gets;
        job.reported = "cancel_requested";
        this.#event(job, "job_cancel_requested", "Cancel requested by user");
        return { status: 200, json: this.#json(job) };
      }
    }
    if (request.method === "GET" && path === "/finetune/download") {
      const id = request.query.get("ft_id") ?? "";
      const checkpoint = request.query.get("checkpoint") ?? "";
      const job = this.jobs.get(id);
      if (!job) return bad(`fine-tune job ${id} not found`, 404);
      if (checkpoint !== "adapter" && checkpoint !== "merged") return bad("checkpoint: must be merged or adapter");
      if (this.#status(job) !== "completed") return bad(`fine-tune job ${id} has not completed`);
      return { status: 200, bytes: fakeArchive(id, checkpoint), headers: { "content-disposition": `attachment; filename="${id}-${checkpoint}.tar.zst"` } };
    }
    return bad(`no route ${request.method} ${request.path}`, 404);
  }
}
