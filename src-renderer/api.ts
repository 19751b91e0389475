/**
 * The renderer's typed client of the API contract (src-shared/api.ts). In Electron the preload
 * exposes `window.oncotimeline.call`; in a browser (the loopback host of `oncotimeline serve` and
 * the end-to-end tests) calls go over fetch with the per-run token from the URL's fragment.
 */
import type { ApiInput, ApiName, ApiOutput, ApiResult } from "../src-shared/api.ts";
import type { DesktopBridge, DialogRequest } from "../src-shared/desktop.ts";

/** The desktop app's side of things, as the screens use it; absent in the browser build. */
export type Bridge = {
  call(name: string, input: unknown): Promise<ApiResult<unknown>>;
  /** Opens one of the main side's file dialogs; the paths chosen (empty when cancelled). */
  pick(request: DialogRequest): Promise<string[]>;
  pathForFile(file: File): string;
  onMenu: DesktopBridge["onMenu"];
};

export function bridge(): Bridge | undefined {
  const desktop = (window as unknown as { oncotimeline?: DesktopBridge }).oncotimeline;
  if (!desktop) return undefined;
  return {
    call: (name, input) => desktop.call(name as ApiName, input as never),
    pick: async (request) => {
      const result = await desktop.dialog(request);
      if (!result.ok) throw new ApiCallError(result.error.code, result.error.message);
      return result.value.paths;
    },
    pathForFile: (file) => desktop.pathForFile(file),
    onMenu: (listener) => desktop.onMenu(listener),
  };
}

const TOKEN_KEY = "oncotimeline.token";

/**
 * Takes the token out of the address bar (so it is not bookmarked, shared or left in history)
 * and keeps it for this tab only; a reload still works because sessionStorage survives it.
 */
export function captureToken(): string | null {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export class ApiCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiCallError";
  }
}

async function overHttp(name: string, input: unknown): Promise<ApiResult<unknown>> {
  const token = captureToken();
  let response: Response;
  try {
    response = await fetch(`api/${encodeURIComponent(name)}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token ?? ""}` },
      body: JSON.stringify(input ?? {}),
    });
  } catch {
    return { ok: false, error: { code: "failed", message: "The OncoTimeline service is not reachable. Is `oncotimeline serve` still running?" } };
  }
  try {
    return (await response.json()) as ApiResult<unknown>;
  } catch {
    return { ok: false, error: { code: "failed", message: `${name}: the service answered ${response.status} without a result` } };
  }
}

/** One call; resolves to its output or throws an ApiCallError carrying the human message. */
export async function call<N extends ApiName>(name: N, input: ApiInput<N>): Promise<ApiOutput<N>> {
  const via = bridge();
  const result = via ? await via.call(name, input) : await overHttp(name, input);
  if (!result.ok) throw new ApiCallError(result.error.code, result.error.message);
  return result.value as ApiOutput<N>;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
