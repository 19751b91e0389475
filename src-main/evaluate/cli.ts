import type { CliCommands } from "../cliKit/command.ts";

export const evaluateCli: CliCommands = (program, run) => {
  const evaluate = program.command("eval").description("score models against gold sets");
  evaluate
    .command("score")
    .description("score predictions against gold without a store: QA files (JSON Lines), or two folders of timeline documents")
    .requiredOption("--gold <path>", "QA: lines {id, note_id, kind, answer}, kind boolean | numeric | na-boolean | na-numeric; timelines: a folder, one JSON file per letter")
    .requiredOption("--pred <path>", "QA: lines {id, answer} (a gold id with none counts as an invalid answer); timelines: a folder, files named as the gold's")
    .option("--intervals", "95% bootstrap intervals, resampling notes (QA) or letters (timelines)")
    .option("--resamples <n>", "bootstrap resamples (default 1000)")
    .option("--seed <n>", "bootstrap seed (default 1)")
    .action((flags: { gold: string; pred: string; intervals?: boolean; resamples?: string; seed?: string }) =>
      run(async ({ reporter }) => (await import("./scoreCommand.ts")).scoreCommand(flags, reporter)),
    );
};
