import { startAppHost } from "./appHost.ts";
import { CliError, EXIT, positiveInt, type Reporter } from "../cliKit/reporter.ts";
import { engineOptionFlags, extractionSettingsFlags, type EngineFlags } from "../extract/engineFlags.ts";
import { withStopSignals } from "../cliKit/stopSignals.ts";

export type ServeFlags = Pick<EngineFlags, "gpu" | "threads" | "temperature" | "seed"> & { port?: string };

/** Serves the app to a browser on this machine until Ctrl-C; a running extraction is paused first (resumable). */
export async function serveCommand(dataDir: string, flags: ServeFlags, reporter: Reporter): Promise<number> {
  const port = flags.port === undefined ? undefined : positiveInt("--port", flags.port);
  if (port !== undefined && port > 65535) throw new CliError(`--port must be at most 65535, not ${port}`);
  // --gpu is the settings' own field (checked by their schema); the rest, engine options under them.
  const { gpu } = extractionSettingsFlags({ gpu: flags.gpu });
  const engine = { ...engineOptionFlags({ threads: flags.threads, temperature: flags.temperature, seed: flags.seed }), gpu: gpu === "off" ? (false as const) : ("auto" as const) };
  const host = await startAppHost({
    dataDir,
    ...(port === undefined ? {} : { port }),
    engine,
    log: (error) => reporter.progress(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
  }).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(code === "EADDRINUSE" ? `port ${port} is in use: choose another with --port, or leave it out` : (error as Error).message);
  });
  // The token is in the URL's fragment: the browser keeps it, it never reaches a server log.
  reporter.event({ type: "serving", url: host.url, origin: host.origin, port: host.port, dataDir }, `OncoTimeline is serving on ${host.url}\nOpen it in a browser on this machine. Ctrl-C stops.`);
  await withStopSignals({ stopping: () => reporter.progress("Stopping (an extraction in flight finishes its current letters and can be resumed)...") }, async (signal) => {
    await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    await host.close();
  });
  return EXIT.ok;
}
