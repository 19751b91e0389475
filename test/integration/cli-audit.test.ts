import Database from "better-sqlite3";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, runCli } from "../helpers/cli.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();

describe("oncotimeline audit", () => {
  it("records every export (who, when, what, file hash); verify passes, then names an entry changed by hand (exit 1)", async () => {
    const data = tempDir();
    expect((await runCli(["--data", data, "import", path.join(REPO_ROOT, "resources", "demo", "letters")])).code).toBe(0);
    const wide = path.join(data, "letters.csv");
    expect((await runCli(["--data", data, "export", "--format", "csv-wide", "--out", wide])).code).toBe(0);
    expect((await runCli(["--data", data, "export", "--format", "csv", "--out", path.join(data, "values.csv")])).code).toBe(0);

    const listed = await runCli(["--data", data, "--json", "audit", "list", "--action", "export"]);
    expect(listed.events.map((event) => event.subject)).toEqual([`export csv ${path.join(data, "values.csv")}`, `export csv-wide ${wide}`]);
    const sha256 = createHash("sha256").update(readFileSync(wide)).digest("hex");
    expect(listed.events[1]).toMatchObject({ action: "export", details: { format: "csv-wide", rows: 16, letters: 16, sha256 } });
    expect(listed.events[1]?.osUser).toBeTruthy();

    const verified = await runCli(["--data", data, "audit", "verify"]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^Audit trail intact: 2 entries, head #2 [0-9a-f]{64}/);

    // Tampering needs the guard triggers gone first; the chain still gives it away.
    const db = new Database(path.join(data, "oncotimeline.sqlite"));
    db.exec("DROP TRIGGER IF EXISTS audit_log_no_update");
    const triggers = db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log' AND sql LIKE '%UPDATE%'").all() as { name: string }[];
    for (const { name } of triggers) db.exec(`DROP TRIGGER "${name}"`);
    db.prepare("UPDATE audit_log SET subject = 'export csv-wide /somewhere/else.csv' WHERE seq = 1").run();
    db.close();
    const broken = await runCli(["--data", data, "audit", "verify"]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain("Audit trail BROKEN at entry 1: entry 1 was changed (hash mismatch)");
  });
});
