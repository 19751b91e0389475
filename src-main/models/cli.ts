import type { CliCommands } from "../cliKit/command.ts";

export const modelsCli: CliCommands = (program, run) => {
  const models = program.command("models").description("the model registry");
  models
    .command("add")
    .argument("<file>", "a GGUF model file")
    .option("--name <name>", "registry name (default: the file name)")
    .option("--adapter <file>", "a LoRA adapter GGUF to apply on this base (a fine-tune); refused unless it was made for this base")
    .action((file: string, flags: { name?: string; adapter?: string }) => run(async ({ db, reporter }) => (await import("./modelsCommand.ts")).modelsAddCommand(db(), file, flags, reporter)));
  models
    .command("get")
    .description("download a base model GGUF (default: Llama 3.1 8B Instruct Q4_K_M), check its size and SHA-256, and register it once it loads and generates")
    .argument("[uri]", "https://…/file.gguf or hf:USER/REPO/FILE.gguf")
    .option("--sha256 <hex>", "the file's expected SHA-256 (default: Hugging Face's own for an hf: file)")
    .option("--name <name>", "registry name (default: the file name)")
    .option("--dir <folder>", "where to keep it (default: the data folder's models/)")
    .action((uri: string | undefined, flags: { sha256?: string; name?: string; dir?: string }) =>
      run(async ({ db, dataDir, reporter }) => (await import("./modelsCommand.ts")).modelsGetCommand(db(), dataDir(), uri, flags, reporter)),
    );
  models
    .command("import-lora")
    .description("convert a PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors) to a GGUF adapter, without Python, and register it on its base once the pair loads and generates")
    .argument("<dir>", "the adapter folder")
    .requiredOption("--base <model>", "the GGUF the adapter was trained on: a registered name or a file")
    .option("--name <name>", "registry name (default: the folder's name)")
    .option("--out <file>", "the GGUF to write (default: the data folder's models/NAME.lora-TYPE.gguf)")
    .option("--type <type>", "f32 (default, as llama.cpp's convert_lora_to_gguf.py) or f16")
    .action((dir: string, flags: { base: string; name?: string; out?: string; type?: string }) =>
      run(async ({ db, dataDir, reporter }) => (await import("./importLoraCommand.ts")).modelsImportLoraCommand(db(), dataDir(), dir, flags, reporter)),
    );
  models
    .command("import-hf")
    .description("convert a merged Llama checkpoint folder (config.json, tokenizer, safetensors, sharded or not) to a GGUF model, without Python, and register it once it loads and generates")
    .argument("<dir>", "the checkpoint folder")
    .option("--type <type>", "q8_0 (default) or f16")
    .option("--name <name>", "registry name (default: the folder's name)")
    .option("--out <file>", "the GGUF to write (default: the data folder's models/NAME.TYPE.gguf)")
    .action((dir: string, flags: { name?: string; out?: string; type?: string }) =>
      run(async ({ db, dataDir, reporter }) => (await import("./importHfCommand.ts")).modelsImportHfCommand(db(), dataDir(), dir, flags, reporter)),
    );
  models.command("list").action(() => run(async ({ db, reporter }) => (await import("./modelsCommand.ts")).modelsListCommand(db(), reporter)));
};
