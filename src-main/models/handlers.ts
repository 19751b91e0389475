import path from "node:path";
import { ApiFailure, type Handlers, type ModelSummary, type modelsApi } from "../../src-shared/api.ts";
import type { ServiceContext } from "../serviceContext.ts";
import { chosenGpu } from "../extract/engineFactory.ts";
import type { LlamaEngineOptions } from "../extract/llama/llamaEngine.ts";
import { probeEstimate, probeHardware } from "../extract/llama/probe.ts";
import { isServerModel, listModels, modelLineage, type ModelRow } from "../store/models.ts";
import { createModelDownloads, type ModelDownloads } from "./downloads.ts";
import { ModelRefusedError, registerVerifiedModel } from "./registerVerified.ts";
import { requireModel } from "./requireModel.ts";

export type ModelsService = { handlers: Handlers<typeof modelsApi>; close(): Promise<void> };

/** The Models screen's calls, and the base-model downloads running in this process. */
export function createModelsService(context: ServiceContext): ModelsService {
  const { db, engine } = context;
  const downloads = createModelDownloads({
    dir: path.join(context.dataDir, "models"),
    token: () => context.secret("huggingface-token"),
    register: async (file, name) => (await registerVerifiedModel(db, { file, name }, { ...verifyOptions(engine), gpu: chosenGpu(context.settings().extraction, engine) })).model.id,
    log: context.log,
  });
  return { handlers: modelsHandlers(context, downloads), close: () => downloads.close() };
}

function modelsHandlers(context: ServiceContext, downloads: ModelDownloads): Handlers<typeof modelsApi> {
  const { db, engine } = context;
  return {
    "models.list": () => listModels(db).map(modelSummary),
    "models.add": async ({ path: file, adapterPath, name }) => {
      try {
        const { model } = await registerVerifiedModel(db, { file, adapter: adapterPath, name }, { ...verifyOptions(engine), gpu: chosenGpu(context.settings().extraction, engine) });
        return modelSummary(model);
      } catch (error) {
        if (error instanceof ModelRefusedError) throw new ApiFailure("invalid-input", error.message);
        throw error;
      }
    },
    "models.hardware": () => probeHardware(engine?.spawnWorker),
    "models.estimate": async ({ modelId, parallel, contextSize }) => {
      const row = requireModel(db, modelId);
      if (isServerModel(row)) throw new ApiFailure("conflict", `"${row.name}" runs on a server (${row.path}): its memory is the server's`);
      const chosen = context.settings().extraction;
      const estimate = await probeEstimate({ modelPath: row.path, parallel: parallel ?? chosen.parallel, contextSize: contextSize ?? chosen.contextSize, gpu: chosen.gpu !== "off" }, engine?.spawnWorker);
      return { modelId, ...estimate };
    },
    "models.download": (request) => downloads.start(request),
    "models.downloads": () => downloads.list(),
    "models.cancelDownload": ({ id }) => downloads.cancel(id),
  };
}

function verifyOptions(engine: Partial<LlamaEngineOptions> | undefined) {
  if (!engine) return {};
  const { threads, temperature, seed, spawnWorker, loadTimeoutMs } = engine;
  return { threads, temperature, seed, spawnWorker, loadTimeoutMs };
}

export function modelSummary(row: ModelRow): ModelSummary {
  return { id: row.id, name: row.name, path: row.path, bytes: row.bytes, addedAt: row.added_at, server: isServerModel(row), adapterPath: row.adapter_path, lineage: modelLineage(row) };
}
