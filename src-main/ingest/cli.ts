import type { CliCommands } from "../cliKit/command.ts";

export const ingestCli: CliCommands = (program, run) => {
  program
    .command("import")
    .description("import letters (files or folders: .txt .docx .pdf .csv .jsonl) into the store")
    .argument("<paths...>")
    .option("--pattern <regex>", "file-name pattern with named groups patient and date (default: PATIENT_YYYY-MM-DD_...)")
    .option("--text-column <name>", "CSV/JSONL column holding the letter text")
    .option("--patient-column <name>", "CSV/JSONL column holding the patient id")
    .option("--date-column <name>", "CSV/JSONL column holding the letter date")
    .option("--shard <i/n>", "keep only this shard of the letters, as extract --shard splits them (a cluster node's share)")
    .action((paths: string[], flags) => run(async ({ db, reporter }) => (await import("./importCommand.ts")).importCommand(db(), paths, flags, reporter)));
};
