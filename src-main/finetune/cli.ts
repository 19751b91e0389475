import type { Command } from "commander";
import type { CliCommands } from "../cliKit/command.ts";

/** The cluster's settings as flags; each overrides the stored one for this command, and --save stores them. */
function withClusterOptions(command: Command): Command {
  return command
    .option("--host <host>", "the cluster's login node")
    .option("--port <n>", "its SSH port (default 22)")
    .option("--user <name>", "the SSH user")
    .option("--key <file>", "an OpenSSH private key (key authentication only)")
    .option("--known-hosts <file>", "the known_hosts file the host key is checked against (default ~/.ssh/known_hosts)")
    .option("--work-dir <dir>", "the jobs' folder on the cluster, relative to the home folder unless absolute (default oncotimeline-finetune)")
    .option("--checkpoint <dir>", "the base model's Hugging Face checkpoint folder on the cluster")
    .option("--partition <name>", "Slurm partition (default: the cluster's)")
    .option("--gpus <n>", "GPUs per job (default 1; 0 for a CPU-only test cluster)")
    .option("--cpus <n>", "CPUs per task (default 8)")
    .option("--mem <size>", "memory per job, Slurm's form (default 64G)")
    .option("--time <limit>", "time limit, Slurm's form (default 24:00:00)")
    .option("--account <name>", "Slurm account to charge")
    .option("--env-setup <lines>", "shell lines run before training on the node (module load …, source …/bin/activate)")
    .option("--save", "store these cluster settings (hosted: the --price-per-million-tokens) for later commands and the app");
}

export const finetuneCli: CliCommands = (program, run) => {
  const finetune = program.command("finetune").description("fine-tune a base model on a training set: on the hospital's Slurm cluster, or (synthetic sets only) at OpenPipe or Together");
  withClusterOptions(finetune.command("connect").description("log in to the cluster, check that Slurm answers and the base checkpoint is there"))
    .option("--accept-host-key <fingerprint>", "record the cluster's host key with this SHA256 fingerprint in known_hosts (after checking it with the cluster's administrators)")
    .action((flags) => run(async ({ db, reporter }) => (await import("./finetuneCommand.ts")).finetuneConnectCommand(db(), flags, reporter)));
  withClusterOptions(finetune.command("submit").description("upload a training set (and, for the cluster, the training bundle) and start the training job"))
    .option("--provider <name>", "where it trains: slurm (the hospital's cluster, default), openpipe or together (hosted: synthetic sets only; key in OPENPIPE_API_KEY / TOGETHER_API_KEY)")
    .option("--price-per-million-tokens <usd>", "hosted: the provider's price per million training tokens, for the estimate (default: the stored setting, else its list price for an 8B LoRA, 0.48; --save stores it)")
    .option("--max-usd <usd>", "hosted: refuse to start when the estimate is over this")
    .option("--estimate", "hosted: print the cost estimate and send nothing")
    .requiredOption("--dataset <name>", "the training set (dataset list)")
    .requiredOption("--base <file|name>", "the base model GGUF the set was built for; the adapter will run on it")
    .option("--name <name>", "the fine-tune's name in the model registry (default: base-dataset)")
    .option("--epochs <n>", "passes over the set (default 1)")
    .option("--max-steps <n>", "stop after this many optimizer steps, whatever the epochs")
    .option("--learning-rate <x>", "constant learning rate (default 2e-4)")
    .option("--rank <n>", "LoRA rank (default 8)")
    .option("--alpha <n>", "LoRA alpha (default 16)")
    .option("--dropout <p>", "LoRA dropout (default 0.05)")
    .option("--max-length <tokens>", "longest row trained (default 12000)")
    .option("--gradient-accumulation <n>", "rows per optimizer step (batch 1 each; default 2)")
    .option("--save-steps <n>", "checkpoint every n steps, so a requeued job goes on from there (default 50)")
    .option("--merge <type>", "also a merged whole-model GGUF: F16, Q8_0 or Q4_K_M (default: the adapter alone)")
    .option("--wait", "follow the job until it ends, then fetch and register the fine-tune")
    .option("--poll-seconds <n>", "with --wait: seconds between looks at the cluster (default 30)")
    .action((flags) => run(async ({ db, dataDir, reporter }) => (await import("./finetuneCommand.ts")).finetuneSubmitCommand(db(), dataDir(), flags, reporter)));
  finetune
    .command("status")
    .description("a job's state in the provider's own words (Slurm's, with its loss so far; OpenPipe's or Together's, with their events and cost); a completed cluster job's adapter fetched and registered; without a job: every fine-tuning job")
    .argument("[job]")
    .option("--wait", "follow the job until it ends")
    .option("--poll-seconds <n>", "with --wait: seconds between looks at the cluster (default 30)")
    .action((job: string | undefined, flags) => run(async ({ db, dataDir, reporter }) => (await import("./finetuneCommand.ts")).finetuneStatusCommand(db(), dataDir(), job, flags, reporter)));
  finetune
    .command("cancel")
    .argument("<job>")
    .action((job: string) => run(async ({ db, dataDir, reporter }) => (await import("./finetuneCommand.ts")).finetuneCancelCommand(db(), dataDir(), job, reporter)));
  finetune
    .command("fetch")
    .description("a finished hosted run's result into the data folder (Together: the LoRA adapter, or --artefact merged; OpenPipe: says what to export from its web app)")
    .argument("<job>")
    .option("--artefact <name>", "which result (Together: adapter or merged; default adapter)")
    .action((job: string, flags) => run(async ({ db, dataDir, reporter }) => (await import("./finetuneCommand.ts")).finetuneFetchCommand(db(), dataDir(), job, flags, reporter)));
};
