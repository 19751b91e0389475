import type { CliCommands } from "../cliKit/command.ts";

export const evaluateCli: CliCommands = (program, run) => {
  const evaluate = program.command("eval").description("score models against gold sets");
  evaluate
    .command("score")
    .description("score a QA prediction file against its gold file (JSON Lines), without a store")
    .requiredOption("--gold <file>", "gold lines {id, note_id, kind, answer}; kind boolean | numeric | na-boolean | na-numeric")
    .requiredOption("--pred <file>", "prediction lines {id, answer}; a gold id with no prediction counts as an invalid answer")
    .option("--intervals", "95% bootstrap intervals, resampling notes")
    .option("--resamples <n>", "bootstrap resamples (default 1000)")
    .option("--seed <n>", "bootstrap seed (default 1)")
    .action((flags: { gold: string; pred: string; intervals?: boolean; resamples?: string; seed?: string }) =>
      run(async ({ reporter }) => (await import("./scoreCommand.ts")).scoreCommand(flags, reporter)),
    );
};
