import { repeatable, type CliCommands } from "../cliKit/command.ts";
import { withModelOptions } from "../extract/cli.ts";
import { CliError } from "../cliKit/reporter.ts";
import type { QaRunFlags } from "./questions/qaRunCommand.ts";
import type { EvalRunFlags } from "./runCommand.ts";
import type { ScreenFlags } from "./screen/screenCommand.ts";

export const evaluateCli: CliCommands = (program, run) => {
  const evaluate = program.command("eval").description("score models against gold sets");
  evaluate
    .command("score")
    .description("score predictions against gold without a store: QA files (JSON Lines), two folders of timeline documents (.json), or of n2c2 cohort files (.xml)")
    .requiredOption("--gold <path>", "QA: lines {id, note_id, kind, answer}, kind boolean | numeric | na-boolean | na-numeric; timelines: a folder, one JSON file per letter")
    .requiredOption("--pred <path>", "QA: lines {id, answer} (a gold id with none counts as an invalid answer); timelines: a folder, files named as the gold's")
    .option("--intervals", "95% bootstrap intervals, resampling notes (QA) or letters (timelines)")
    .option("--criteria <file.csv>", "QA: criteria with a threshold (columns id, threshold: > 1.3, >= 6.5, < 50, <= 2 or 6.5..9.5); a gold line's `criterion` names one, and its numbers are scored as met / not met")
    .option("--resamples <n>", "bootstrap resamples (default 1000)")
    .option("--seed <n>", "bootstrap seed (default 1)")
    .action((flags: { gold: string; pred: string; intervals?: boolean; criteria?: string; resamples?: string; seed?: string }) =>
      run(async ({ reporter }) => (await import("./scoreCommand.ts")).scoreCommand(flags, reporter)),
    );
  evaluate
    .command("compare")
    .description("two models' predictions against one gold set: A - B with 95% paired-bootstrap intervals (QA files, or timeline folders)")
    .requiredOption("--gold <path>", "the gold, as for eval score")
    .requiredOption("--pred <path>", "model A's predictions, then --pred again for model B's", repeatable, [] as string[])
    .option("--names <a,b>", "the two models' names in the report (default: the prediction paths' names)")
    .option("--criteria <file.csv>", "QA: criteria with a threshold, as for eval score")
    .option("--resamples <n>", "bootstrap resamples (default 1000)")
    .option("--seed <n>", "bootstrap seed (default 1)")
    .action((flags: { gold: string; pred: string[]; names?: string; criteria?: string; resamples?: string; seed?: string }) =>
      run(async ({ reporter }) => (await import("./compareCommand.ts")).compareCommand(flags, reporter)),
    );
  evaluate
    .command("report")
    .description("one or two models against a gold set as a self-contained HTML report with charts (and every number as CSV)")
    .requiredOption("--gold <path>", "the gold, as for eval score")
    .requiredOption("--pred <path>", "a model's predictions; --pred again for a second model, compared with the first", repeatable, [] as string[])
    .requiredOption("--out <file.html>", "the report")
    .option("--csv <file>", "every number of the report (default: beside the report, .csv)")
    .option("--names <a,b>", "the models' names (default: the prediction paths' names)")
    .option("--title <text>", "the report's title")
    .option("--resamples <n>", "bootstrap resamples (default 1000)")
    .option("--seed <n>", "bootstrap seed (default 1)")
    .action((flags: { gold: string; pred: string[]; out: string; csv?: string; names?: string; title?: string; resamples?: string; seed?: string }) =>
      run(async ({ reporter }) => (await import("./reportCommand.ts")).reportCommand(flags, reporter)),
    );
  withModelOptions(
    evaluate
      .command("run")
      .description("run a model over a gold set: import its letters, extract them (resumable), write the model's timelines beside and score them; with --qa, ask it a QA gold set's questions and score its answers")
      .option("--qa", "QA mode: --gold is a QA file (lines {id, note_id, kind, question, answer}), each question asked of the letter --letters/<note_id>.txt (.docx, .pdf) under the {answer, source} grammar")
      .requiredOption("--gold <path>", "the gold timelines, one X.json per letter (with --qa: the QA gold file)")
      .requiredOption("--letters <dir>", "the letters, X.txt (or .docx, .pdf ...) for each gold X.json (with --qa: for each note_id)")
      .requiredOption("--predictions <path>", "where the model's timelines are written, one X.json per letter (with --qa: the answers file, .jsonl, appended as they come; a rerun goes on from it)"),
  ).action(({ qa, ...flags }: EvalRunFlags & QaRunFlags & { qa?: boolean }) =>
    run(async ({ db, reporter }) => {
      if (qa) return (await import("./questions/qaRunCommand.ts")).qaRunCommand(db(), flags, reporter);
      if (!(await import("./goldFiles.ts")).isFolder(flags.gold)) throw new CliError(`--gold ${flags.gold} is not a folder of timelines: for a QA gold file add --qa`);
      return (await import("./runCommand.ts")).evalRunCommand(db(), flags, reporter);
    }),
  );
  withModelOptions(
    evaluate
      .command("screen")
      .description("cohort screening: ask every criterion of every letter of every patient in the store (the local model, or --server), decide each patient × criterion by the criterion's rule, write the table and, with --gold, score it")
      .requiredOption("--criteria <file.csv>", "columns id, question, kind (yes/no or numeric), threshold (numeric: > 1.3, >= 6.5, < 50, <= 2 or 6.5..9.5), combine (any, all, max or latest)")
      .requiredOption("--out <table.csv>", "one row per patient × criterion: status (met, not met, unknown), the deciding letter, its date, value and quote")
      .option("--answers <file.jsonl>", "the answers journal (default: beside --out, .answers.jsonl); a rerun asks only what it does not hold")
      .option("--gold <dir>", "n2c2 2018 files, <patient id>.xml: score the criteria named as n2c2's (per criterion balanced accuracy and F1, their mean, n2c2's overall micro-F1)"),
  ).action((flags: ScreenFlags) => run(async ({ db, reporter }) => (await import("./screen/screenCommand.ts")).screenCommand(db(), flags, reporter)));
};
