import { ExtractionSettingsSchema, type ExtractionSettings } from "../../src-shared/api.ts";
import { flashAttentionSetting, type LlamaEngineOptions } from "./llama/llamaEngine.ts";
import { checkByContract, numberFlag } from "../cliKit/contractFlags.ts";
import { CliError, positiveInt } from "../cliKit/reporter.ts";

/** The engine flags of `extract` and `serve` (each takes a subset). */
export type EngineFlags = {
  gpu?: string;
  parallel?: string;
  contexts?: string;
  context?: string;
  maxTokens?: string;
  threads?: string;
  batchSize?: string;
  flashAttention?: string;
  timeout?: string;
  temperature?: string;
  seed?: string;
};

/** The flags that are also extraction settings in the app, checked by the settings' own schema. */
export function extractionSettingsFlags(flags: EngineFlags): Partial<ExtractionSettings> {
  return checkByContract(ExtractionSettingsSchema, {
    parallel: { flag: "--parallel", value: numberFlag("--parallel", flags.parallel) },
    contexts: { flag: "--contexts", value: numberFlag("--contexts", flags.contexts) },
    contextSize: { flag: "--context", value: numberFlag("--context", flags.context) },
    maxTokens: { flag: "--max-tokens", value: numberFlag("--max-tokens", flags.maxTokens) },
    gpu: { flag: "--gpu", value: flags.gpu },
  });
}

/** The flags the app has no setting for (the CLI's own tuning): they go to the engine factory as engine options. */
export function engineOptionFlags(flags: EngineFlags): Partial<LlamaEngineOptions> {
  const flashAttention = flags.flashAttention === undefined ? undefined : flashAttentionSetting(flags.flashAttention);
  if (flags.flashAttention !== undefined && flashAttention === undefined) throw new CliError(`--flash-attention must be auto, on or off, not ${flags.flashAttention}`);
  const options: Partial<LlamaEngineOptions> = {
    threads: positiveInt("--threads", flags.threads),
    batchSize: positiveInt("--batch-size", flags.batchSize),
    flashAttention,
    letterTimeoutMs: seconds("--timeout", flags.timeout),
    temperature: temperature(flags.temperature),
    seed: positiveInt("--seed", flags.seed),
  };
  // Left out, not undefined: the app's engine options (serve's) are spread under these.
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

function temperature(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0 || parsed > 2) throw new CliError(`--temperature must be a number from 0 to 2, not "${value}"`);
  return parsed;
}

function seconds(flag: string, value: string | undefined): number | undefined {
  const parsed = positiveInt(flag, value);
  return parsed === undefined ? undefined : parsed * 1000;
}
