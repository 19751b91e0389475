import { repeatable, type CliCommands } from "../cliKit/command.ts";
import { withModelOptions } from "../extract/cli.ts";
import type { Db } from "../store/db.ts";
import type { QaRunFlags } from "./questions/qaRunCommand.ts";
import type { EvalRunFlags } from "./runCommand.ts";
import type { ScreenFlags } from "./screen/screenCommand.ts";

export const evaluateCli: CliCommands = (program, run) => {
  const evaluate = program.command("eval").description("score models against gold sets");
  evaluate
    .command("score")
    .description("score predictions against gold without a store: QA files (JSON Lines), two folders of timeline documents (.json), or of n2c2 cohort files (.xml)")
    .option("--gold <path>", "QA: lines {id, note_id, kind, answer}, kind boolean | numeric | na-boolean | na-numeric; timelines: a folder, one JSON file per letter")
    .option("--gold-set <name>", "a stored gold set in place of --gold (eval gold list)")
    .requiredOption("--pred <path>", "QA: lines {id, answer} (a gold id with none counts as an invalid answer); timelines: a folder, files named as the gold's")
    .option("--intervals", "95% bootstrap intervals, resampling notes (QA) or letters (timelines)")
    .option("--criteria <file.csv>", "QA: criteria with a threshold (columns id, threshold: > 1.3, >= 6.5, < 50, <= 2 or 6.5..9.5); a gold line's `criterion` names one, and its numbers are scored as met / not met")
    .option("--resamples <n>", "bootstrap resamples (default 1000)")
    .option("--seed <n>", "bootstrap seed (default 1)")
    .action((flags: { gold?: string; goldSet?: string; pred: string; intervals?: boolean; criteria?: string; resamples?: string; seed?: string }) =>
      run(async ({ db, reporter }) => (await import("./scoreCommand.ts")).scoreCommand({ ...flags, gold: await goldPath(flags, db) }, reporter)),
    );
  evaluate
    .command("compare")
    .description("two models' predictions against one gold set: A - B with 95% paired-bootstrap intervals (QA files, or timeline folders)")
    .option("--gold <path>", "the gold, as for eval score")
    .option("--gold-set <name>", "a stored gold set in place of --gold (eval gold list)")
    .requiredOption("--pred <path>", "model A's predictions, then --pred again for model B's", repeatable, [] as string[])
    .option("--names <a,b>", "the two models' names in the report (default: the prediction paths' names)")
    .option("--criteria <file.csv>", "QA: criteria with a threshold, as for eval score")
    .option("--resamples <n>", "bootstrap resamples (default 1000)")
    .option("--seed <n>", "bootstrap seed (default 1)")
    .action((flags: { gold?: string; goldSet?: string; pred: string[]; names?: string; criteria?: string; resamples?: string; seed?: string }) =>
      run(async ({ db, reporter }) => (await import("./compareCommand.ts")).compareCommand({ ...flags, gold: await goldPath(flags, db) }, reporter)),
    );
  evaluate
    .command("report")
    .description("one or two models against a gold set as a self-contained HTML report with charts (and every number as CSV)")
    .option("--gold <path>", "the gold, as for eval score")
    .option("--gold-set <name>", "a stored gold set in place of --gold (eval gold list)")
    .requiredOption("--pred <path>", "a model's predictions; --pred again for a second model, compared with the first", repeatable, [] as string[])
    .requiredOption("--out <file.html>", "the report")
    .option("--csv <file>", "every number of the report (default: beside the report, .csv)")
    .option("--names <a,b>", "the models' names (default: the prediction paths' names)")
    .option("--title <text>", "the report's title")
    .option("--resamples <n>", "bootstrap resamples (default 1000)")
    .option("--seed <n>", "bootstrap seed (default 1)")
    .action((flags: { gold?: string; goldSet?: string; pred: string[]; out: string; csv?: string; names?: string; title?: string; resamples?: string; seed?: string }) =>
      run(async ({ db, reporter }) => (await import("./reportCommand.ts")).reportCommand({ ...flags, gold: await goldPath(flags, db) }, reporter)),
    );
  evaluate
    .command("curve")
    .description("fine-tunes of one base against a gold set: the headline metric (strict F1; QA balanced accuracy and macro-F1) with 95% intervals over training-set size, as self-contained HTML and a CSV of the points")
    .option("--gold <path>", "the gold, as for eval score (timelines or QA)")
    .option("--gold-set <name>", "a stored gold set in place of --gold (eval gold list)")
    .requiredOption("--pred <path>", "a model's predictions; repeat --pred and --model for each model", repeatable, [] as string[])
    .requiredOption("--model <id>", "the registered model (id or name) behind the --pred in the same place: its lineage gives its base and training rows", repeatable, [] as string[])
    .requiredOption("--out <file.html>", "the page with the chart")
    .option("--csv <file>", "the points (default: beside the page, .csv)")
    .option("--title <text>", "the page's title")
    .option("--resamples <n>", "bootstrap resamples (default 1000)")
    .option("--seed <n>", "bootstrap seed (default 1)")
    .action((flags: { gold?: string; goldSet?: string; pred: string[]; model: string[]; out: string; csv?: string; title?: string; resamples?: string; seed?: string }) =>
      run(async ({ db, reporter }) => (await import("./curveCommand.ts")).curveCommand(db(), { ...flags, gold: await goldPath(flags, db) }, reporter)),
    );
  withModelOptions(
    evaluate
      .command("run")
      .description("run a model over a gold set: import its letters, extract them (resumable), write the model's timelines beside and score them; with --qa, ask it a QA gold set's questions and score its answers")
      .option("--qa", "QA mode: the gold is a QA file (lines {id, note_id, kind, question, answer}), each question asked of the letter <note_id>.txt (.docx, .pdf) in --letters under the {answer, source} grammar")
      .option("--gold <path>", "the gold timelines, one X.json per letter (with --qa: the QA gold file)")
      .option("--letters <dir>", "the letters, X.txt (or .docx, .pdf ...) for each gold X.json (with --qa: for each note_id)")
      .option("--gold-set <name>", "a stored gold set with its letters, in place of --gold and --letters (eval gold list)")
      .requiredOption("--predictions <path>", "where the model's timelines are written, one X.json per letter (with --qa: the answers file, .jsonl, appended as they come; a rerun goes on from it)"),
  ).action(({ qa, ...flags }: EvalRunFlags & QaRunFlags & { qa?: boolean }) =>
    run(async ({ db, reporter }) =>
      qa ? (await import("./questions/qaRunCommand.ts")).qaRunCommand(db(), flags, reporter) : (await import("./runCommand.ts")).evalRunCommand(db(), flags, reporter),
    ),
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
  const gold = evaluate.command("gold").description("gold sets kept in the store: from the studio, reviewed letters, a training set's test split, or files");
  gold
    .command("add")
    .argument("<name>", "the set's name (also its folder under the data folder's gold-sets/)")
    .requiredOption("--from <source>", "synthetic (studio letters + gold timelines), synthetic-qa (studio question/answer pairs), reviewed (finished reviews: the corrected timelines), dataset (a training set's test split), files")
    .option("--dataset <name>", "--from dataset: the training set")
    .option("--gold <path>", "--from files: a folder of timeline .json files or n2c2 .xml files, or a QA .jsonl/.csv file")
    .option("--letters <dir>", "--from files: the letters, X.txt beside each gold X.json (QA: NOTE_ID.txt)")
    .option("--include-flagged", "synthetic: also letters the validator flagged")
    .action((name: string, flags) => run(async ({ db, dataDir, reporter }) => (await import("./gold/goldCommand.ts")).goldAddCommand(db(), dataDir(), name, flags, reporter)));
  gold.command("list").action(() => run(async ({ db, reporter }) => (await import("./gold/goldCommand.ts")).goldListCommand(db(), reporter)));
  gold
    .command("show")
    .description("a gold set, with each item whose letter is also a training row (leakage)")
    .argument("<name>")
    .action((name: string) => run(async ({ db, reporter }) => (await import("./gold/goldCommand.ts")).goldShowCommand(db(), name, reporter)));
};

/** Only a stored gold set opens the store: scoring files needs none. */
async function goldPath(flags: { gold?: string | undefined; goldSet?: string | undefined }, db: () => Db): Promise<string> {
  return (await import("./gold/goldCommand.ts")).goldFlags(flags, db).goldPath;
}
