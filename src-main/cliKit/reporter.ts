import { parseShard, type Shard } from "../extract/shards.ts";

/**
 * CLI output. Human mode: progress on stderr, results on stdout. --json: one JSON object per
 * line on stdout (every event, then a summary), for scripts and Slurm jobs.
 */
export type Reporter = {
  readonly json: boolean;
  /** A machine-readable event; `human` is its line for people (omitted: not shown to people). */
  event(event: Record<string, unknown> & { type: string }, human?: string): void;
  /** Progress for people only (stderr). */
  progress(line: string): void;
};

export function createReporter(json: boolean, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Reporter {
  return {
    json,
    event(event, human) {
      if (json) out.write(`${JSON.stringify(event)}\n`);
      else if (human !== undefined) out.write(`${human}\n`);
    },
    progress(line) {
      if (!json) err.write(`${line}\n`);
    },
  };
}

/** Exit statuses of the headless interface. */
export const EXIT = { ok: 0, someFailed: 1, fatal: 2 } as const;

/** Bad usage or a fatal condition: printed as one line, exit status 2. */
export class CliError extends Error {}

/** --shard I/N (import, extract); undefined when not given. */
export function shardFlag(value: string | undefined): Shard | undefined {
  if (value === undefined) return undefined;
  try {
    return parseShard(value);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

/** A flag that must be a positive whole number; undefined when not given. */
export function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new CliError(`${flag} must be a positive whole number, not "${value}"`);
  return parsed;
}

/** "2 h 5 min", "3 min 20 s", "40 s". */
export function formatDuration(totalSeconds: number): string {
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const secs = totalSeconds % 60;
  return hours > 0 ? `${hours} h ${minutes} min` : minutes > 0 ? `${minutes} min ${secs} s` : `${secs} s`;
}
