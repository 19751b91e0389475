import { existsSync } from "node:fs";
import type { ExtractionSettings, SecretName } from "../../src-shared/api.ts";
import type { GenerationSchema } from "../../src-shared/generationSchema.ts";
import type { ServiceContext } from "../serviceContext.ts";
import { isServerModel, type ModelRow } from "../store/models.ts";
import type { StartableEngine } from "./jobControl.ts";
import { LlamaEngine, type LlamaEngineOptions } from "./llama/llamaEngine.ts";
import { OpenAiCompatibleEngine } from "./openai/openAiEngine.ts";
import { loadExtractionPrompt } from "./prompt.ts";

/**
 * What an extraction engine is built from, the same for the app and the CLI (one factory, so the
 * two cannot build different engines from the same choices).
 */
export type EngineRecipe = {
  systemPrompt: string;
  /**
   * The extraction settings: the settings screen's in the app, the flags given in the CLI (checked
   * by the same schema). A setting left out takes the engine's default.
   */
  settings: Partial<ExtractionSettings>;
  /**
   * Everything the settings do not cover: threads, batch size, flash attention, sampling, the
   * per-letter timeout, the worker spawner. Where both set one, the settings win.
   */
  engine?: Partial<LlamaEngineOptions> | undefined;
  /** Where the inference server's API key comes from (the app's store, else the environment). */
  secret: (name: SecretName) => string | null;
  /**
   * The JSON schema every output is generated under (the local grammar, the server's
   * response_format). Default: the timeline's; a question's answer has its own (questionPrompt.ts).
   */
  outputSchema?: OutputSchema | undefined;
};

/** A generation schema with the name an OpenAI-compatible server's `json_schema` response format carries. */
export type OutputSchema = { name: string; schema: GenerationSchema };

/**
 * An on-premise OpenAI-compatible server. `onPremise` is the user's statement that a host other
 * than this machine is inside the hospital network; `model` defaults to the server's only model.
 */
export type ServerTarget = { baseUrl: string; model?: string | undefined; onPremise: boolean };

/** "CPU only" on the settings screen (or --gpu off) wins over the engine options; otherwise theirs, default auto. */
export function chosenGpu(chosen: Partial<Pick<ExtractionSettings, "gpu">>, engine: Partial<LlamaEngineOptions> | undefined): false | "auto" {
  return chosen.gpu === "off" ? false : (engine?.gpu ?? "auto");
}

/** The files a local model loads: its base GGUF and, for a fine-tune, its adapter. */
export function modelFiles(model: Pick<ModelRow, "path" | "adapter_path">): string[] {
  return model.adapter_path === null ? [model.path] : [model.path, model.adapter_path];
}

/** The local engine on a registered model's GGUF, with its LoRA adapter when it has one. */
export function createLocalEngine(model: Pick<ModelRow, "path" | "adapter_path">, { systemPrompt, settings, engine, outputSchema }: EngineRecipe): LlamaEngine {
  return new LlamaEngine({
    ...engine,
    modelPath: model.path,
    adapterPath: model.adapter_path ?? undefined,
    systemPrompt,
    ...(outputSchema === undefined ? {} : { outputSchema: outputSchema.schema }),
    ...(settings.parallel === undefined ? {} : { parallel: settings.parallel }),
    ...(settings.contextSize === undefined ? {} : { contextSize: settings.contextSize }),
    ...(settings.maxTokens === undefined ? {} : { maxTokens: settings.maxTokens }),
    // null: chosen for the machine (the engine's default).
    ...(settings.contexts === undefined || settings.contexts === null ? {} : { contexts: settings.contexts }),
    gpu: chosenGpu(settings, engine),
  });
}

/** An engine on an on-premise server; throws InferenceHostRefusedError when the host policy refuses the address. */
export function createServerEngine(server: ServerTarget, { systemPrompt, settings, engine, secret, outputSchema }: EngineRecipe): OpenAiCompatibleEngine {
  return new OpenAiCompatibleEngine({
    systemPrompt,
    ...(outputSchema === undefined ? {} : { outputSchema }),
    baseUrl: server.baseUrl,
    model: server.model,
    onPremise: server.onPremise,
    apiKey: secret("inference-server-api-key") ?? undefined,
    parallel: settings.parallel,
    maxTokens: settings.maxTokens,
    temperature: engine?.temperature,
    seed: engine?.seed,
    timeoutMs: engine?.letterTimeoutMs,
  });
}

/** Opens the engine for a registered model with the settings as they are when the job starts. */
export function engineOpener(context: ServiceContext): (model: ModelRow) => Promise<StartableEngine> {
  return async (model) => {
    const recipe: EngineRecipe = { systemPrompt: loadExtractionPrompt().text, settings: context.settings().extraction, engine: context.engine, secret: context.secret };
    // A server model was registered by `extract --server` after the host policy let it through.
    if (isServerModel(model)) return createServerEngine({ baseUrl: model.path, onPremise: true }, recipe);
    for (const file of modelFiles(model)) if (!existsSync(file)) throw new Error(`the model file is missing: ${file}`);
    return createLocalEngine(model, recipe);
  };
}
