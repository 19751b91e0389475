/**
 * Grounding speed on a long letter: ours (one index per letter, linear searches, Myers'
 * bit-parallel fuzzy search) against a naive fuzzy search (Levenshtein distance of the value to
 * the window at every offset of the letter). Run: npm run bench:grounding
 * The letter and values are made here; test/unit/grounding-performance.test.ts grounds the same.
 */
import { readdirSync, readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { seededRandom } from "../../src-main/base/seededRandom.ts";
import { groundValue, indexLetter } from "../../src-main/grounding/index.ts";
import { MEANING_WORDS } from "../../src-main/grounding/text.ts";

/** Words no demo letter uses: values made of them have nothing to match (the slowest case). */
const ABSENT = "glioblastoma cystectomy thyroidectomy craniotomy ependymoma meningioma cholangiocarcinoma sarcoidosis".split(" ");

/**
 * A letter of `size` characters: the demo letters (real wording, dates and export artefacts)
 * one after another, repeated as often as needed.
 */
export function longLetter(size = 100_000): string {
  const folder = new URL("../../resources/demo/letters/", import.meta.url);
  const demo = readdirSync(folder)
    .filter((name) => name.endsWith(".txt"))
    .sort()
    .map((name) => readFileSync(new URL(name, folder), "utf8"))
    .join("\n\n");
  return Array.from({ length: Math.ceil(size / demo.length) }, () => demo)
    .join("\n\n")
    .slice(0, size);
}

/** `count` values, a quarter each: exact, another case, one letter changed, absent words. */
export function valuesFor(letter: string, count = 200, seed = 2): string[] {
  const next = seededRandom(seed); // seeded, so every run grounds the same values
  const words = letter.split(/(?:\s|\\[nt])+/).filter(Boolean);
  const phrase = () => {
    const at = Math.floor(next() * (words.length - 6));
    return words.slice(at, at + 3 + Math.floor(next() * 3)).join(" ").replace(/\.$/, "");
  };
  return Array.from({ length: count }, (_, i) => {
    const text = phrase();
    if (i % 4 === 0) return text;
    if (i % 4 === 1) return text.toUpperCase();
    if (i % 4 === 2) {
      // A misspelling of a neutral word: changing a side or negation word must not ground at all.
      const word = text
        .split(" ")
        .filter((w) => !MEANING_WORDS.has(w.toLowerCase().replace(/[^a-z]/g, "")))
        .sort((a, b) => b.length - a.length)[0];
      if (!word || word.length < 4) return `${text}x`;
      const at = text.indexOf(word) + Math.floor(word.length / 2);
      return `${text.slice(0, at)}${text[at] === "x" ? "y" : "x"}${text.slice(at + 1)}`;
    }
    return Array.from({ length: 4 }, () => ABSENT[Math.floor(next() * ABSENT.length)]).join(" ");
  });
}

export function groundAll(letter: string, values: string[]) {
  const index = indexLetter(letter);
  return values.map((value) => groundValue(index, value));
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The naive search: the value against the same-length window at every offset of the letter. */
function naiveBestScore(letter: string, value: string): number {
  const text = letter.toLowerCase();
  const needle = value.toLowerCase();
  let best = needle.length;
  for (let at = 0; at + needle.length <= text.length; at++) best = Math.min(best, levenshtein(needle, text.slice(at, at + needle.length)));
  return 1 - best / needle.length;
}

function main() {
  const letter = longLetter();
  const values = valuesFor(letter);
  // The best of five runs: the first warms up the JIT, and a busy machine only ever adds time.
  let oursMs = Infinity;
  let results: ReturnType<typeof groundAll> = [];
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    results = groundAll(letter, values);
    oursMs = Math.min(oursMs, performance.now() - started);
  }
  const grades = new Map<string, number>();
  for (const { grade } of results) grades.set(grade, (grades.get(grade) ?? 0) + 1);
  console.log(`letter ${letter.length} chars, ${values.length} values: ${[...grades].map(([grade, n]) => `${grade} ${n}`).join(", ")}`);
  console.log(`ours:  ${oursMs.toFixed(1)} ms for ${values.length} values (${(oursMs / values.length).toFixed(3)} ms/value, index included)`);

  // The naive search takes seconds per value on this letter: time a few values.
  const sample = values.slice(0, 4);
  const naiveStarted = performance.now();
  for (const value of sample) naiveBestScore(letter, value);
  const naivePerValue = (performance.now() - naiveStarted) / sample.length;
  console.log(`naive: ${naivePerValue.toFixed(1)} ms/value (sliding-window Levenshtein, ${sample.length} values sampled)`);
  console.log(`ratio naive/ours per value: ${(naivePerValue / (oursMs / values.length)).toFixed(0)}x`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
