import type { CliCommands } from "../cliKit/command.ts";

export const exportCli: CliCommands = (program, run) => {
  program
    .command("export")
    .description("export: csv (a row per value), csv-wide (a row per letter), json, redcap (dictionary + import), fhir (mCODE bundle per patient)")
    .requiredOption("--format <format>", "csv | csv-wide | json | redcap | fhir")
    .requiredOption("--out <path>", "output file (redcap, fhir: a folder)")
    .option("--patient <id>", "only this patient's letters")
    .option("--model <name>", "results of this model (default: the model of the newest extraction)")
    .option("--bom", "start the file with a UTF-8 byte-order mark (for Excel)")
    .option("--exclude-ungrounded", "leave out values with no supporting text in the letter")
    .action((flags) => run(async ({ db, reporter }) => (await import("./exportCommand.ts")).exportCommand(db(), flags, reporter)));
};
