import type { CliCommands } from "../cliKit/command.ts";

export const auditCli: CliCommands = (program, run) => {
  const audit = program.command("audit").description("the append-only, hash-chained record of edits and exports");
  audit
    .command("verify")
    .description("check the hash chain; exit 1 when an entry was changed, removed or reordered")
    .option("--anchor <seq:hash>", "a head recorded earlier (e.g. in an export manifest): also detects truncation or a rewritten chain")
    .action((flags: { anchor?: string }) => run(async ({ db, reporter }) => (await import("./auditCommand.ts")).auditVerifyCommand(db(), flags, reporter)));
  audit
    .command("list")
    .description("newest first")
    .option("--limit <n>", "how many (default 100)")
    .option("--action <action>", "only this action, e.g. export")
    .action((flags: { limit?: string; action?: string }) => run(async ({ db, reporter }) => (await import("./auditCommand.ts")).auditListCommand(db(), flags, reporter)));
};
