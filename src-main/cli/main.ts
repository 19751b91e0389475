/**
 * `oncotimeline`: the headless interface (see README). A thin adapter: parse, call the
 * services, print, exit with 0 (all done), 1 (some items failed, each named) or 2 (usage or
 * fatal error).
 */
import { Command, CommanderError } from "commander";
import { auditCli } from "../audit/cli.ts";
import type { CliCommands, RunCommand } from "../cliKit/command.ts";
import { CliError, createReporter, EXIT } from "../cliKit/reporter.ts";
import { datasetsCli } from "../datasets/cli.ts";
import { evaluateCli } from "../evaluate/cli.ts";
import { exportCli } from "../export/cli.ts";
import { finetuneCli } from "../finetune/cli.ts";
import { extractCli, resultsCli } from "../extract/cli.ts";
import { serveCli } from "../host/cli.ts";
import { ingestCli } from "../ingest/cli.ts";
import { modelsCli } from "../models/cli.ts";
import { openStore, type Db } from "../store/db.ts";
import { defaultDataDir } from "../store/dataDir.ts";
import { diskFullMessage } from "../store/diskFull.ts";
import { synthCli } from "../synth/cli.ts";
import { testModelCli } from "../testmodel/cli.ts";

// One line per capability: each adds its own commands (src-main/<capability>/cli.ts), in the
// order `oncotimeline --help` lists them. Each command's module is imported when that command runs,
// not before: the CLI is started once per command by scripts, Slurm tasks and tests, and loading
// every command's dependencies (node-llama-cpp, the Anthropic SDK, pdf.js ...) at every start,
// whatever the command, cost CPU time the command did not need (measured for `export`: 3.4 s of
// CPU per start before, 1.1 s after).
const CAPABILITIES: readonly CliCommands[] = [
  ingestCli,
  extractCli,
  exportCli,
  resultsCli,
  auditCli,
  modelsCli,
  serveCli,
  testModelCli,
  synthCli,
  datasetsCli,
  finetuneCli,
  evaluateCli,
];

type GlobalFlags = { data?: string; json?: boolean };

export function buildProgram(run: RunCommand): Command {
  const program = new Command("oncotimeline")
    .description("Cancer timelines from clinic letters, extracted on this machine.")
    .option("--data <dir>", "the store folder (default: the app's data folder; env ONCOTIMELINE_DATA)")
    .option("--json", "print one JSON object per line (events, then a summary)")
    .showHelpAfterError()
    .exitOverride();
  for (const addCommands of CAPABILITIES) addCommands(program, run);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  let store: Db | undefined;
  const program = buildProgram(async (work) => {
    const flags = program.opts<GlobalFlags>();
    const reporter = createReporter(flags.json ?? false);
    try {
      exitCode = await work({
        reporter,
        db: () => (store ??= openStore(flags.data ?? defaultDataDir())),
        dataDir: () => flags.data ?? defaultDataDir(),
      });
    } catch (error) {
      exitCode = EXIT.fatal;
      const message = error instanceof CliError ? error.message : diskFullMessage(error, flags.data ?? defaultDataDir(), "run the command again") ?? ((error as Error).message || String(error));
      if (reporter.json) reporter.event({ type: "error", message });
      process.stderr.write(`oncotimeline: ${message}\n`);
      if (!(error instanceof CliError) && process.env.ONCOTIMELINE_DEBUG) console.error(error);
    } finally {
      store?.close();
    }
  });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help" ? EXIT.ok : EXIT.fatal;
    }
    throw error;
  }
  return exitCode;
}
