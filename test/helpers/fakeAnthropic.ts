/**
 * A loopback stand-in for the Anthropic API (node:http on 127.0.0.1, port 0) speaking the
 * documented Messages and Message Batches shapes, so tests drive the real SDK end to end:
 *
 * - POST /v1/messages: checks the key (x-api-key, or `Authorization: Bearer` as SDK 1.x sends it) and anthropic-version and the body shape; answers a
 *   message with content [{type:"text", text}] and usage {input_tokens, output_tokens,
 *   cache_creation_input_tokens, cache_read_input_tokens}. Prompt caching is simulated: the
 *   first request with a given cache_control prefix (system blocks up to the marked one)
 *   reports the prefix as cache_creation, later ones as cache_read; tokens ≈ chars / 4.
 * - POST /v1/messages/batches, GET /v1/messages/batches/:id (in_progress → ended after
 *   `pollsUntilEnded` polls), GET /v1/messages/batches/:id/results (JSONL at results_url).
 * - Scripted failures: `fail({status: 429 | 529 | 500, times, retryAfter})`, `times: Infinity`
 *   for a storm. Every request is recorded (after the failures too).
 * - `delayMs`: latency of each Messages answer (so a test can kill a client mid-job).
 * - `fakeTeacher` (below): a stand-in teacher that answers generation requests with a letter and
 *   gold built from the grid row (grounded, with the requested data-quality issue, different per
 *   row) and QA requests with pairs quoting the note.
 */
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { seededRandom } from "../../src-main/base/seededRandom.ts";

export const FAKE_API_KEY = "sk-ant-api03-FAKEKEYfortestsONLY_0123456789abcdefghij";

/** Remembers ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL (how `serve` and the CLI find the API) and returns what puts them back as they were, unset ones unset. */
export function saveAnthropicEnvironment(): () => void {
  const saved = { key: process.env.ANTHROPIC_API_KEY, url: process.env.ANTHROPIC_BASE_URL };
  return () => {
    for (const [name, value] of [["ANTHROPIC_API_KEY", saved.key], ["ANTHROPIC_BASE_URL", saved.url]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

export type RecordedRequest = {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  rawBody: string;
  at: number;
};

export type ScriptedFailure = {
  status: number;
  /** How many requests fail this way (Infinity: every one). Default 1. */
  times?: number;
  /** Seconds, sent as retry-after. */
  retryAfter?: number;
  /** Only requests whose path starts with this fail. Default: every API path. */
  pathPrefix?: string;
};

export type FakeAnthropicOptions = {
  apiKey?: string;
  /** The text the model "writes": fixed, or computed from the request body. */
  respond?: string | ((body: MessageBody) => string);
  /** Minimum prefix size for caching (the real API: 1024 tokens for Sonnet). */
  minCacheTokens?: number;
  pollsUntilEnded?: number;
  /** Milliseconds before each Messages answer. Default 0. */
  delayMs?: number;
};

type TextBlock = { type: "text"; text: string; cache_control?: { type: string } };
export type MessageBody = {
  model: string;
  max_tokens: number;
  system?: string | TextBlock[];
  messages: { role: "user" | "assistant"; content: string | TextBlock[] }[];
};

type BatchRecord = {
  id: string;
  createdAt: string;
  polls: number;
  endedAt: string | null;
  requests: { custom_id: string; params: MessageBody }[];
  results: string[] | null;
};

export const DEFAULT_LETTER_RESPONSE = JSON.stringify({
  content: "Oncology clinic letter\\nDiagnosis: invasive ductal carcinoma, left breast, 2021.\\nPlan: continue letrozole.",
  output: { primary_cancer: { site: "breast", year: 2021, cancer_timeline: [{ type: "hormone_therapy", value: "letrozole" }] } },
});

const tokens = (text: string): number => Math.max(1, Math.ceil(text.length / 4));

function blockText(content: string | TextBlock[]): string {
  return typeof content === "string" ? content : content.map((b) => b.text).join("");
}

class BadRequest extends Error {}

/** Top-level Messages fields in API version 2026-10-21 (SDK 1.13.0); there is no temperature. */
const KNOWN_FIELDS = new Set([
  "model", "max_tokens", "messages", "system", "metadata", "stop_sequences", "stream", "cache_control", "output_config",
  "thinking", "tool_choice", "tools", "service_tier", "container", "inference_geo", "speed", "diagnostics",
]);

function validateMessageBody(body: unknown): MessageBody {
  const b = body as Partial<MessageBody> | null;
  if (!b || typeof b !== "object") throw new BadRequest("body must be a JSON object");
  if (typeof b.model !== "string" || b.model === "") throw new BadRequest("model: Field required");
  if (!Number.isInteger(b.max_tokens) || (b.max_tokens as number) < 1) throw new BadRequest("max_tokens: must be a positive integer");
  for (const key of Object.keys(b)) {
    if (!KNOWN_FIELDS.has(key)) throw new BadRequest(`${key}: Extra inputs are not permitted`);
  }
  if (!Array.isArray(b.messages) || b.messages.length === 0) throw new BadRequest("messages: at least one message is required");
  for (const m of b.messages) {
    if (m.role !== "user" && m.role !== "assistant") throw new BadRequest("messages.role: must be user or assistant");
    if (typeof m.content !== "string" && !Array.isArray(m.content)) throw new BadRequest("messages.content: must be a string or blocks");
  }
  if (b.messages[0]?.role !== "user") throw new BadRequest("messages: first message must use the user role");
  if (b.system !== undefined && typeof b.system !== "string") {
    if (!Array.isArray(b.system)) throw new BadRequest("system: must be a string or text blocks");
    for (const block of b.system) {
      if (block.type !== "text" || typeof block.text !== "string" || block.text === "") throw new BadRequest("system: text blocks need non-empty text");
      if (block.cache_control !== undefined && block.cache_control.type !== "ephemeral") throw new BadRequest("cache_control.type: must be ephemeral");
    }
  }
  return b as MessageBody;
}

export class FakeAnthropic {
  readonly requests: RecordedRequest[] = [];
  readonly apiKey: string;
  respond: string | ((body: MessageBody) => string);
  #server: http.Server;
  #failures: (ScriptedFailure & { left: number })[] = [];
  #cache = new Set<string>();
  #batches = new Map<string, BatchRecord>();
  #minCacheTokens: number;
  #pollsUntilEnded: number;
  #seq = 0;
  url = "";
  delayMs: number;

  private constructor(options: FakeAnthropicOptions) {
    this.apiKey = options.apiKey ?? FAKE_API_KEY;
    this.respond = options.respond ?? DEFAULT_LETTER_RESPONSE;
    this.#minCacheTokens = options.minCacheTokens ?? 1024;
    this.#pollsUntilEnded = options.pollsUntilEnded ?? 2;
    this.delayMs = options.delayMs ?? 0;
    this.#server = http.createServer((req, res) => void this.#handle(req, res));
  }

  static async start(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
    const fake = new FakeAnthropic(options);
    await new Promise<void>((resolve) => fake.#server.listen(0, "127.0.0.1", resolve));
    fake.url = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  fail(failure: ScriptedFailure): void {
    this.#failures.push({ ...failure, left: failure.times ?? 1 });
  }

  /** Batch items with these custom_ids end as `errored` instead of `succeeded`. */
  readonly erroredBatchItems = new Set<string>();

  clearFailures(): void {
    this.#failures = [];
  }

  /** Everything the server has received, as one string (for "never sent" assertions). */
  receivedText(): string {
    return this.requests.map((r) => `${r.method} ${r.path}\n${JSON.stringify(r.headers)}\n${r.rawBody}`).join("\n");
  }

  #id(prefix: string): string {
    this.#seq += 1;
    return `${prefix}_${String(this.#seq).padStart(6, "0")}${createHash("sha256").update(String(this.#seq)).digest("hex").slice(0, 12)}`;
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", this.url);
    let body: unknown = undefined;
    if (rawBody) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = rawBody;
      }
    }
    this.requests.push({ method: req.method ?? "", path: url.pathname, headers: req.headers, body, rawBody, at: Date.now() });
    const requestId = this.#id("req");
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { "content-type": "application/json", "request-id": requestId, ...headers });
      res.end(JSON.stringify(payload));
    };
    const error = (status: number, type: string, message: string, headers: Record<string, string> = {}): void =>
      send(status, { type: "error", error: { type, message }, request_id: requestId }, headers);

    try {
      // SDK 1.x (API version 2026-10-21) sends the key as `Authorization: Bearer`; older clients as x-api-key.
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      const key = req.headers["x-api-key"] ?? bearer;
      if (key !== this.apiKey) return error(401, "authentication_error", "invalid x-api-key or Authorization bearer key");
      const version = req.headers["anthropic-version"];
      if (typeof version !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(version)) {
        return error(400, "invalid_request_error", "anthropic-version: header is required");
      }
      const failure = this.#failures.find((f) => f.left > 0 && (f.pathPrefix === undefined || url.pathname.startsWith(f.pathPrefix)));
      if (failure) {
        failure.left -= 1;
        const headers: Record<string, string> = failure.retryAfter !== undefined ? { "retry-after": String(failure.retryAfter) } : {};
        const [type, message] =
          failure.status === 429
            ? ["rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"]
            : failure.status === 529
              ? ["overloaded_error", "Overloaded"]
              : ["api_error", "Internal server error"];
        return error(failure.status, type, message, headers);
      }

      const path = url.pathname;
      if (req.method === "POST" && path === "/v1/messages") {
        const message = this.#message(validateMessageBody(body), "standard");
        if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
        return send(200, message);
      }
      if (req.method === "POST" && path === "/v1/messages/batches") {
        const requests = (body as { requests?: unknown } | undefined)?.requests;
        if (!Array.isArray(requests) || requests.length === 0) return error(400, "invalid_request_error", "requests: at least one request");
        const ids = new Set<string>();
        const checked = requests.map((r: { custom_id?: unknown; params?: unknown }) => {
          if (typeof r.custom_id !== "string" || !/^[a-zA-Z0-9_-]{1,64}$/.test(r.custom_id)) throw new BadRequest("custom_id: invalid");
          if (ids.has(r.custom_id)) throw new BadRequest("custom_id: must be unique within a batch");
          ids.add(r.custom_id);
          return { custom_id: r.custom_id, params: validateMessageBody(r.params) };
        });
        const batch: BatchRecord = { id: this.#id("msgbatch"), createdAt: new Date().toISOString(), polls: 0, endedAt: null, requests: checked, results: null };
        this.#batches.set(batch.id, batch);
        return send(200, this.#batchJson(batch));
      }
      const match = /^\/v1\/messages\/batches\/([^/]+)(\/results)?$/.exec(path);
      if (req.method === "GET" && match) {
        const batch = this.#batches.get(match[1] ?? "");
        if (!batch) return error(404, "not_found_error", "batch not found");
        if (match[2]) {
          if (!batch.results) return error(400, "invalid_request_error", "batch has not ended");
          res.writeHead(200, { "content-type": "application/binary", "request-id": requestId });
          res.end(batch.results.join("\n") + "\n");
          return;
        }
        batch.polls += 1;
        if (!batch.results && batch.polls >= this.#pollsUntilEnded) {
          batch.results = batch.requests.map((r) =>
            JSON.stringify({
              custom_id: r.custom_id,
              result: this.erroredBatchItems.has(r.custom_id)
                ? { type: "errored", error: { type: "error", error: { type: "invalid_request_error", message: "prompt is too long" }, request_id: null } }
                : { type: "succeeded", message: this.#message(r.params, "batch") },
            }),
          );
          batch.endedAt = new Date().toISOString();
        }
        return send(200, this.#batchJson(batch));
      }
      return error(404, "not_found_error", `no route ${req.method} ${path}`);
    } catch (e) {
      if (e instanceof BadRequest) return error(400, "invalid_request_error", e.message);
      return error(500, "api_error", String(e));
    }
  }

  #batchJson(batch: BatchRecord): unknown {
    const ended = batch.results !== null;
    const n = batch.requests.length;
    const errored = batch.requests.filter((r) => this.erroredBatchItems.has(r.custom_id)).length;
    return {
      id: batch.id,
      type: "message_batch",
      processing_status: ended ? "ended" : "in_progress",
      request_counts: ended
        ? { processing: 0, succeeded: n - errored, errored, canceled: 0, expired: 0 }
        : { processing: n, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      created_at: batch.createdAt,
      ended_at: batch.endedAt,
      expires_at: new Date(Date.parse(batch.createdAt) + 24 * 3600_000).toISOString(),
      archived_at: null,
      cancel_initiated_at: null,
      results_url: ended ? `${this.url}/v1/messages/batches/${batch.id}/results` : null,
    };
  }

  #message(body: MessageBody, tier: "standard" | "batch"): unknown {
    const system = typeof body.system === "string" ? [{ type: "text" as const, text: body.system }] : (body.system ?? []);
    const marked = system.map((b) => b.cache_control !== undefined).lastIndexOf(true);
    const prefixText = marked >= 0 ? system.slice(0, marked + 1).map((b) => b.text).join("") : "";
    const restText = system.slice(marked + 1).map((b) => b.text).join("") + body.messages.map((m) => blockText(m.content)).join("");
    let cacheWrite = 0;
    let cacheRead = 0;
    let input = tokens(restText);
    if (prefixText) {
      const prefixTokens = tokens(prefixText);
      if (prefixTokens >= this.#minCacheTokens) {
        const key = createHash("sha256").update(body.model).update("\0").update(prefixText).digest("hex");
        if (this.#cache.has(key)) cacheRead = prefixTokens;
        else {
          this.#cache.add(key);
          cacheWrite = prefixTokens;
        }
      } else input += prefixTokens;
    }
    const text = typeof this.respond === "function" ? this.respond(body) : this.respond;
    let output = tokens(text);
    let outText = text;
    let stop = "end_turn";
    if (output > body.max_tokens) {
      outText = text.slice(0, body.max_tokens * 4);
      output = body.max_tokens;
      stop = "max_tokens";
    }
    return {
      id: this.#id("msg"),
      type: "message",
      role: "assistant",
      model: body.model,
      content: [{ type: "text", text: outText, citations: null }],
      stop_reason: stop,
      stop_sequence: null,
      usage: {
        input_tokens: input,
        output_tokens: output,
        cache_creation_input_tokens: cacheWrite,
        cache_read_input_tokens: cacheRead,
        cache_creation: null,
        server_tool_use: null,
        service_tier: tier,
      },
    };
  }
}

/* ---------- a stand-in teacher: letters + gold from grid rows, QA pairs from notes ---------- */

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** Deterministic per request: the same request always gets the same answer. */
function seeded(text: string): () => number {
  return seededRandom(createHash("sha256").update(text).digest().readUInt32LE(0));
}

const TREATMENTS = [
  "carboplatin and paclitaxel", "pembrolizumab 200 mg three-weekly", "letrozole 2.5 mg daily", "capecitabine", "docetaxel 75 mg/m2",
  "FOLFOX chemotherapy", "trastuzumab and pertuzumab", "osimertinib 80 mg", "abiraterone with prednisolone", "nivolumab", "gemcitabine and cisplatin",
  "palliative radiotherapy 20 Gy in 5 fractions", "anastrozole", "durvalumab consolidation", "olaparib maintenance", "irinotecan", "enzalutamide",
  "R-CHOP x 6", "temozolomide with radiotherapy", "denosumab for bone protection",
];
const FINDINGS = [
  "a partial response in the liver lesions", "stable disease with no new lesions", "new sclerotic deposits at T8 and L2", "no evidence of recurrence",
  "enlarging mediastinal lymph nodes", "a 40% reduction in the sum of target lesions", "a small right pleural effusion", "resolution of the adrenal metastasis",
  "a new 9 mm nodule in the left lower lobe", "mixed response with one growing liver deposit",
];
const SYMPTOMS = [
  "mild fatigue most afternoons", "grade 1 peripheral neuropathy in both feet", "intermittent nausea in the first week of each cycle", "a reduced appetite",
  "lower back pain controlled with paracetamol", "breathlessness climbing one flight of stairs", "hot flushes several times a day", "loose stools twice a day",
  "a dry cough at night", "aching joints in the hands",
];
const COMORBIDITIES = [
  "type 2 diabetes on metformin", "hypertension", "COPD with two exacerbations last winter", "atrial fibrillation on apixaban", "hypothyroidism",
  "chronic kidney disease stage 3a", "previous myocardial infarction in 2009", "osteoarthritis of both knees", "asthma", "depression treated with sertraline",
];
const SOCIAL = [
  "Lives with her husband and walks the dog daily.", "Retired electrician, lives alone, independent.", "Works part time in a school office.",
  "Ex-smoker of 30 pack years, stopped in 2015.", "Cares for an elderly parent.", "Drinks about 10 units of alcohol a week.", "Recently became a grandparent.",
  "Still driving and managing the garden.",
];
const PLANS = [
  "Continue the current treatment with review in six weeks", "Restaging CT in three months", "Refer to the palliative care team for symptom support",
  "Discuss at the next MDT meeting", "Bone scan before the next clinic", "Dose reduction by 20% from the next cycle", "Referral to the clinical trials unit",
  "Check thyroid function before each cycle", "Dietitian referral for weight loss", "Follow up in the nurse-led clinic",
];

function pickN<T>(items: readonly T[], n: number, random: () => number): T[] {
  const pool = [...items];
  const out: T[] = [];
  for (let i = 0; i < n && pool.length > 0; i++) out.push(pool.splice(Math.floor(random() * pool.length), 1)[0] as T);
  return out;
}

function formatDate(random: () => number, year: number, month: number): string {
  const day = 1 + Math.floor(random() * 27);
  const formats = [
    `${String(day).padStart(2, "0")}/${String(month).padStart(2, "0")}/${year}`,
    `${year}-${month}-${day}`,
    `${MONTHS[month - 1]} ${year}`,
    `${day}.${String(month).padStart(2, "0")}.${year}`,
  ];
  return formats[Math.floor(random() * formats.length)] as string;
}

/** The letter and gold for one generation request, built from the grid row in the user message. */
export function fakeLetterAnswer(user: string): string {
  const random = seeded(user);
  const field = (label: string): string => new RegExp(`^- ${label}: (.*)$`, "m").exec(user)?.[1]?.trim() ?? "";
  const site = field("Primary cancer topography") || "breast";
  const morphology = field("Morphology") || "adenocarcinoma";
  const stage = field("Stage") || "stage II";
  const biomarkers = field("Biomarkers") || "not tested";
  const metastases = field("Extent of metastases");
  const issue = field("Data-quality issue to inject");
  const year = 2015 + Math.floor(random() * 7);
  const month = 1 + Math.floor(random() * 12);
  const age = 38 + Math.floor(random() * 45);

  const sentences: string[] = [];
  const timeline: { type: string; value: string; year?: number; month?: number }[] = [];
  sentences.push(`[redacted name], ${age}, ${morphology}.`);
  sentences.push(`Primary site: ${site}, diagnosed ${MONTHS[month - 1]} ${year}.`);
  sentences.push(`Stage ${stage}.`);
  sentences.push(`Biomarkers: ${biomarkers}.`);
  if (metastases && metastases !== "none") sentences.push(`Metastases: ${metastases}.`);
  let y = year;
  let m = month;
  for (const treatment of pickN(TREATMENTS, 2 + Math.floor(random() * 3), random)) {
    m += 2 + Math.floor(random() * 8);
    y += Math.floor((m - 1) / 12);
    m = ((m - 1) % 12) + 1;
    const value = `${treatment} started ${formatDate(random, y, m)}`;
    sentences.push(`${value[0]?.toUpperCase()}${value.slice(1)}.`);
    timeline.push({ type: treatment.includes("radiotherapy") ? "treatment_radiotherapy" : "treatment_systemic_start", value, year: y, month: m });
  }
  const finding = pickN(FINDINGS, 1, random)[0] as string;
  const scanValue = `CT on ${formatDate(random, y, m)} showed ${finding}`;
  sentences.push(`${scanValue}.`);
  timeline.push({ type: "anatomical_finding", value: scanValue, year: y, month: m });
  if (/dates missing/i.test(issue)) {
    sentences.push("She also started chemotherapy at the local unit.");
    timeline.push({ type: "treatment_systemic_start", value: "started chemotherapy at the local unit" });
  }
  const ps = `ECOG PS ${Math.floor(random() * 3)}`;
  const symptoms = pickN(SYMPTOMS, 2, random);
  const comorbidities = pickN(COMORBIDITIES, 2, random);
  const creatinine = `creatinine ${60 + Math.floor(random() * 80)} umol/L`;
  sentences.push(`${ps}.`, `She reports ${symptoms.join(" and ")}.`, `Background: ${comorbidities.join(", ")}.`, `Bloods: ${creatinine}.`);
  sentences.push(...pickN(SOCIAL, 2, random));
  const plan = pickN(PLANS, 1, random)[0] as string;
  sentences.push(`Plan: ${plan}.`);
  if (/misspel/i.test(issue)) sentences.push("Referral letter said HER-2 postive and carboplatn given elsewhere.");
  if (/relative/i.test(issue)) sentences.push("The pain began three weeks ago.");
  if (/abbreviation/i.test(issue)) sentences.push("Pt c/o SOB, O/E NAD, BP and HR ok, SpO2 96% on RA, FBC and LFT normal, CXR clear, f/u in OPD.");
  if (/pasted twice/i.test(issue)) sentences.push(sentences[5] ?? "", `${ps}.`, `She reports ${symptoms.join(" and ")}.`, `Background: ${comorbidities.join(", ")}.`);
  if (/stage given inconsistently/i.test(issue)) sentences.push("Staging at referral was recorded as stage II and later as stage III.");
  const oneLine = random() < 0.5;
  const content = oneLine ? sentences.join("\\n\\t") : sentences.join("\n");

  const gold = {
    primary_cancer: {
      site,
      year,
      month,
      ...(metastases && metastases !== "none" ? { metastases } : {}),
      other_stage: stage,
      histopathology_status: morphology,
      biomarker_status: biomarkers,
      cancer_timeline: timeline,
    },
    other_cancers: [],
    patient_facts: [
      { type: "performance_status", value: ps },
      ...symptoms.map((value) => ({ type: "current_symptom", value })),
      ...comorbidities.map((value) => ({ type: "comorbidity", value })),
      { type: "investigation_finding", value: creatinine },
    ],
    status_updates: [{ type: "planned_investigation", value: plan }],
  };
  return JSON.stringify({ content, output: gold });
}

/** Eight pairs, two of each kind, quoting the note; the last one's source is paraphrased (to be rejected). */
export function fakeQaAnswer(user: string): string {
  const note = /<note>\n([\s\S]*)\n<\/note>/.exec(user)?.[1] ?? user;
  const quotes = note.split(/(?:\\n\\t|\n)/).map((s) => s.trim()).filter((s) => s.length > 12);
  const quote = (i: number): string => quotes[i % Math.max(1, quotes.length)] ?? note.slice(0, 40);
  const common = (i: number, difficulty: number) => ({ section: "Letter", source: quote(i), difficulty, explanation: "Read from the quoted passage." });
  const pairs = [
    { question: "Is the primary diagnosis stated?", type: "yes_no", answer: "Yes", ...common(0, 2) },
    { question: "Has the patient had more than five lines of therapy?", type: "yes_no", answer: "No", ...common(5, 5) },
    { question: "How old is the patient in years?", type: "numeric", answer: Number(/\], (\d+),/.exec(note)?.[1] ?? 50), ...common(0, 1) },
    { question: "What is the ECOG performance status?", type: "numeric", answer: Number(/ECOG PS (\d)/.exec(note)?.[1] ?? 1), ...common(quotes.findIndex((q) => q.startsWith("ECOG")), 2) },
    { question: "Does the patient have an active hepatitis B infection?", type: "not_answerable_yes_no", answer: "N/A", ...common(7, 6) },
    { question: "Has the patient received a live vaccine in the last 30 days?", type: "not_answerable_yes_no", answer: "N/A", ...common(8, 6) },
    { question: "What is the most recent bilirubin in umol/L?", type: "not_answerable_numeric", answer: "N/A", ...common(9, 4) },
    { question: "What is the QTc interval in ms?", type: "not_answerable_numeric", answer: "N/A", ...common(2, 7), source: "the patient's QTc was normal on ECG" },
  ];
  return JSON.stringify({ pairs });
}

/** Answers like a teacher: QA requests get pairs, generation requests a letter and gold. */
export function fakeTeacher(body: MessageBody): string {
  const system = typeof body.system === "string" ? body.system : (body.system ?? []).map((b) => b.text).join("\n");
  const user = body.messages.map((m) => blockText(m.content)).join("\n");
  if (system.includes("# Question-answer distillation")) return fakeQaAnswer(user);
  return fakeLetterAnswer(user);
}
