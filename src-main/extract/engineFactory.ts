import { existsSync } from "node:fs";
import type { ExtractionSettings } from "../../src-shared/api.ts";
import type { ServiceContext } from "../serviceContext.ts";
import { isServerModel, type ModelRow } from "../store/models.ts";
import type { StartableEngine } from "./jobControl.ts";
import { LlamaEngine, type LlamaEngineOptions } from "./llama/llamaEngine.ts";
import { OpenAiCompatibleEngine } from "./openai/openAiEngine.ts";
import { loadExtractionPrompt } from "./prompt.ts";

/** "CPU only" on the settings screen wins over the engine options; otherwise theirs, default auto. */
export function chosenGpu(chosen: ExtractionSettings, engine: Partial<LlamaEngineOptions> | undefined): false | "auto" {
  return chosen.gpu === "off" ? false : (engine?.gpu ?? "auto");
}

/** Opens the engine for a registered model with the settings as they are when the job starts. */
export function engineOpener(context: ServiceContext): (model: ModelRow) => Promise<StartableEngine> {
  return async (model) => {
    const prompt = loadExtractionPrompt();
    const chosen = context.settings().extraction;
    if (isServerModel(model)) {
      // Registered by `extract --server` after the host policy let it through.
      const apiKey = context.secret("inference-server-api-key");
      return new OpenAiCompatibleEngine({ systemPrompt: prompt.text, baseUrl: model.path, onPremise: true, parallel: chosen.parallel, maxTokens: chosen.maxTokens, apiKey: apiKey ?? undefined });
    }
    if (!existsSync(model.path)) throw new Error(`the model file is missing: ${model.path}`);
    return new LlamaEngine({
      ...context.engine,
      modelPath: model.path,
      systemPrompt: prompt.text,
      parallel: chosen.parallel,
      contextSize: chosen.contextSize,
      maxTokens: chosen.maxTokens,
      ...(chosen.contexts === null ? {} : { contexts: chosen.contexts }),
      gpu: chosenGpu(chosen, context.engine),
    });
  };
}
