import { Option, type Command } from "commander";
import type { CliCommands } from "../cliKit/command.ts";

/** Which model extracts and how its engine runs: `extract`'s options, also taken by `eval run`. */
export function withModelOptions(command: Command): Command {
  return command
    .option("--model <file|name>", "a GGUF file or a registered model name (default: the only registered model)")
    .option("--adapter <file>", "a LoRA adapter GGUF applied on --model (a fine-tune of that base)")
    .option("--server <url>", "use an on-premise OpenAI-compatible server (llama.cpp server, vLLM), e.g. http://gpu01:8080/v1")
    .option("--server-model <name>", "the model name the server serves (default: its only model)")
    .option("--on-premise", "state that --server is inside the hospital network (required unless it is this machine)")
    .option("--retry-failed", "also retry letters whose extraction failed")
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
    .option("--seed <n>", "sampling seed, for temperature > 0");
}

export const extractCli: CliCommands = (program, run) => {
  withModelOptions(program.command("extract").description("extract a timeline from every letter not yet extracted with this model"))
    .option("--shard <i/n>", "only this shard of the letters (1 ≤ i ≤ n; by content, the same split on every node)")
    .option("--out <file>", "also write the results (the shard's) to this JSONL result file, for import-results; appended letter by letter, and a run that finds it goes on from it")
    .action((flags) => run(async ({ db, reporter }) => (await import("./extractCommand.ts")).extractCommand(db(), flags, reporter)));
};

/** The sharded batch's commands; a join of their own because `oncotimeline --help` lists them after export. */
export const resultsCli: CliCommands = (program, run) => {
  program
    .command("import-results")
    .description("merge JSONL result files (from extract --out, e.g. Slurm shards) into this store; letters must be imported first")
    .argument("<files...>")
    .action((files: string[]) => run(async ({ db, reporter }) => (await import("./importResultsCommand.ts")).importResultsCommand(db(), files, reporter)));

  program
    .command("batch-status")
    .description("how far a sharded batch (the Slurm job array) has got: each shard's result file against its letters in this store")
    .argument("<dir>", "the folder of shard-I-of-N.jsonl result files (the array's RESULTS)")
    .action((dir: string) => run(async ({ db, reporter }) => (await import("./batchStatusCommand.ts")).batchStatusCommand(db(), dir, reporter)));
};
