/**
 * The API contract between the renderer and the main side: every call's name, its input (a zod
 * schema, checked at the boundary by the IPC handler and by the loopback host alike) and its
 * output type. The preload, the host and the renderer's client are all derived from this map;
 * nothing else crosses the process boundary.
 */
import { z } from "zod";
import type { TimelineDocument } from "./timeline.ts";
import type { EvidenceGrade } from "./evidence.ts";
import type { PatientTimeline } from "./patientTimeline.ts";

/** A call's declaration: the input schema, plus its output type carried as a phantom. */
export type Endpoint<I extends z.ZodType, O> = { readonly input: I; readonly output?: O };

function endpoint<O>() {
  return <I extends z.ZodType>(input: I): Endpoint<I, O> => ({ input });
}

const id = z.number().int().positive();
const nonEmpty = z.string().trim().min(1);

// ---- shared output shapes -------------------------------------------------------------------

export type LetterStatus = "not_extracted" | "extracted" | "failed";
export type ReviewState = "unreviewed" | "in_review" | "reviewed";

export type LetterSummary = {
  id: number;
  patient: string | null;
  letterDate: string | null;
  source: string;
  chars: number;
  status: LetterStatus;
  /** Values the letter does not support (null when not extracted). */
  ungrounded: number | null;
  review: ReviewState;
};
export type LetterPage = { total: number; offset: number; rows: LetterSummary[] };
export type LetterText = { id: number; patient: string | null; letterDate: string | null; source: string; text: string };

export type ImportFileResult = {
  source: string;
  status: "imported" | "duplicate" | "problem" | "skipped";
  letters: number;
  message: string | null;
};
export type ImportReport = { imported: number; duplicates: number; problems: number; files: ImportFileResult[] };

export type ModelSummary = {
  id: number;
  name: string;
  path: string;
  bytes: number;
  addedAt: string;
  /** An on-premise inference server rather than a GGUF file. */
  server: boolean;
};
export type HardwareInfo = {
  /** What node-llama-cpp would use: cuda | vulkan | metal | cpu. */
  backend: string;
  gpuName: string | null;
  vramTotal: number | null;
  vramFree: number | null;
  ramTotal: number;
  ramFree: number;
  cpuCores: number;
};
export type ModelEstimate = {
  modelId: number;
  totalLayers: number;
  /** Layers that fit on the GPU at these settings (0 on a CPU). */
  gpuLayers: number;
  vramBytes: number;
  ramBytes: number;
  contextSize: number;
  parallel: number;
  fits: boolean;
  notes: string[];
};

export type JobState = "running" | "paused" | "done" | "interrupted" | "cancelled" | "failed";
export type JobSummary = {
  id: number;
  kind: string;
  state: JobState;
  model: string | null;
  total: number;
  done: number;
  failed: number;
  pending: number;
  /** Letters per minute over this run (null before the first letter). */
  rate: number | null;
  etaSeconds: number | null;
  engine: string | null;
  /** Why the job stopped, or what the engine reduced to fit memory. */
  message: string | null;
  createdAt: string;
  updatedAt: string;
};
export type JobError = { letterId: number; source: string; error: string; attempts: number };
export type JobDetail = JobSummary & { errors: JobError[] };

export type EvidenceItem = {
  path: string;
  value: string;
  grade: EvidenceGrade;
  start: number | null;
  end: number | null;
  score: number | null;
};
export type CorrectionEntry = { id: number; at: string; user: string; op: ReviewEdit["op"]; path: string; summary: string };
export type ReviewView = {
  letter: LetterText;
  model: string | null;
  extractionId: number | null;
  status: LetterStatus;
  error: string | null;
  /** What the model produced, never changed by review. */
  modelDocument: TimelineDocument | null;
  /** The model's document with every correction applied (what exports use). */
  document: TimelineDocument | null;
  corrected: boolean;
  /** Grounding of `document`'s values in the letter. */
  evidence: EvidenceItem[];
  /** Paths the reviewer has accepted as they stand. */
  accepted: string[];
  review: ReviewState;
  history: CorrectionEntry[];
};

export type ExportResult = { format: string; paths: string[]; rows: number; letters: number; sha256: string | null };

export type PatientSummary = { id: string; letters: number; extracted: number };

export type Settings = {
  reviewer: string;
  extraction: { parallel: number; contexts: number | null; contextSize: number; maxTokens: number; gpu: "auto" | "off" };
  export: { bom: boolean; excludeUngrounded: boolean; folder: string | null };
};

/** Names of the secrets the app keeps (API keys for the cloud parts; real letters never go there). */
export const SECRET_NAMES = ["anthropic-api-key", "openpipe-api-key", "inference-server-api-key"] as const;
export type SecretName = (typeof SECRET_NAMES)[number];
/** Where the desktop app keeps them (Electron safeStorage); methods throw with a human message when it cannot. */
export type SecretStore = {
  get(name: SecretName): string | null;
  set(name: SecretName, value: string): void;
  delete(name: SecretName): void;
  has(name: SecretName): boolean;
};
export type SecretsStatus = {
  /** False in the browser build and where the OS offers no safe storage (then `message` says why). */
  canStore: boolean;
  message: string | null;
  secrets: { name: SecretName; stored: boolean; fromEnvironment: boolean }[];
};

export type StudioJobView = {
  jobId: number | null;
  state: "running" | "done" | "interrupted" | "budget-reached" | "failed";
  total: number;
  done: number;
  failed: number;
  costUsd: number;
  budgetUsd: number | null;
  etaSeconds: number | null;
  message: string | null;
};
export type StudioStatus = {
  jobs: { id: number; kind: string; state: string; model: string; budgetUsd: number | null; costUsd: number; items: Record<string, number>; error: string | null }[];
  letters: Record<"accepted" | "flagged" | "rejected", number>;
  reasons: Record<string, number>;
  qa: { accepted: number; rejected: number; byKind: Record<string, number>; rejectReasons: Record<string, number> };
  costUsd: number;
  /** The generation job running now, or the last one this session ran. */
  current: StudioJobView | null;
};
export type StudioLetter = {
  id: number;
  status: "accepted" | "flagged" | "rejected";
  reasons: string[];
  content: string | null;
  gold: unknown;
  model: string;
  createdAt: string;
  qa: unknown[];
};
export type StudioLetterPage = { total: number; rows: StudioLetter[] };

// ---- inputs ---------------------------------------------------------------------------------

export const ReviewEditSchema = z.discriminatedUnion("op", [
  /** Replace the value at a path (a field, or one list item as a whole), or add a missing field. */
  z.strictObject({ op: z.literal("set"), path: nonEmpty, value: z.unknown() }),
  /** Remove a field or a list item (reject). */
  z.strictObject({ op: z.literal("remove"), path: nonEmpty }),
  /** Insert a list item at the path's index (add an event; the undo of a remove). */
  z.strictObject({ op: z.literal("insert"), path: nonEmpty, value: z.unknown() }),
  /** Mark a value as checked and correct as it stands. */
  z.strictObject({ op: z.literal("accept"), path: nonEmpty }),
  /** Take an accept back (its undo). */
  z.strictObject({ op: z.literal("unaccept"), path: nonEmpty }),
]);
export type ReviewEdit = z.infer<typeof ReviewEditSchema>;

export const ExportFormatSchema = z.enum(["csv", "csv-wide", "json", "redcap", "fhir"]);
export type ExportFormat = z.infer<typeof ExportFormatSchema>;

export const SettingsSchema = z.strictObject({
  reviewer: z.string().trim().max(80),
  extraction: z.strictObject({
    parallel: z.number().int().min(1).max(256),
    contexts: z.number().int().min(1).max(64).nullable(),
    contextSize: z.number().int().min(1024).max(131072),
    maxTokens: z.number().int().min(256).max(32768),
    gpu: z.enum(["auto", "off"]),
  }),
  export: z.strictObject({ bom: z.boolean(), excludeUngrounded: z.boolean(), folder: z.string().nullable() }),
});

const uploadFile = z.strictObject({
  name: z.string().trim().min(1).max(255),
  /** The file's bytes, base64 (the browser build cannot hand over paths). */
  base64: z.string().max(70_000_000),
});

// ---- the contract ----------------------------------------------------------------------------

export const API = {
  "app.info": endpoint<{ version: string; dataDir: string; letters: number; user: string }>()(z.strictObject({})),

  "letters.list": endpoint<LetterPage>()(
    z.strictObject({
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(1000).default(200),
      search: z.string().max(200).optional(),
      patient: z.string().max(200).optional(),
      status: z.enum(["not_extracted", "extracted", "failed"]).optional(),
      review: z.enum(["unreviewed", "in_review", "reviewed"]).optional(),
      modelId: id.optional(),
    }),
  ),
  "letters.get": endpoint<LetterText>()(z.strictObject({ id })),
  /** Files or folders on this machine (the desktop app's dialog and drag-and-drop). */
  "letters.import": endpoint<ImportReport>()(z.strictObject({ paths: z.array(nonEmpty).min(1).max(10_000) })),
  /** File contents (the browser build's drag-and-drop). */
  "letters.upload": endpoint<ImportReport>()(z.strictObject({ files: z.array(uploadFile).min(1).max(500) })),

  "patients.list": endpoint<PatientSummary[]>()(z.strictObject({ modelId: id.optional() })),
  /** The patient's letters merged into one timeline, with provenance and conflicts. */
  "patients.timeline": endpoint<PatientTimeline>()(z.strictObject({ patient: nonEmpty, modelId: id.optional() })),

  "models.list": endpoint<ModelSummary[]>()(z.strictObject({})),
  /** Registers a GGUF after loading it once and extracting one test letter. */
  "models.add": endpoint<ModelSummary>()(z.strictObject({ path: nonEmpty, name: z.string().trim().min(1).max(120).optional() })),
  "models.hardware": endpoint<HardwareInfo>()(z.strictObject({})),
  "models.estimate": endpoint<ModelEstimate>()(
    z.strictObject({ modelId: id, parallel: z.number().int().min(1).max(256).optional(), contextSize: z.number().int().min(1024).max(131072).optional() }),
  ),

  "jobs.list": endpoint<JobSummary[]>()(z.strictObject({ limit: z.number().int().min(1).max(500).default(50) })),
  "jobs.get": endpoint<JobDetail>()(z.strictObject({ id })),
  /** Extracts every letter not yet extracted with the model (and failed ones with retryFailed). */
  "jobs.startExtraction": endpoint<JobSummary>()(z.strictObject({ modelId: id, retryFailed: z.boolean().default(false) })),
  "jobs.pause": endpoint<JobSummary>()(z.strictObject({ id })),
  "jobs.resume": endpoint<JobSummary>()(z.strictObject({ id })),
  "jobs.cancel": endpoint<JobSummary>()(z.strictObject({ id })),

  "review.get": endpoint<ReviewView>()(z.strictObject({ letterId: id, modelId: id.optional() })),
  /** Applies one edit, saved at once; returns the new state. */
  "review.edit": endpoint<ReviewView>()(z.strictObject({ extractionId: id, edit: ReviewEditSchema })),
  "review.setState": endpoint<ReviewView>()(z.strictObject({ extractionId: id, state: z.enum(["unreviewed", "in_review", "reviewed"]) })),

  "export.run": endpoint<ExportResult>()(
    z.strictObject({
      format: ExportFormatSchema,
      out: nonEmpty,
      patient: z.string().trim().min(1).optional(),
      modelId: id.optional(),
      bom: z.boolean().default(false),
      excludeUngrounded: z.boolean().default(false),
    }),
  ),

  /** Which API keys are set (never their values). */
  "secrets.status": endpoint<SecretsStatus>()(z.strictObject({})),
  "secrets.set": endpoint<SecretsStatus>()(z.strictObject({ name: z.enum(SECRET_NAMES), value: z.string().trim().min(8).max(1000) })),
  "secrets.delete": endpoint<SecretsStatus>()(z.strictObject({ name: z.enum(SECRET_NAMES) })),

  /** A balanced generation grid from the default distributions (the editor's starting point). */
  "studio.sampleGrid": endpoint<{ columns: string[]; rows: Record<string, string>[] }>()(
    z.strictObject({ n: z.number().int().min(1).max(5000), seed: z.number().int().min(0).default(1) }),
  ),
  /** Generates a letter + gold per grid row (resumable: the same grid again goes on where it stopped). */
  "studio.generate": endpoint<StudioJobView>()(
    z.strictObject({
      rows: z.array(z.record(z.string(), z.string().max(2000))).min(1).max(5000),
      batch: z.boolean().default(false),
      budgetUsd: z.number().positive().max(100_000).optional(),
      retryFailed: z.boolean().default(false),
    }),
  ),
  "studio.stop": endpoint<StudioJobView>()(z.strictObject({})),
  "studio.status": endpoint<StudioStatus>()(z.strictObject({})),
  "studio.letters": endpoint<StudioLetterPage>()(
    z.strictObject({ offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(200).default(50), status: z.enum(["accepted", "flagged", "rejected"]).optional() }),
  ),
  "studio.decide": endpoint<StudioLetter>()(z.strictObject({ id, status: z.enum(["accepted", "rejected"]) })),

  /** Shows a file this session exported in the system's file manager (desktop app only). */
  "export.reveal": endpoint<{ shown: boolean }>()(z.strictObject({ path: nonEmpty })),

  "settings.get": endpoint<Settings>()(z.strictObject({})),
  "settings.set": endpoint<Settings>()(SettingsSchema),
} as const;

export type Api = typeof API;
export type ApiName = keyof Api;
export type ApiInput<N extends ApiName> = z.input<Api[N]["input"]>;
export type ApiParsedInput<N extends ApiName> = z.output<Api[N]["input"]>;
export type ApiOutput<N extends ApiName> = NonNullable<Api[N]["output"]>;

/** What the main side implements: one function per call, given already-validated input. */
export type ApiHandlers = { [N in ApiName]: (input: ApiParsedInput<N>) => Promise<ApiOutput<N>> | ApiOutput<N> };

export type ApiErrorCode = "invalid-input" | "not-found" | "conflict" | "failed" | "unauthorised" | "unknown-call";
export type ApiError = { code: ApiErrorCode; message: string };
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** Thrown by handlers for an expected failure; crosses the boundary as `{code, message}`. */
export class ApiFailure extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ApiFailure";
  }
}

export function isApiName(name: unknown): name is ApiName {
  return typeof name === "string" && Object.hasOwn(API, name);
}

/** Validates a call's input; the message names each bad field. */
export function parseApiInput<N extends ApiName>(name: N, input: unknown): ApiResult<ApiParsedInput<N>> {
  const parsed = API[name].input.safeParse(input ?? {});
  if (parsed.success) return { ok: true, value: parsed.data as ApiParsedInput<N> };
  const details = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(input)"}: ${issue.message}`).join("; ");
  return { ok: false, error: { code: "invalid-input", message: `${name}: ${details}` } };
}
