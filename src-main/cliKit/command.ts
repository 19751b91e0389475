import type { Command } from "commander";
import type { Db } from "../store/db.ts";
import type { Reporter } from "./reporter.ts";

/** What a command's action gets from the CLI's root: where to print, and the store, opened on first use. */
export type CommandContext = { reporter: Reporter; db: () => Db; dataDir: () => string };

/** Runs one command's work under the root's error handling and exit statuses (see cli/main.ts). */
export type RunCommand = (work: (context: CommandContext) => Promise<number> | number) => Promise<void>;

/**
 * A capability's commands: it adds them to the program. Each action imports its command module
 * only when it runs, so `--help` or `import` never load node-llama-cpp or the Anthropic SDK.
 */
export type CliCommands = (program: Command, run: RunCommand) => void;

/** Commander's argument parser for an option given more than once (--pred A --pred B): every value, in order. */
export function repeatable(value: string, previous: string[]): string[] {
  return [...previous, value];
}
