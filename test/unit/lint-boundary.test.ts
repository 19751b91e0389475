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

describe("capability boundary lint rule", () => {
  const code = (from: string) => `import { x } from "${from}";\nexport const a = x;\n`;

  it("forbids a capability folder from importing a composition root (api/, cli/, host/, electron/)", async () => {
    for (const [file, from] of [
      ["src-main/extract/handlers.ts", "../api/services.ts"],
      ["src-main/synth/x.ts", "../cli/reporter.ts"],
      ["src-main/extract/llama/x.ts", "../../host/server.ts"],
      ["src-main/store/x.ts", "../electron/dialogs.ts"],
      ["src-main/serviceContext.ts", "./api/services.ts"],
    ]) {
      const messages = await restricted(file as string, code(from as string));
      expect(messages, `${file} importing ${from}`).toHaveLength(1);
      expect(messages[0]).toMatch(/may not import a composition root/);
    }
  });

  it("lets capabilities import each other, base/ and src-shared (its api/ included), and the roots import anything", async () => {
    expect(await restricted("src-main/extract/handlers.ts", code("../../src-shared/api/extract.ts"))).toEqual([]);
    expect(await restricted("src-main/extract/handlers.ts", code("../serviceContext.ts"))).toEqual([]);
    expect(await restricted("src-main/synth/x.ts", code("../base/sleep.ts"))).toEqual([]);
    expect(await restricted("src-main/serviceContext.ts", code("../src-shared/api.ts"))).toEqual([]);
    expect(await restricted("src-main/cli/commands/x.ts", code("../../api/services.ts"))).toEqual([]);
    expect(await restricted("src-main/api/services.ts", code("../host/server.ts"))).toEqual([]);
  });

  it("still forbids 'electron' in capability folders (the two rules' options are not merged by ESLint)", async () => {
    expect(await restricted("src-main/extract/x.ts", code("electron"))).toEqual([
      "'electron' import is restricted from being used. Only src-main/electron/ may import 'electron'.",
    ]);
  });
});
