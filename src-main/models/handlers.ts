import { ApiFailure, type Handlers, type ModelSummary, type modelsApi } from "../../src-shared/api.ts";
import type { ServiceContext } from "../serviceContext.ts";
import { chosenGpu } from "../extract/engineFactory.ts";
import type { LlamaEngineOptions } from "../extract/llama/llamaEngine.ts";
import { probeEstimate, probeHardware } from "../extract/llama/probe.ts";
import { isServerModel, listModels, modelLineage, type ModelRow } from "../store/models.ts";
import { ModelRefusedError, registerVerifiedModel } from "./registerVerified.ts";
import { requireModel } from "./requireModel.ts";

export function modelsHandlers(context: ServiceContext): Handlers<typeof modelsApi> {
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
  };
}

function verifyOptions(engine: Partial<LlamaEngineOptions> | undefined) {
  if (!engine) return {};
  const { threads, temperature, seed, spawnWorker, loadTimeoutMs } = engine;
  return { threads, temperature, seed, spawnWorker, loadTimeoutMs };
}

function modelSummary(row: ModelRow): ModelSummary {
  return { id: row.id, name: row.name, path: row.path, bytes: row.bytes, addedAt: row.added_at, server: isServerModel(row), adapterPath: row.adapter_path, lineage: modelLineage(row) };
}
