import type { CliCommands } from "../cliKit/command.ts";

export const modelsCli: CliCommands = (program, run) => {
  const models = program.command("models").description("the model registry");
  models
    .command("add")
    .argument("<file>", "a GGUF model file")
    .option("--name <name>", "registry name (default: the file name)")
    .option("--adapter <file>", "a LoRA adapter GGUF to apply on this base (a fine-tune); refused unless it was made for this base")
    .action((file: string, flags: { name?: string; adapter?: string }) => run(async ({ db, reporter }) => (await import("./modelsCommand.ts")).modelsAddCommand(db(), file, flags, reporter)));
  models.command("list").action(() => run(async ({ db, reporter }) => (await import("./modelsCommand.ts")).modelsListCommand(db(), reporter)));
};
