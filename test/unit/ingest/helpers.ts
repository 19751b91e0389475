import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { readLetters, type IngestedLetter, type IngestOptions, type IngestProblem } from "../../../src-main/ingest/index.ts";

/** Writes a fixture file (creating folders) and returns its path. */
export async function put(dir: string, relative: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, relative);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  return path;
}

export type Collected = { letters: IngestedLetter[]; problems: IngestProblem[]; skipped: string[]; order: string[] };

/** Everything readLetters yields, split by kind; `order` is "L:<file>:<row>" / "P:<file>:<row>". */
export async function collect(paths: string[], options?: IngestOptions): Promise<Collected> {
  const result: Collected = { letters: [], problems: [], skipped: [], order: [] };
  for await (const item of readLetters(paths, options)) {
    if (item.kind === "letter") {
      result.letters.push(item.letter);
      result.order.push(`L:${item.letter.sourcePath}:${item.letter.sourceRow}`);
    } else if (item.kind === "skipped") {
      result.skipped.push(item.sourcePath);
      result.order.push(`S:${item.sourcePath}:null`);
    } else {
      result.problems.push(item.problem);
      result.order.push(`P:${item.problem.sourcePath}:${item.problem.sourceRow}`);
    }
  }
  return result;
}
