import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The file name carries the version a person bumps; the hash catches an edit without a bump. */
export const EXTRACTION_PROMPT_FILE = "extraction-system.v1.txt";

export type SystemPrompt = { text: string; version: string };

export function promptsDir(): string {
  return fileURLToPath(new URL("../../prompts/", import.meta.url));
}

export function loadExtractionPrompt(file: string = EXTRACTION_PROMPT_FILE): SystemPrompt {
  return loadSystemPrompt(file);
}

/** Any versioned system prompt in prompts/ (the extraction prompt; the QA answering prompt training sets use). */
export function loadSystemPrompt(file: string): SystemPrompt {
  const text = readFileSync(`${promptsDir()}${file}`, "utf8");
  const hash = createHash("sha256").update(text).digest("hex").slice(0, 8);
  return { text, version: `${file.replace(/\.txt$/, "")}@${hash}` };
}
