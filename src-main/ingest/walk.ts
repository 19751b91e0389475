import type { Dirent } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { IngestProblem } from "./types.ts";

/** `inFolder`: found while walking a folder, rather than named by the caller. */
export type WalkEntry = { kind: "file"; path: string; inFolder: boolean } | { kind: "problem"; problem: IngestProblem };

const JUNK_NAMES = new Set(["thumbs.db", "ehthumbs.db", "desktop.ini", "__macosx", "$recycle.bin", "system volume information"]);

/**
 * Names a folder walk passes over: hidden files and folders (.DS_Store, ._AppleDouble, .git),
 * Office lock files (~$letter.docx), and Windows/macOS housekeeping (Thumbs.db, __MACOSX).
 */
export function isJunkName(name: string): boolean {
  return name.startsWith(".") || name.startsWith("~$") || JUNK_NAMES.has(name.toLowerCase());
}

/**
 * The files under `paths` as absolute paths: files as given, folders recursively in code-unit
 * order of names (the same order on every machine and locale), junk skipped. Symbolic links are
 * followed; a file or folder reached twice (overlapping arguments, link cycles) is listed once.
 */
export async function* walkPaths(paths: readonly string[]): AsyncGenerator<WalkEntry> {
  const seen = new Set<string>();
  for (const given of paths) {
    const path = resolve(given);
    yield* visit(path, null, seen);
  }
}

async function* visit(path: string, dirent: Dirent | null, seen: Set<string>): AsyncGenerator<WalkEntry> {
  let isDirectory = dirent?.isDirectory() ?? false;
  let isFile = dirent?.isFile() ?? false;
  if (dirent === null || dirent.isSymbolicLink()) {
    try {
      const info = await stat(path);
      isDirectory = info.isDirectory();
      isFile = info.isFile();
    } catch (error) {
      yield fsProblem(path, error, dirent?.isSymbolicLink() === true ? "broken symbolic link" : null);
      return;
    }
  }
  if (!isDirectory && !isFile) {
    // Never read a FIFO or device: reading one can block forever.
    yield { kind: "problem", problem: { sourcePath: path, sourceRow: null, message: "not a regular file or folder" } };
    return;
  }
  let real: string;
  try {
    real = await realpath(path);
  } catch (error) {
    yield fsProblem(path, error, null);
    return;
  }
  if (seen.has(real)) return;
  seen.add(real);
  if (isFile) {
    yield { kind: "file", path, inFolder: dirent !== null };
    return;
  }
  let children: Dirent[];
  try {
    children = await readdir(path, { withFileTypes: true });
  } catch (error) {
    yield fsProblem(path, error, null);
    return;
  }
  children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const child of children) {
    if (isJunkName(child.name)) continue;
    yield* visit(join(path, child.name), child, seen);
  }
}

/** A file-system error as a problem, in words rather than errno codes. */
export function fsProblem(path: string, error: unknown, override: string | null): WalkEntry & { kind: "problem" } {
  return { kind: "problem", problem: { sourcePath: path, sourceRow: null, message: override ?? fsErrorMessage(error) } };
}

export function fsErrorMessage(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file or folder";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ELOOP":
      return "too many levels of symbolic links";
    case "EISDIR":
      return "is a folder, not a file";
    default:
      return `could not be read: ${error instanceof Error ? error.message : String(error)}`;
  }
}
