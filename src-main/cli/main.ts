/**
 * `oncotimeline`: the headless interface (see README). A thin adapter: parse, call the
 * services, print, exit with 0 (all done), 1 (some items failed, each named) or 2 (usage or
 * fatal error).
 */
import { Command, CommanderError, Option } from "commander";
import { SECRET_ENV } from "../../src-shared/secrets.ts";
import { openStore, type Db } from "../store/db.ts";
import { defaultDataDir } from "../store/dataDir.ts";
import { diskFullMessage } from "../store/diskFull.ts";
import { CliError, createReporter, EXIT, type Reporter } from "./reporter.ts";

// Each command's module is imported when that command runs, not before: the CLI is started once
// per command by scripts, Slurm tasks and tests, and loading every command's dependencies
// (node-llama-cpp, the Anthropic SDK, pdf.js ...) at every start, whatever the command, cost CPU
// time the command did not need (measured for `export`: 3.4 s of CPU per start before, 1.1 s after).
const commands = {
  audit: () => import("./commands/auditCommand.ts"),
  export: () => import("./commands/exportCommand.ts"),
  extract: () => import("./commands/extractCommand.ts"),
  import: () => import("./commands/importCommand.ts"),
  importResults: () => import("./commands/importResultsCommand.ts"),
  batchStatus: () => import("./commands/batchStatusCommand.ts"),
  models: () => import("./commands/modelsCommand.ts"),
  testModel: () => import("./commands/testModelCommand.ts"),
  synth: () => import("./commands/synthCommand.ts"),
  serve: () => import("./commands/serveCommand.ts"),
};

type GlobalFlags = { data?: string; json?: boolean };

export function buildProgram(run: (work: (context: { reporter: Reporter; db: () => Db }) => Promise<number> | number) => Promise<void>): Command {
  const program = new Command("oncotimeline")
    .description("Cancer timelines from clinic letters, extracted on this machine.")
    .option("--data <dir>", "the store folder (default: the app's data folder; env ONCOTIMELINE_DATA)")
    .option("--json", "print one JSON object per line (events, then a summary)")
    .showHelpAfterError()
    .exitOverride();

  program
    .command("import")
    .description("import letters (files or folders: .txt .docx .pdf .csv .jsonl) into the store")
    .argument("<paths...>")
    .option("--pattern <regex>", "file-name pattern with named groups patient and date (default: PATIENT_YYYY-MM-DD_...)")
    .option("--text-column <name>", "CSV/JSONL column holding the letter text")
    .option("--patient-column <name>", "CSV/JSONL column holding the patient id")
    .option("--date-column <name>", "CSV/JSONL column holding the letter date")
    .option("--shard <i/n>", "keep only this shard of the letters, as extract --shard splits them (a cluster node's share)")
    .action((paths: string[], flags) => run(async ({ db, reporter }) => (await commands.import()).importCommand(db(), paths, flags, reporter)));

  program
    .command("extract")
    .description("extract a timeline from every letter not yet extracted with this model")
    .option("--model <file|name>", "a GGUF file or a registered model name (default: the only registered model)")
    .option("--server <url>", "use an on-premise OpenAI-compatible server (llama.cpp server, vLLM), e.g. http://gpu01:8080/v1")
    .option("--server-model <name>", "the model name the server serves (default: its only model)")
    .option("--on-premise", "state that --server is inside the hospital network (required unless it is this machine)")
    .option("--retry-failed", "also retry letters whose extraction failed")
    .option("--shard <i/n>", "only this shard of the letters (1 ≤ i ≤ n; by content, the same split on every node)")
    .option("--out <file>", "also write the results (the shard's) to this JSONL result file, for import-results; appended letter by letter, and a run that finds it goes on from it")
    .addOption(new Option("--gpu <mode>", "auto (CUDA/Vulkan/Metal when present) or off").default("auto"))
    .option("--parallel <n>", "letters in flight at once (default 1)")
    .option("--contexts <n>", "split --parallel over this many model contexts (default: by backend)")
    .option("--threads <n>", "CPU threads per context")
    .option("--batch-size <tokens>", "tokens per decode call (default: node-llama-cpp's, at most 512; a GPU reads letters faster with 2048)")
    .addOption(new Option("--flash-attention <mode>", "llama.cpp's flash attention: auto (where the build supports it), on or off").default("auto"))
    .option("--context <tokens>", "context size in tokens (default 8192)")
    .option("--max-tokens <n>", "output tokens per letter (default 4096)")
    .option("--timeout <seconds>", "fail a letter that takes longer (default 600)")
    .option("--temperature <t>", "sampling temperature (default 0: greedy, repeatable)")
    .option("--seed <n>", "sampling seed, for temperature > 0")
    .action((flags) => run(async ({ db, reporter }) => (await commands.extract()).extractCommand(db(), flags, reporter)));

  program
    .command("export")
    .description("export: csv (a row per value), csv-wide (a row per letter), json, redcap (dictionary + import), fhir (mCODE bundle per patient)")
    .requiredOption("--format <format>", "csv | csv-wide | json | redcap | fhir")
    .requiredOption("--out <path>", "output file (redcap, fhir: a folder)")
    .option("--patient <id>", "only this patient's letters")
    .option("--model <name>", "results of this model (default: the model of the newest extraction)")
    .option("--bom", "start the file with a UTF-8 byte-order mark (for Excel)")
    .option("--exclude-ungrounded", "leave out values with no supporting text in the letter")
    .action((flags) => run(async ({ db, reporter }) => (await commands.export()).exportCommand(db(), flags, reporter)));

  program
    .command("import-results")
    .description("merge JSONL result files (from extract --out, e.g. Slurm shards) into this store; letters must be imported first")
    .argument("<files...>")
    .action((files: string[]) => run(async ({ db, reporter }) => (await commands.importResults()).importResultsCommand(db(), files, reporter)));

  program
    .command("batch-status")
    .description("how far a sharded batch (the Slurm job array) has got: each shard's result file against its letters in this store")
    .argument("<dir>", "the folder of shard-I-of-N.jsonl result files (the array's RESULTS)")
    .action((dir: string) => run(async ({ db, reporter }) => (await commands.batchStatus()).batchStatusCommand(db(), dir, reporter)));

  const audit = program.command("audit").description("the append-only, hash-chained record of edits and exports");
  audit
    .command("verify")
    .description("check the hash chain; exit 1 when an entry was changed, removed or reordered")
    .option("--anchor <seq:hash>", "a head recorded earlier (e.g. in an export manifest): also detects truncation or a rewritten chain")
    .action((flags: { anchor?: string }) => run(async ({ db, reporter }) => (await commands.audit()).auditVerifyCommand(db(), flags, reporter)));
  audit
    .command("list")
    .description("newest first")
    .option("--limit <n>", "how many (default 100)")
    .option("--action <action>", "only this action, e.g. export")
    .action((flags: { limit?: string; action?: string }) => run(async ({ db, reporter }) => (await commands.audit()).auditListCommand(db(), flags, reporter)));

  const models = program.command("models").description("the model registry");
  models
    .command("add")
    .argument("<file>", "a GGUF model file")
    .option("--name <name>", "registry name (default: the file name)")
    .action((file: string, flags: { name?: string }) => run(async ({ db, reporter }) => (await commands.models()).modelsAddCommand(db(), file, flags.name, reporter)));
  models.command("list").action(() => run(async ({ db, reporter }) => (await commands.models()).modelsListCommand(db(), reporter)));

  program
    .command("serve")
    .description("serve the app on 127.0.0.1 for a browser on this machine; prints the URL with its one-time token")
    .option("--port <n>", "port (default: a free one)")
    .addOption(new Option("--gpu <mode>", "auto (CUDA/Vulkan/Metal when present) or off").default("auto"))
    .option("--threads <n>", "CPU threads per model context")
    .option("--temperature <t>", "sampling temperature for extraction (default 0: greedy)")
    .option("--seed <n>", "sampling seed, for temperature > 0")
    .action((flags) => run(async ({ reporter }) => (await commands.serve()).serveCommand(program.opts<GlobalFlags>().data ?? defaultDataDir(), flags, reporter)));

  program
    .command("test-model")
    .description("write a tiny GGUF with random weights and the real Llama 3 tokenizer (for tests and benchmarks)")
    .requiredOption("--out <file>", "where to write it")
    .addOption(new Option("--size <size>", "tiny or 8b (Llama-3.1-8B dimensions: 16 GB at f16, 4.7 GB at q4_0)").default("tiny"))
    .addOption(new Option("--quant <type>", "weight type: f32, f16, q8_0 or q4_0 (the size class of a Q4_K_M model)").default("f16"))
    .action((flags) => run(async ({ reporter }) => (await commands.testModel()).testModelCommand(flags, reporter)));

  const synth = program
    .command("synth")
    .description(`synthetic letters, gold and QA pairs from a teacher model (Anthropic API, key in ${SECRET_ENV["anthropic-api-key"]}; only synthetic text is sent)`);
  const synthApiOptions = (command: Command): Command =>
    command
      .option("--batch", "use Message Batches (half price, results within 24 h)")
      .option("--budget <usd>", "stop before the job's cost could pass this (resume later with a higher one)")
      .option("--model <name>", "the teacher model (default: the newest Sonnet the SDK knows)")
      .option("--retry-failed", "also retry items that failed")
      .option("--parallel <n>", "requests in flight at once without --batch (default 4)")
      .option("--prices <list>", "input,output,cacheWrite,cacheRead in USD per million tokens (default 3,15,3.75,0.3)")
      .option("--batch-discount <fraction>", "price multiplier for batches (default 0.5)")
      .option("--poll-seconds <n>", "how often to poll a batch (default 30)");
  synthApiOptions(synth.command("generate").description("generate letters + gold from grid rows; running it again resumes the same job"))
    .option("--n <n>", "rows: sampled from the default distributions, or the first N of --grid")
    .option("--grid <file>", "a grid CSV (see src-main/synth/grid.ts)")
    .option("--seed <seed>", "sampler seed (default 1)")
    .option("--ungrounded <policy>", "a gold value not found in the letter: reject (default) or flag")
    .option("--fuzzy <policy>", "a gold value found only approximately: flag (default), reject or accept")
    .option("--near-duplicate <jaccard>", "reject letters at least this similar to an accepted one (default 0.8)")
    .action((flags) => run(async ({ db, reporter }) => (await commands.synth()).synthGenerateCommand(db(), flags, reporter)));
  synthApiOptions(synth.command("qa").description("distil question/answer pairs from accepted letters; running it again resumes"))
    .option("--letters <n>", "at most this many letters (default: all without QA pairs)")
    .action((flags) => run(async ({ db, reporter }) => (await commands.synth()).synthQaCommand(db(), flags, reporter)));
  synth.command("status").description("counts, cost so far, validation reasons").action(() => run(async ({ db, reporter }) => (await commands.synth()).synthStatusCommand(db(), reporter)));
  synth
    .command("export")
    .description("accepted letters with gold and QA pairs as JSONL")
    .requiredOption("--out <file>", "output file")
    .option("--include-flagged", "also letters flagged (not rejected) by validation")
    .action((flags: { out: string; includeFlagged?: boolean }) => run(async ({ db, reporter }) => (await commands.synth()).synthExportCommand(db(), flags, reporter)));

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
