import type { Command } from "commander";
import { SECRET_ENV } from "../../src-shared/secrets.ts";
import type { CliCommands } from "../cliKit/command.ts";

/** The options every command that calls the teacher model takes. */
function synthApiOptions(command: Command): Command {
  return command
    .option("--batch", "use Message Batches (half price, results within 24 h)")
    .option("--budget <usd>", "stop before the job's cost could pass this (resume later with a higher one)")
    .option("--model <name>", "the teacher model (default: the newest Sonnet the SDK knows)")
    .option("--retry-failed", "also retry items that failed")
    .option("--parallel <n>", "requests in flight at once without --batch (default 4)")
    .option("--prices <list>", "input,output,cacheWrite,cacheRead in USD per million tokens (default 3,15,3.75,0.3)")
    .option("--batch-discount <fraction>", "price multiplier for batches (default 0.5)")
    .option("--poll-seconds <n>", "how often to poll a batch (default 30)");
}

export const synthCli: CliCommands = (program, run) => {
  const commands = () => import("./synthCommand.ts");
  const synth = program
    .command("synth")
    .description(`synthetic letters, gold and QA pairs from a teacher model (Anthropic API, key in ${SECRET_ENV["anthropic-api-key"]}; only synthetic text is sent)`);
  synthApiOptions(synth.command("generate").description("generate letters + gold from grid rows; running it again resumes the same job"))
    .option("--n <n>", "rows: sampled from the default distributions, or the first N of --grid")
    .option("--grid <file>", "a grid CSV (see src-main/synth/grid.ts)")
    .option("--seed <seed>", "sampler seed (default 1)")
    .option("--ungrounded <policy>", "a gold value not found in the letter: reject (default) or flag")
    .option("--fuzzy <policy>", "a gold value found only approximately: flag (default), reject or accept")
    .option("--near-duplicate <jaccard>", "reject letters at least this similar to an accepted one (default 0.8)")
    .action((flags) => run(async ({ db, reporter }) => (await commands()).synthGenerateCommand(db(), flags, reporter)));
  synthApiOptions(synth.command("qa").description("distil question/answer pairs from accepted letters; running it again resumes"))
    .option("--letters <n>", "at most this many letters (default: all without QA pairs)")
    .action((flags) => run(async ({ db, reporter }) => (await commands()).synthQaCommand(db(), flags, reporter)));
  synth.command("status").description("counts, cost so far, validation reasons").action(() => run(async ({ db, reporter }) => (await commands()).synthStatusCommand(db(), reporter)));
  synth
    .command("export")
    .description("accepted letters with gold and QA pairs as JSONL")
    .requiredOption("--out <file>", "output file")
    .option("--include-flagged", "also letters flagged (not rejected) by validation")
    .action((flags: { out: string; includeFlagged?: boolean }) => run(async ({ db, reporter }) => (await commands()).synthExportCommand(db(), flags, reporter)));
};
