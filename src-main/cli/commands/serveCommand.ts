import { startAppHost } from "../../host/appHost.ts";
import { CliError, EXIT, positiveInt, type Reporter } from "../reporter.ts";

export type ServeFlags = { port?: string; gpu: string; threads?: string; temperature?: string; seed?: string };

/** Serves the app to a browser on this machine until Ctrl-C; a running extraction is paused first (resumable). */
export async function serveCommand(dataDir: string, flags: ServeFlags, reporter: Reporter): Promise<number> {
  const port = flags.port === undefined ? undefined : positiveInt("--port", flags.port);
  if (port !== undefined && port > 65535) throw new CliError(`--port must be at most 65535, not ${port}`);
  if (flags.gpu !== "auto" && flags.gpu !== "off") throw new CliError(`--gpu must be auto or off, not ${flags.gpu}`);
  const temperature = flags.temperature === undefined ? undefined : Number(flags.temperature);
  if (temperature !== undefined && !(temperature >= 0 && temperature <= 2)) throw new CliError(`--temperature must be a number from 0 to 2, not "${flags.temperature}"`);
  const host = await startAppHost({
    dataDir,
    ...(port === undefined ? {} : { port }),
    engine: {
      gpu: flags.gpu === "off" ? false : "auto",
      threads: positiveInt("--threads", flags.threads),
      temperature,
      seed: positiveInt("--seed", flags.seed),
    },
    log: (error) => reporter.progress(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
  }).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(code === "EADDRINUSE" ? `port ${port} is in use: choose another with --port, or leave it out` : (error as Error).message);
  });
  // The token is in the URL's fragment: the browser keeps it, it never reaches a server log.
  reporter.event({ type: "serving", url: host.url, origin: host.origin, port: host.port, dataDir }, `OncoTimeline is serving on ${host.url}\nOpen it in a browser on this machine. Ctrl-C stops.`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  reporter.progress("Stopping (an extraction in flight finishes its current letters and can be resumed)...");
  await host.close();
  return EXIT.ok;
}
