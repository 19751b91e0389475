import type { IpcMain, IpcMainInvokeEvent } from "electron";
import { dispatchApiCall } from "../api/dispatch.ts";
import type { ApiHandlers, ApiResult } from "../../src-shared/api.ts";
import { isAppUrl } from "./appOrigin.ts";
import { API_CHANNEL } from "./bridge.ts";

/**
 * Only the app's own top-level page may call: not a page that navigated elsewhere, not an
 * iframe (even one of ours), not a frame that has gone away.
 */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, "senderFrame">): boolean {
  const frame = event.senderFrame;
  if (!frame) return false;
  if (frame.parent !== null) return false;
  return isAppUrl(frame.url);
}

export const UNAUTHORISED: ApiResult<never> = {
  ok: false,
  error: { code: "unauthorised", message: "this call did not come from the OncoTimeline window" },
};

export type RegisterApiOptions = {
  /** Default: isTrustedSender. */
  isTrustedSender?: (event: IpcMainInvokeEvent) => boolean;
  /** Unexpected handler errors (their stacks never cross to the renderer). */
  log?: (error: unknown) => void;
};

/** Answers every contract call: sender first, then name and input via the shared dispatcher. */
export function registerApi(ipcMain: Pick<IpcMain, "handle">, handlers: ApiHandlers, options: RegisterApiOptions = {}): void {
  const trusted = options.isTrustedSender ?? isTrustedSender;
  ipcMain.handle(API_CHANNEL, async (event: IpcMainInvokeEvent, name: unknown, input: unknown): Promise<ApiResult<unknown>> => {
    if (!trusted(event)) return UNAUTHORISED;
    return dispatchApiCall(handlers, name, input, options.log);
  });
}
