import { Option } from "commander";
import type { CliCommands } from "../cliKit/command.ts";

export const testModelCli: CliCommands = (program, run) => {
  program
    .command("test-model")
    .description("write a tiny GGUF with random weights and the real Llama 3 tokenizer (for tests and benchmarks)")
    .requiredOption("--out <file>", "where to write it")
    .addOption(new Option("--size <size>", "tiny or 8b (Llama-3.1-8B dimensions: 16 GB at f16, 4.7 GB at q4_0)").default("tiny"))
    .addOption(new Option("--quant <type>", "weight type: f32, f16, q8_0 or q4_0 (the size class of a Q4_K_M model)").default("f16"))
    .action((flags) => run(async ({ reporter }) => (await import("./testModelCommand.ts")).testModelCommand(flags, reporter)));
};
