import { ApiFailure, isApiName, parseApiInput, type ApiHandlers, type ApiResult } from "../../src-shared/api.ts";

/**
 * One call across the process boundary, the same for IPC and the loopback host: the name must
 * be in the contract, the input must pass its schema, and any failure comes back as a value
 * with a human message (an unexpected error's stack stays on this side, in the log).
 */
export async function dispatchApiCall(handlers: ApiHandlers, name: unknown, input: unknown, log: (error: unknown) => void = () => {}): Promise<ApiResult<unknown>> {
  if (!isApiName(name)) return { ok: false, error: { code: "unknown-call", message: `no such call: ${String(name).slice(0, 80)}` } };
  const parsed = parseApiInput(name, input);
  if (!parsed.ok) return parsed;
  try {
    const handler = handlers[name] as (input: unknown) => unknown;
    return { ok: true, value: await handler(parsed.value) };
  } catch (error) {
    if (error instanceof ApiFailure) return { ok: false, error: { code: error.code, message: error.message } };
    log(error);
    return { ok: false, error: { code: "failed", message: error instanceof Error ? error.message : String(error) } };
  }
}
