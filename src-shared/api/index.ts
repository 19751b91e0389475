/**
 * The API contract between the renderer and the main side: every call's name, its input (a zod
 * schema, checked at the boundary by the IPC handler and by the loopback host alike) and its
 * output type. Each capability declares its own slice in this folder; this file joins them. The
 * preload, the host and the renderer's client are all derived from the joined map; nothing else
 * crosses the process boundary.
 */
import type { z } from "zod";
import { appApi } from "./app.ts";
import { datasetsApi } from "./datasets.ts";
import { describeIssues, type Handlers } from "./endpoint.ts";
import { evaluateApi } from "./evaluate.ts";
import { exportApi } from "./export.ts";
import { extractApi } from "./extract.ts";
import { finetuneApi } from "./finetune.ts";
import { goldSetsApi } from "./goldSets.ts";
import { ingestApi } from "./ingest.ts";
import { jobsApi } from "./jobs.ts";
import { modelsApi } from "./models.ts";
import { settingsApi } from "./settings.ts";
import { synthApi } from "./synth.ts";
import { timelineApi } from "./timeline.ts";

export * from "./app.ts";
export * from "./datasets.ts";
export { describeIssues, type Contract, type Endpoint, type Handlers } from "./endpoint.ts";
export * from "./evaluate.ts";
export * from "./export.ts";
export * from "./extract.ts";
export * from "./finetune.ts";
export * from "./goldSets.ts";
export * from "./ingest.ts";
export * from "./jobs.ts";
export * from "./models.ts";
export * from "./settings.ts";
export * from "./synth.ts";
export * from "./timeline.ts";

/** Every capability's slice; a new capability adds its line here and its handlers' in src-main/api/services.ts. */
export const API = {
  ...appApi,
  ...ingestApi,
  ...modelsApi,
  ...jobsApi,
  ...extractApi,
  ...timelineApi,
  ...exportApi,
  ...synthApi,
  ...settingsApi,
  ...evaluateApi,
  ...datasetsApi,
  ...finetuneApi,
  ...goldSetsApi,
} as const;

export type Api = typeof API;
export type ApiName = keyof Api;
export type ApiInput<N extends ApiName> = z.input<Api[N]["input"]>;
export type ApiParsedInput<N extends ApiName> = z.output<Api[N]["input"]>;
export type ApiOutput<N extends ApiName> = NonNullable<Api[N]["output"]>;

/** What the main side implements: one function per call, given already-validated input. */
export type ApiHandlers = Handlers<Api>;

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
  const details = describeIssues(parsed.error, (path) => path.map(String).join(".") || "(input)");
  return { ok: false, error: { code: "invalid-input", message: `${name}: ${details}` } };
}
