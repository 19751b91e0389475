import type { Db } from "../store/db.ts";
import { listAudit, verifyAudit, type AuditAnchor } from "./auditLog.ts";
import { CliError, EXIT, positiveInt, type Reporter } from "../cliKit/reporter.ts";

export function auditVerifyCommand(db: Db, flags: { anchor?: string }, reporter: Reporter): number {
  const anchor = flags.anchor === undefined ? undefined : parseAnchor(flags.anchor);
  const result = verifyAudit(db, anchor ? { anchor } : {});
  if (result.ok) {
    reporter.event(
      { type: "summary", ...result },
      `Audit trail intact: ${result.entries} entries, head #${result.headSeq} ${result.head} (record this to detect later truncation or rewriting: --anchor ${result.headSeq}:${result.head}).`,
    );
    return EXIT.ok;
  }
  reporter.event({ type: "summary", ...result }, `Audit trail BROKEN at entry ${result.firstBadSeq}: ${result.problem}. ${result.entries} entries checked.`);
  return EXIT.someFailed;
}

export function auditListCommand(db: Db, flags: { limit?: string; action?: string }, reporter: Reporter): number {
  const limit = positiveInt("--limit", flags.limit);
  for (const entry of listAudit(db, { ...(limit ? { limit } : {}), ...(flags.action ? { action: flags.action } : {}) })) {
    reporter.event(
      { type: "entry", ...entry },
      `#${entry.seq}  ${entry.at}  ${entry.osUser}@${entry.host}  ${entry.action}  ${entry.subject}  ${entry.details === null ? "" : JSON.stringify(entry.details)}`,
    );
  }
  return EXIT.ok;
}

function parseAnchor(text: string): AuditAnchor {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(text);
  if (!match) throw new CliError(`--anchor must be SEQ:HASH as printed by audit verify, not "${text}"`);
  return { seq: Number(match[1]), hash: match[2] as string };
}
