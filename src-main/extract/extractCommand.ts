import { accessSync, constants, existsSync } from "node:fs";
import path from "node:path";
import { secretFromEnvironment } from "../app/secrets.ts";
import type { Db } from "../store/db.ts";
import { createLocalEngine, createServerEngine, modelFiles, type EngineRecipe } from "./engineFactory.ts";
import { LlamaEngine } from "./llama/llamaEngine.ts";
import { InferenceHostRefusedError, type OpenAiCompatibleEngine } from "./openai/openAiEngine.ts";
import { isServerModel, registerServerModel, type ModelRow } from "../store/models.ts";
import { loadExtractionPrompt } from "./prompt.ts";
import { runExtraction, type ExtractionEvent } from "./queue.ts";
import { writeResultsFile } from "./resultsFile.ts";
import { appendResults, ForeignResultsFileError, restoreFromResultsFile, type ResultsAppender } from "./liveResultsFile.ts";
import { shardLabel, type Shard } from "./shards.ts";
import { resolveAdapterModel, resolveModel } from "../models/modelsCommand.ts";
import { engineOptionFlags, extractionSettingsFlags, type EngineFlags } from "./engineFlags.ts";
import { CliError, EXIT, formatDuration, shardFlag, type Reporter } from "../cliKit/reporter.ts";
import { withStopSignals } from "../cliKit/stopSignals.ts";

export type ExtractFlags = EngineFlags & {
  model?: string;
  adapter?: string;
  retryFailed?: boolean;
  server?: string;
  serverModel?: string;
  onPremise?: boolean;
  shard?: string;
  out?: string;
};

export async function extractCommand(db: Db, flags: ExtractFlags, reporter: Reporter): Promise<number> {
  return (await runExtractCommand(db, flags, reporter)).code;
}

/** `extract`, also telling which model ran (a --server model is registered as it starts): what `eval run` scores. */
export async function runExtractCommand(db: Db, flags: ExtractFlags, reporter: Reporter): Promise<{ code: number; model: ModelRow }> {
  const shard = shardFlag(flags.shard);
  // Every flag is checked before anything is opened; those the app also takes, by its schema.
  const settings = extractionSettingsFlags(flags);
  const engineOptions = engineOptionFlags(flags);
  if (flags.out !== undefined) checkWritableFolder(flags.out);
  const prompt = loadExtractionPrompt();
  const recipe: EngineRecipe = { systemPrompt: prompt.text, settings, engine: engineOptions, secret: secretFromEnvironment };
  const { engine, model } = await openEngine(db, flags, recipe, reporter);
  let appender: ResultsAppender | undefined;
  try {
    if (flags.out !== undefined) {
      await restoreResults(db, model, shard, flags.out, reporter);
      appender = appendResults(db, model, flags.out);
    }
  } catch (error) {
    await engine.close();
    if (error instanceof ForeignResultsFileError) throw new CliError(error.message);
    throw error;
  }

  const failures: string[] = [];
  try {
    // First Ctrl-C: finish the letters in flight and stop (the job stays resumable).
    // Second: leave at once; nothing committed is lost either way.
    const code = await withStopSignals({ stopping: () => reporter.progress("Stopping after the current letter (Ctrl-C again to stop now)...") }, async (signal) => {
      const summary = await runExtraction(
        {
          db,
          engine,
          model,
          prompt,
          signal,
          onEvent: (event) => {
            // On disk before it is reported: whoever sees the letter done can rely on the file.
            if (event.type === "letter") appender?.letterFinished(event.letterId);
            report(event, reporter, failures);
            // After "start", which scripts expect first: how the local engine was actually loaded.
            if (event.type === "start" && engine instanceof LlamaEngine) {
              reporter.event({ type: "engine", backend: engine.backendName, parallel: engine.capacity, reductions: [...engine.reductions] });
            }
          },
        },
        { retryFailed: flags.retryFailed ?? false, ...(shard ? { shard } : {}) },
      );
      if (flags.out !== undefined) {
        appender?.close();
        const written = writeResultsFile(db, model, shard, flags.out);
        reporter.event({ type: "results-file", ...written, shard: shardLabel(shard) }, `Wrote ${written.lines} result line(s) for shard ${shardLabel(shard)} to ${written.path}`);
      }
      const stopped = summary.state === "interrupted" ? " Stopped early: run extract again to continue." : "";
      reporter.event(
        { type: "summary", ...summary, model: model.name },
        `Done: ${summary.done} of ${summary.total} letter(s) extracted, ${summary.failed} failed.${stopped}`,
      );
      for (const failure of failures) reporter.progress(`  failed: ${failure}`);
      if (summary.failed > 0) reporter.progress("Retry the failed letters with: oncotimeline extract --retry-failed");
      return summary.failed > 0 || summary.state === "interrupted" ? EXIT.someFailed : EXIT.ok;
    });
    return { code, model };
  } finally {
    appender?.close();
    await engine.close();
  }
}

/** Before the model loads (minutes, for a large one): a result file that cannot be written is said at once. */
function checkWritableFolder(file: string): void {
  const folder = path.dirname(path.resolve(file));
  try {
    accessSync(folder, constants.W_OK);
  } catch (error) {
    throw new CliError(`--out ${file}: cannot write in ${folder} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** A run of this shard that was stopped (time limit, requeue on another node) left its results in the --out file. */
async function restoreResults(db: Db, model: ModelRow, shard: Shard | undefined, file: string, reporter: Reporter): Promise<void> {
  const restored = await restoreFromResultsFile(db, model, shard, file, (where, message) => {
    reporter.event({ type: "problem", source: where, message }, `  problem: ${where}: ${message}`);
  });
  if (restored.restored + restored.unchanged + restored.problems === 0 && !restored.droppedIncompleteLine) return;
  const cut = restored.droppedIncompleteLine ? "; removed an incomplete last line (that letter is extracted again)" : "";
  reporter.event(
    { type: "restored", ...restored },
    `Going on from ${file}: ${restored.restored} result(s) taken into the store, ${restored.unchanged} already there, ${restored.problems} problem(s)${cut}`,
  );
}

/**
 * The local engine on a GGUF file, or with --server an on-premise OpenAI-compatible server
 * (llama.cpp server, vLLM) whose address passes the host policy, built by the app's engine
 * factory. Started before any letter is taken, so a missing file or an unreachable server stops
 * the run with one clear message. Questions (eval run --qa, eval screen) open theirs here too.
 */
export async function openEngine(db: Db, flags: Pick<ExtractFlags, "server" | "serverModel" | "onPremise" | "model" | "adapter">, recipe: EngineRecipe, reporter: Reporter): Promise<{ engine: LlamaEngine | OpenAiCompatibleEngine; model: ModelRow }> {
  if (flags.server !== undefined) {
    let engine: OpenAiCompatibleEngine;
    try {
      engine = createServerEngine({ baseUrl: flags.server, model: flags.serverModel, onPremise: flags.onPremise ?? false }, recipe);
    } catch (error) {
      if (error instanceof InferenceHostRefusedError) throw new CliError(error.message);
      throw error;
    }
    reporter.progress(`Connecting to ${engine.description}...`);
    await startOrExplain(engine);
    return { engine, model: registerServerModel(db, flags.server, engine.modelName) };
  }
  const model = flags.adapter === undefined ? resolveModel(db, flags.model) : await resolveAdapterModel(db, flags.model, flags.adapter);
  if (isServerModel(model)) throw new CliError(`model "${model.name}" is served by ${model.path}: use --server ${model.path}`);
  for (const file of modelFiles(model)) if (!existsSync(file)) throw new CliError(`the file of model "${model.name}" is missing: ${file}`);
  const engine = createLocalEngine(model, recipe);
  reporter.progress(`Loading model "${model.name}"...`);
  await startOrExplain(engine);
  for (const line of engine.reductions) reporter.progress(`Reduced to fit memory: ${line}`);
  return { engine, model };
}

async function startOrExplain(engine: { start(): Promise<void>; close(): Promise<void> }): Promise<void> {
  try {
    await engine.start();
  } catch (error) {
    await engine.close();
    throw new CliError((error as Error).message);
  }
}

function report(event: ExtractionEvent, reporter: Reporter, failures: string[]): void {
  if (event.type === "start") {
    const resumed = event.resumed ? ` (resuming job ${event.jobId}: ${event.alreadyDone} already processed)` : "";
    reporter.event(event);
    reporter.progress(`Extracting ${event.total} letter(s) with ${event.engine}${resumed}`);
    return;
  }
  reporter.event(event);
  if (event.type === "retry") {
    reporter.progress(`  ${event.source}: ${event.error}; retrying once in a fresh model process`);
    return;
  }
  const position = `[${event.done + event.failed}/${event.total}]`;
  const eta = event.etaSeconds ? `, ETA ${formatDuration(event.etaSeconds)}` : "";
  if (event.status === "ok") {
    reporter.progress(`${position} ${event.source}: ${event.values} values, ${event.ungrounded} ungrounded (${(event.durationMs / 1000).toFixed(1)} s${eta})`);
  } else {
    failures.push(`${event.source}: ${event.error}`);
    reporter.progress(`${position} ${event.source}: FAILED: ${event.error}${eta}`);
  }
}
