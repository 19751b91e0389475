import { existsSync } from "node:fs";
import type { Db } from "../../store/db.ts";
import { LlamaEngine } from "../../extract/llama/llamaEngine.ts";
import { loadExtractionPrompt } from "../../extract/prompt.ts";
import { runExtraction, type ExtractionEvent } from "../../extract/queue.ts";
import { resolveModel } from "./modelsCommand.ts";
import { CliError, EXIT, type Reporter } from "../reporter.ts";

export type ExtractFlags = {
  model?: string;
  retryFailed?: boolean;
  gpu: string;
  threads?: string;
  context?: string;
  maxTokens?: string;
  timeout?: string;
  temperature?: string;
  seed?: string;
};

export async function extractCommand(db: Db, flags: ExtractFlags, reporter: Reporter): Promise<number> {
  const model = resolveModel(db, flags.model);
  if (!existsSync(model.path)) throw new CliError(`the file of model "${model.name}" is missing: ${model.path}`);
  if (flags.gpu !== "auto" && flags.gpu !== "off") throw new CliError(`--gpu must be auto or off, not ${flags.gpu}`);
  const prompt = loadExtractionPrompt();
  const engine = new LlamaEngine({
    modelPath: model.path,
    systemPrompt: prompt.text,
    gpu: flags.gpu === "off" ? false : "auto",
    threads: positiveInt("--threads", flags.threads),
    contextSize: positiveInt("--context", flags.context),
    maxTokens: positiveInt("--max-tokens", flags.maxTokens),
    letterTimeoutMs: seconds("--timeout", flags.timeout),
    temperature: temperature(flags.temperature),
    seed: positiveInt("--seed", flags.seed),
  });

  // First Ctrl-C: finish the letter in flight and stop (the job stays resumable).
  // Second: leave at once; nothing committed is lost either way.
  const abort = new AbortController();
  const onSignal = () => {
    if (abort.signal.aborted) process.exit(130);
    reporter.progress("Stopping after the current letter (Ctrl-C again to stop now)...");
    abort.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const failures: string[] = [];
  try {
    reporter.progress(`Loading model "${model.name}"...`);
    await engine.start();
    const summary = await runExtraction(
      {
        db,
        engine,
        model,
        prompt,
        signal: abort.signal,
        onEvent: (event) => report(event, reporter, failures),
      },
      { retryFailed: flags.retryFailed ?? false },
    );
    const stopped = summary.state === "interrupted" ? " Stopped early: run extract again to continue." : "";
    reporter.event(
      { type: "summary", ...summary, model: model.name },
      `Done: ${summary.done} of ${summary.total} letter(s) extracted, ${summary.failed} failed.${stopped}`,
    );
    for (const failure of failures) reporter.progress(`  failed: ${failure}`);
    if (summary.failed > 0) reporter.progress("Retry the failed letters with: oncotimeline extract --retry-failed");
    return summary.failed > 0 || summary.state === "interrupted" ? EXIT.someFailed : EXIT.ok;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await engine.close();
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
  const position = `[${event.done + event.failed}/${event.total}]`;
  const eta = event.etaSeconds ? `, ETA ${formatDuration(event.etaSeconds)}` : "";
  if (event.status === "ok") {
    reporter.progress(`${position} ${event.source}: ${event.values} values, ${event.ungrounded} ungrounded (${(event.durationMs / 1000).toFixed(1)} s${eta})`);
  } else {
    failures.push(`${event.source}: ${event.error}`);
    reporter.progress(`${position} ${event.source}: FAILED: ${event.error}${eta}`);
  }
}

function formatDuration(totalSeconds: number): string {
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const secs = totalSeconds % 60;
  return hours > 0 ? `${hours} h ${minutes} min` : minutes > 0 ? `${minutes} min ${secs} s` : `${secs} s`;
}

function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new CliError(`${flag} must be a positive whole number, not "${value}"`);
  return parsed;
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
