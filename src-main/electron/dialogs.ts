import { z } from "zod";
import type { BrowserWindow, Dialog, IpcMain, IpcMainInvokeEvent, OpenDialogOptions, SaveDialogOptions } from "electron";
import type { ApiResult } from "../../src-shared/api.ts";
import { ExportFormatSchema, type ExportFormat } from "../../src-shared/api.ts";
import { isTrustedSender, UNAUTHORISED } from "./ipc.ts";
import { DIALOG_CHANNEL } from "./bridge.ts";
import type { DialogRequest, DialogResult } from "../../src-shared/desktop.ts";

export type { DialogRequest, DialogResult };

/**
 * File dialogs are a fixed set of kinds the main side opens itself: the renderer picks a kind,
 * never the dialog's options, so a compromised page cannot point one anywhere it likes. What
 * comes back is what the user chose, handed to ordinary contract calls (letters.import, ...).
 */
export const DialogRequestSchema: z.ZodType<DialogRequest> = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("letters") }),
  z.strictObject({ kind: z.literal("letters-folder") }),
  z.strictObject({ kind: z.literal("model") }),
  z.strictObject({ kind: z.literal("export-folder") }),
  z.strictObject({ kind: z.literal("export-file"), format: ExportFormatSchema }),
]);
export type DialogKind = DialogRequest["kind"];


const LETTER_EXTENSIONS = ["txt", "docx", "pdf", "csv", "jsonl"];
const EXPORT_EXTENSION: Record<ExportFormat, string> = { csv: "csv", "csv-wide": "csv", json: "json", redcap: "csv", fhir: "json" };

export type DialogSpec = { type: "open"; options: OpenDialogOptions } | { type: "save"; options: SaveDialogOptions };

export function dialogSpec(request: DialogRequest): DialogSpec {
  switch (request.kind) {
    case "letters":
      return {
        type: "open",
        options: { title: "Import letters", properties: ["openFile", "multiSelections"], filters: [{ name: "Letters", extensions: LETTER_EXTENSIONS }] },
      };
    case "letters-folder":
      return { type: "open", options: { title: "Import a folder of letters", properties: ["openDirectory"] } };
    case "model":
      return { type: "open", options: { title: "Add a model", properties: ["openFile"], filters: [{ name: "GGUF model", extensions: ["gguf"] }] } };
    case "export-folder":
      return { type: "open", options: { title: "Export to folder", properties: ["openDirectory", "createDirectory"] } };
    case "export-file": {
      const extension = EXPORT_EXTENSION[request.format];
      return {
        type: "save",
        options: { title: "Export", defaultPath: `oncotimeline-${request.format}.${extension}`, filters: [{ name: request.format, extensions: [extension] }] },
      };
    }
  }
}

export type RegisterDialogsOptions = {
  /** The window the dialog belongs to (modal to it); null opens an unparented one. */
  windowFor: (event: IpcMainInvokeEvent) => BrowserWindow | null;
  isTrustedSender?: (event: IpcMainInvokeEvent) => boolean;
};

export async function showDialog(dialog: Pick<Dialog, "showOpenDialog" | "showSaveDialog">, window: BrowserWindow | null, request: DialogRequest): Promise<DialogResult> {
  const spec = dialogSpec(request);
  if (spec.type === "open") {
    const result = window ? await dialog.showOpenDialog(window, spec.options) : await dialog.showOpenDialog(spec.options);
    return { paths: result.canceled ? [] : result.filePaths };
  }
  const result = window ? await dialog.showSaveDialog(window, spec.options) : await dialog.showSaveDialog(spec.options);
  return { paths: result.canceled || !result.filePath ? [] : [result.filePath] };
}

export function registerDialogs(ipcMain: Pick<IpcMain, "handle">, dialog: Pick<Dialog, "showOpenDialog" | "showSaveDialog">, options: RegisterDialogsOptions): void {
  const trusted = options.isTrustedSender ?? isTrustedSender;
  ipcMain.handle(DIALOG_CHANNEL, async (event: IpcMainInvokeEvent, request: unknown): Promise<ApiResult<DialogResult>> => {
    if (!trusted(event)) return UNAUTHORISED;
    const parsed = DialogRequestSchema.safeParse(request);
    if (!parsed.success) {
      const details = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(input)"}: ${issue.message}`).join("; ");
      return { ok: false, error: { code: "invalid-input", message: `dialog: ${details}` } };
    }
    try {
      return { ok: true, value: await showDialog(dialog, options.windowFor(event), parsed.data) };
    } catch (error) {
      return { ok: false, error: { code: "failed", message: error instanceof Error ? error.message : String(error) } };
    }
  });
}
