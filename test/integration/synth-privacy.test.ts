import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AnthropicClient } from "../../src-main/synth/anthropicClient.ts";
import {
  NotSyntheticError,
  SyntheticText,
  asPromptText,
  isSyntheticText,
  joinSynthetic,
  loadPromptFile,
  PROMPTS_DIR,
  synthetic,
} from "../../src-main/synth/syntheticText.ts";
import { openStore } from "../../src-main/store/db.ts";
import { getLetter, insertLetter } from "../../src-main/store/letters.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import { FAKE_API_KEY, FakeAnthropic } from "../helpers/fakeAnthropic.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const PRICES = { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 };
const CONTEXT = asPromptText("Letter types and styles for synthetic oncology letters. ".repeat(100), { name: "context" });
const REAL_LETTER =
  "Dear Dr Hughes,\nRe: Margaret Oduya, NHS 943 476 5919, DOB 03/02/1958\n" +
  "I reviewed Mrs Oduya in clinic today. CT shows progression of her liver metastases; we will start second-line FOLFIRI.\n";

let fake: FakeAnthropic;
let client: AnthropicClient;
beforeEach(async () => {
  fake = await FakeAnthropic.start();
  client = new AnthropicClient({ apiKey: FAKE_API_KEY, baseURL: fake.url, prices: PRICES, logger: { info() {}, warn() {}, error() {} } });
});
afterEach(async () => {
  await fake.close();
});

/** A real letter as the rest of the app sees it: imported into a store and read back. */
function storedLetter(): string {
  const db = openStore(tempDir());
  try {
    const inserted = insertLetter(db, {
      text: REAL_LETTER,
      sourcePath: "/letters/P001_2024-03-01_clinic.txt",
      sourceRow: null,
      sourceFormat: "txt",
      patientExternalId: "P001",
      letterDate: "2024-03-01",
    });
    const row = getLetter(db, inserted.letterId);
    if (!row) throw new Error("letter not stored");
    return row.text;
  } finally {
    db.close();
  }
}

function expectRefusedAndNothingSent(error: unknown): void {
  expect(error).toBeInstanceOf(NotSyntheticError);
  const message = (error as Error).message;
  expect(message).toMatch(/^Refused to send .* to the cloud API: it is a plain string \(\d+ characters\), not a SyntheticText\./);
  expect(message).toContain("real letters never do");
  expect(message).not.toContain("Oduya"); // the refusal never repeats the letter
  expect(fake.requests).toHaveLength(0);
  expect(fake.receivedText()).not.toContain("Oduya");
}

describe("privacy by construction: a real letter cannot be sent to the cloud", () => {
  it("a stored letter is refused as the user message at compile time and at run time", async () => {
    const text = storedLetter();
    expect(text).toBe(REAL_LETTER);
    // @ts-expect-error a stored letter is a plain string, not SyntheticText
    const error = await client.generate({ system: [CONTEXT], user: text, maxTokens: 100 }).catch((e: unknown) => e);
    expectRefusedAndNothingSent(error);
    expect((error as Error).message).toMatch(/^Refused to send generate: user message/);
  });

  it("a cast does not get past the run-time check, in any field or in a batch", async () => {
    const text = storedLetter();
    // @ts-expect-error a direct cast from string is already a compile error
    const direct = text as SyntheticText;
    const laundered = text as unknown as SyntheticText; // compiles; caught at run time

    expectRefusedAndNothingSent(await client.generate({ system: [CONTEXT], user: direct, maxTokens: 100 }).catch((e: unknown) => e));
    expectRefusedAndNothingSent(await client.generate({ system: [CONTEXT], user: laundered, maxTokens: 100 }).catch((e: unknown) => e));
    const inSystem = await client.generate({ system: [CONTEXT, laundered], user: CONTEXT, maxTokens: 100 }).catch((e: unknown) => e);
    expectRefusedAndNothingSent(inSystem);
    expect((inSystem as Error).message).toMatch(/system block 2/);
    const inBatch = await client
      .submitBatch([
        { customId: "ok", system: [CONTEXT], user: CONTEXT, maxTokens: 100 },
        { customId: "leak", system: [CONTEXT], user: laundered, maxTokens: 100 },
      ])
      .catch((e: unknown) => e);
    expectRefusedAndNothingSent(inBatch);
    expect((inBatch as Error).message).toMatch(/batch request 'leak': user message/);
  });

  it("look-alike objects are not SyntheticText", async () => {
    const text = storedLetter();
    const fakes: unknown[] = [
      { text, origin: { kind: "prompt", name: "x" }, toString: () => text },
      Object.create(SyntheticText.prototype),
      Object.defineProperty(Object.create(SyntheticText.prototype) as object, "text", { value: text }),
      new String(text),
    ];
    for (const value of fakes) {
      expect(isSyntheticText(value)).toBe(false);
      const error = await client.generate({ system: [CONTEXT], user: value as SyntheticText, maxTokens: 100 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotSyntheticError);
    }
    // The constructor is private to the type system and guarded by a module-private token at run time.
    // @ts-expect-error private constructor
    expect(() => new SyntheticText(Symbol("SyntheticText.mint"), text, { kind: "prompt", name: "x" })).toThrow(TypeError);
    expect(() => SyntheticText.mint(Symbol("SyntheticText.mint"), text, { kind: "prompt", name: "x" })).toThrow(TypeError);
    expect(fake.requests).toHaveLength(0);
  });

  it("composing synthetic text never takes a plain string", () => {
    const text = storedLetter();
    // @ts-expect-error a plain string cannot be interpolated
    expect(() => synthetic`Rewrite this letter: ${text}`).toThrow(NotSyntheticError);
    expect(() => synthetic`Rewrite this letter: ${text as unknown as SyntheticText}`).toThrow(NotSyntheticError);
    // @ts-expect-error joinSynthetic takes SyntheticText parts only
    expect(() => joinSynthetic([CONTEXT, text])).toThrow(NotSyntheticError);
    // @ts-expect-error the separator is whitespace or dashes, not free text
    expect(() => joinSynthetic([CONTEXT, CONTEXT], text)).toThrow(NotSyntheticError);
    const composed = synthetic`Row ${3}: ${CONTEXT}`;
    expect(composed.text).toBe(`Row 3: ${CONTEXT.text}`);
    expect(composed.origin).toEqual({ kind: "composed", parts: 3 });
  });

  it("loads synthetic text from prompts/ only", () => {
    const prompt = loadPromptFile("extraction-system.v1.txt", "prompt");
    expect(prompt.origin).toEqual({ kind: "prompt", name: "prompts/extraction-system.v1.txt" });
    expect(prompt.text.length).toBeGreaterThan(100);
    expect(loadPromptFile("extraction-system.v1.txt", "expert-example").origin).toEqual({ kind: "expert-example", file: "prompts/extraction-system.v1.txt" });
    expect(() => loadPromptFile("../README.md", "expert-example")).toThrow(/only files inside prompts\//);
    expect(() => loadPromptFile(path.join(REPO_ROOT, "package.json"), "prompt")).toThrow(NotSyntheticError);
    const dir = tempDir();
    writeFileSync(path.join(dir, "P001_2024-03-01_clinic.txt"), REAL_LETTER);
    expect(() => loadPromptFile(path.join(dir, "P001_2024-03-01_clinic.txt"), "expert-example")).toThrow(NotSyntheticError);
    expect(() => loadPromptFile(path.relative(PROMPTS_DIR, path.join(dir, "P001_2024-03-01_clinic.txt")), "expert-example")).toThrow(NotSyntheticError);
  });

  it("only src-main/synth mints SyntheticText and only its client imports the Anthropic SDK", () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        if (name === "node_modules" || name.startsWith(".")) continue;
        const full = path.join(dir, name);
        if (statSync(full).isDirectory()) walk(full);
        else if (/\.(ts|tsx|js|mjs|cjs)$/.test(name)) {
          const rel = path.relative(REPO_ROOT, full).split(path.sep).join("/");
          const source = readFileSync(full, "utf8");
          const imports = [...source.matchAll(/^\s*(import|export)\s+(type\s+)?[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gm)];
          for (const m of imports) {
            const spec = m[3] ?? m[4] ?? "";
            const typeOnly = Boolean(m[2]);
            if (spec.startsWith("@anthropic-ai/sdk") && rel !== "src-main/synth/anthropicClient.ts") offenders.push(`${rel} imports ${spec}`);
            if (/synth\/syntheticText(\.ts)?$/.test(spec) && !typeOnly && !rel.startsWith("src-main/synth/") && !rel.startsWith("test/")) {
              offenders.push(`${rel} imports ${spec}`);
            }
          }
        }
      }
    };
    for (const top of ["src-main", "src-shared", "src-renderer", "bin", "scripts"]) {
      try {
        walk(path.join(REPO_ROOT, top));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
    }
    expect(offenders).toEqual([]);
  });
});
