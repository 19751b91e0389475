import { repeatable, type CliCommands } from "../cliKit/command.ts";

export const datasetsCli: CliCommands = (program, run) => {
  const dataset = program.command("dataset").description("training sets for fine-tuning");
  dataset
    .command("build")
    .description("a training set (train.jsonl, test.jsonl, card.json) from the studio's synthetic letters with gold, or from their question/answer pairs")
    .requiredOption("--name <name>", "the set's name (its folder under the data folder's datasets/)")
    .requiredOption("--base <file|name>", "the base model (a GGUF file or a registered name): its tokenizer counts the tokens")
    .option("--source <letters|qa>", "letters: letter → timeline rows (default); qa: question → answer rows, balanced by kind")
    .option("--min-difficulty <n>", "qa: only pairs at least this hard, 1-10 (default 1)")
    .option("--test-fraction <f>", "share of letters held out for testing (default 0.1)")
    .option("--seed <n>", "split seed (default 1)")
    .option("--max-tokens <n>", "rows longer than this are reported and left out, never cut (default 12000)")
    .option("--include-reviewed", "letters: also real letters whose review is finished, with their corrections (the set is then marked as holding real letters: for training inside the hospital only)")
    .option("--include-flagged", "also take letters the validator flagged (default: accepted only)")
    .option("--letter-type <type>", "only letters of this type (repeat for several)", repeatable, [] as string[])
    .action((flags) => run(async ({ db, dataDir, reporter }) => (await import("./datasetCommand.ts")).datasetBuildCommand(db(), dataDir(), flags, reporter)));
  dataset.command("list").action(() => run(async ({ db, reporter }) => (await import("./datasetCommand.ts")).datasetListCommand(db(), reporter)));
  dataset
    .command("show")
    .argument("<name>")
    .action((name: string) => run(async ({ db, reporter }) => (await import("./datasetCommand.ts")).datasetShowCommand(db(), name, reporter)));
};
