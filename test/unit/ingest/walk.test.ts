import { execFileSync } from "node:child_process";
import { rm, symlink } from "node:fs/promises";
import { join, relative } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { readLetters } from "../../../src-main/ingest/index.ts";
import { isJunkName } from "../../../src-main/ingest/walk.ts";
import { collect, put } from "./helpers.ts";
import { useTempDirs } from "../../helpers/tempDir.ts";

const tempDir = useTempDirs();

describe("readLetters over files and folders", () => {
  let dir = "";
  beforeEach(() => {
    dir = tempDir();
  });

  it("walks folders recursively in a fixed order, skipping hidden files, OS junk and other file types", async () => {
    await put(dir, "root/b/P2_2024-01-02.txt", "letter b");
    await put(dir, "root/b/c/deep.jsonl", '{"text": "deep"}\n');
    await put(dir, "root/a.txt", "letter a");
    await put(dir, "root/A.txt", "letter A");
    await put(dir, "root/z.TXT", "letter z");
    await put(dir, "root/notes.xyz", "?");
    await put(dir, "root/README", "?");
    for (const junk of [".DS_Store", ".hidden/x.txt", "Thumbs.db", "desktop.ini", "~$letter.docx", "__MACOSX/b/._x.txt"]) {
      await put(dir, join("root", junk), "junk");
    }
    const root = join(dir, "root");
    const { letters, problems, skipped, order } = await collect([root]);
    expect(order.map((o) => `${o[0]} ${relative(root, o.slice(2, o.lastIndexOf(":")))}`)).toEqual([
      "L A.txt",
      "S README",
      "L a.txt",
      "L b/P2_2024-01-02.txt",
      "L b/c/deep.jsonl",
      "S notes.xyz",
      "L z.TXT",
    ]);
    expect(skipped.map((p) => relative(root, p))).toEqual(["README", "notes.xyz"]);
    expect(problems).toEqual([]);
    expect(letters.map((l) => l.text)).toEqual(["letter A", "letter a", "letter b", "deep", "letter z"]);
    expect(letters[2]).toMatchObject({ patientId: "P2", letterDate: "2024-01-02", sourcePath: join(root, "b/P2_2024-01-02.txt") });
  });

  it("names a file given explicitly with an unsupported type as a problem", async () => {
    const readme = await put(dir, "README", "?");
    const notes = await put(dir, "notes.xyz", "?");
    const { problems, skipped } = await collect([readme, notes]);
    expect(skipped).toEqual([]);
    expect(problems.map((p) => p.message)).toEqual([
      "unsupported file without an extension: expected .txt, .docx, .pdf, .csv, .jsonl",
      "unsupported file type .xyz: expected .txt, .docx, .pdf, .csv, .jsonl",
    ]);
  });

  it("lists a file reached twice once, and survives a symbolic-link loop", async () => {
    const a = await put(dir, "root/a.txt", "letter a");
    await symlink(join(dir, "root"), join(dir, "root/loop"));
    const { letters, problems } = await collect([join(dir, "root"), a, join(dir, "root/loop/a.txt")]);
    expect(problems).toEqual([]);
    expect(letters.map((l) => l.sourcePath)).toEqual([a]);
  });

  it("gives absolute source paths for relative arguments", async () => {
    const path = await put(dir, "rel.txt", "hello");
    const { letters } = await collect([relative(process.cwd(), path)]);
    expect(letters[0]?.sourcePath).toBe(path);
  });

  it("refuses a file over maxFileBytes without reading it", async () => {
    const path = await put(dir, "big.txt", "x".repeat(2048));
    const { letters, problems } = await collect([path], { maxFileBytes: 1024 });
    expect(letters).toEqual([]);
    expect(problems).toEqual([{ sourcePath: path, sourceRow: null, message: "file is 2.0 KiB, over the 1.0 KiB limit (maxFileBytes)" }]);
  });

  it("reports missing paths and broken links and goes on", async () => {
    const good = await put(dir, "good.txt", "fine");
    await symlink(join(dir, "nowhere.txt"), join(dir, "dangling.txt"));
    const { letters, problems } = await collect([join(dir, "missing.txt"), dir]);
    expect(letters.map((l) => l.sourcePath)).toEqual([good]);
    expect(problems).toEqual([
      { sourcePath: join(dir, "missing.txt"), sourceRow: null, message: "no such file or folder" },
      { sourcePath: join(dir, "dangling.txt"), sourceRow: null, message: "broken symbolic link" },
    ]);
  });

  it.skipIf(process.platform === "win32")("does not read a FIFO", async () => {
    execFileSync("mkfifo", [join(dir, "pipe.txt")]);
    const { problems } = await collect([dir]);
    expect(problems).toEqual([{ sourcePath: join(dir, "pipe.txt"), sourceRow: null, message: "not a regular file or folder" }]);
  });

  it("streams: yields the first letter before reading later files", async () => {
    const first = await put(dir, "1.txt", "first");
    const second = await put(dir, "2.txt", "second");
    const items = readLetters([dir]);
    const head = await items.next();
    expect(head.value).toMatchObject({ kind: "letter", letter: { sourcePath: first } });
    await rm(second); // gone after the folder was listed: a problem, not a crash
    const rest = [];
    for await (const item of items) rest.push(item);
    expect(rest).toEqual([{ kind: "problem", problem: { sourcePath: second, sourceRow: null, message: "no such file or folder" } }]);
  });

  it("applies a custom fileNamePattern to every file, even one with the g flag", async () => {
    await put(dir, "MRN111 2024-01-05.txt", "one");
    await put(dir, "MRN222 2024-01-06.txt", "two");
    const { letters } = await collect([dir], { fileNamePattern: /^MRN(?<patient>\d+) (?<date>[\d-]+)/g });
    expect(letters.map((l) => [l.patientId, l.letterDate])).toEqual([
      ["111", "2024-01-05"],
      ["222", "2024-01-06"],
    ]);
  });

  it("throws for invalid options (programmer error), not for bad input", async () => {
    await expect(readLetters([dir], { maxFileBytes: -1 }).next()).rejects.toThrow(RangeError);
    await expect(readLetters([dir], { columns: { text: "" } }).next()).rejects.toThrow(TypeError);
  });

  it("knows OS junk names", () => {
    for (const name of [".DS_Store", "._letter.docx", "Thumbs.db", "THUMBS.DB", "desktop.ini", "~$letter.docx", "__MACOSX", ".git"]) {
      expect(isJunkName(name), name).toBe(true);
    }
    for (const name of ["letter.docx", "P001_2024-03-15.txt", "~letter.txt"]) expect(isJunkName(name), name).toBe(false);
  });
});
