import Database from "better-sqlite3";
import { copyFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ENGINE_FLAGS, EXTRACTION_TEST_TIMEOUT_MS, REPO_ROOT, runCli } from "../helpers/cli.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { useTestModel } from "../helpers/testModel.ts";

const tempDir = useTempDirs();
const DEMO_LETTERS = path.join(REPO_ROOT, "resources", "demo", "letters");
/**
 * Three letters prove it: the kill comes after two are saved, with the third in flight, which the
 * second run must then do (once). The pipeline test extracts the whole demo set.
 */
const demoLetters = readdirSync(DEMO_LETTERS).filter((name) => name.endsWith(".txt")).sort().slice(0, 3);

function demoLetterFolder(): string {
  const dir = tempDir();
  for (const name of demoLetters) copyFileSync(path.join(DEMO_LETTERS, name), path.join(dir, name));
  return dir;
}

const modelPath = useTestModel();

describe("crash safety", () => {
  it("kill -9 in the middle of extract, then extract again: the rest finishes, nothing is extracted twice", async () => {
    const data = tempDir();
    expect((await runCli(["--data", data, "import", demoLetterFolder()])).code).toBe(0);

    let killedAfter = 0;
    const first = await runCli(["--data", data, "--json", "extract", "--model", modelPath(), ...ENGINE_FLAGS], {
      onEvent: (event, child) => {
        if (event.type === "letter" && ++killedAfter === 2) child.kill("SIGKILL");
      },
    });
    expect(first.code).toBeNull(); // killed by the signal
    const firstDone = first.events.filter((event) => event.type === "letter").map((event) => event.letterId);
    expect(firstDone.length).toBeGreaterThanOrEqual(2);
    expect(firstDone.length).toBeLessThan(demoLetters.length);

    const second = await runCli(["--data", data, "--json", "extract", "--model", modelPath(), ...ENGINE_FLAGS]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.events[0]).toMatchObject({ type: "start", resumed: true });
    const secondDone = second.events.filter((event) => event.type === "letter").map((event) => event.letterId);
    expect(secondDone.filter((id) => firstDone.includes(id))).toEqual([]);
    expect([...firstDone, ...secondDone].sort()).toHaveLength(demoLetters.length);

    const db = new Database(path.join(data, "oncotimeline.sqlite"), { readonly: true });
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    expect(db.prepare("SELECT count(*) AS n, count(DISTINCT letter_id) AS d FROM extractions").get()).toEqual({
      n: demoLetters.length,
      d: demoLetters.length,
    });
    expect(db.prepare("SELECT count(*) AS n FROM jobs").get()).toEqual({ n: 1 });
    db.close();

    const third = await runCli(["--data", data, "--json", "extract", "--model", modelPath(), ...ENGINE_FLAGS]);
    expect(third.code).toBe(0);
    expect(third.events.filter((event) => event.type === "letter")).toEqual([]);
  }, EXTRACTION_TEST_TIMEOUT_MS);
});
