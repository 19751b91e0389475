import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint();

async function restricted(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return (result?.messages ?? []).filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("process boundary lint rule", () => {
  it("forbids 'electron' outside src-main/electron", async () => {
    expect(await restricted("src-main/store/x.ts", 'import { app } from "electron";\nexport const a = app;\n')).toEqual([
      "'electron' import is restricted from being used. Only src-main/electron/ may import 'electron'.",
    ]);
    expect(await restricted("src-main/electron/x.ts", 'import { app } from "electron";\nexport const a = app;\n')).toEqual([]);
  });

  it("forbids the renderer from importing src-main or Node built-ins", async () => {
    const fromMain = await restricted("src-renderer/pages/x.ts", 'import { openStore } from "../../src-main/store/db.ts";\nexport const a = openStore;\n');
    expect(fromMain).toHaveLength(1);
    expect(fromMain[0]).toMatch(/never src-main/);
    expect(await restricted("src-renderer/pages/y.ts", 'import fs from "node:fs";\nexport const a = fs;\n')).toHaveLength(1);
    expect(await restricted("src-renderer/pages/z.ts", 'import { LIMITS } from "../../src-shared/timeline.ts";\nexport const a = LIMITS;\n')).toEqual([]);
  });
});
