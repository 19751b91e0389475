import { Option } from "commander";
import type { CliCommands } from "../cliKit/command.ts";

export const serveCli: CliCommands = (program, run) => {
  program
    .command("serve")
    .description("serve the app on 127.0.0.1 for a browser on this machine; prints the URL with its one-time token")
    .option("--port <n>", "port (default: a free one)")
    .addOption(new Option("--gpu <mode>", "auto (CUDA/Vulkan/Metal when present) or off").default("auto"))
    .option("--threads <n>", "CPU threads per model context")
    .option("--temperature <t>", "sampling temperature for extraction (default 0: greedy)")
    .option("--seed <n>", "sampling seed, for temperature > 0")
    .action((flags) => run(async ({ dataDir, reporter }) => (await import("./serveCommand.ts")).serveCommand(dataDir(), flags, reporter)));
};
