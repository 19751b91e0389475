import { ApiFailure, type ExportResult, type exportApi, type Handlers } from "../../src-shared/api.ts";
import type { ServiceContext } from "../serviceContext.ts";
import { requireModel } from "../models/requireModel.ts";
import { fileSha256 } from "../base/atomicFile.ts";
import { runExport, type AnyExportResult } from "./runExport.ts";

export function exportHandlers({ db, reveal }: ServiceContext): Handlers<typeof exportApi> {
  const exported = new Set<string>();
  return {
    "export.run": (input) => {
      const chosen = input.modelId === undefined ? undefined : requireModel(db, input.modelId).name;
      let result: ExportResult;
      try {
        result = exportResult(runExport(db, { ...input, model: chosen }));
      } catch (error) {
        throw new ApiFailure("failed", `export failed: ${(error as Error).message}`);
      }
      for (const file of result.paths) exported.add(file);
      return result;
    },
    "export.reveal": ({ path: file }) => {
      // Only what this session wrote: the page cannot make the file manager open anything else.
      if (!exported.has(file)) throw new ApiFailure("invalid-input", `${file} was not exported in this session`);
      if (!reveal) throw new ApiFailure("conflict", `open it from your file manager: ${file}`);
      reveal(file);
      return { shown: true };
    },
  };
}

function exportResult(exported: AnyExportResult): ExportResult {
  switch (exported.format) {
    case "json":
      return { format: "json", paths: [exported.result.path], rows: exported.result.letters, letters: exported.result.letters, sha256: fileSha256(exported.result.path) };
    case "redcap":
      return { format: "redcap", paths: [exported.result.dictionary, exported.result.import], rows: exported.result.rows, letters: exported.result.letters, sha256: fileSha256(exported.result.import) };
    case "fhir":
      return { format: "fhir", paths: [exported.result.folder], rows: exported.result.resources, letters: exported.result.bundles, sha256: null };
    default:
      return { format: exported.format, paths: [exported.result.path], rows: exported.result.rows, letters: exported.result.letters, sha256: fileSha256(exported.result.path) };
  }
}
