import { closeSync, openSync, renameSync, rmSync } from "node:fs";
import path from "node:path";

/**
 * Writes `target` through a temporary file beside it and a rename, so a crash or kill leaves
 * either the previous file or the complete new one, never half an export.
 */
export function writeFileAtomically(target: string, write: (fd: number) => void): string {
  const absolute = path.resolve(target);
  const temp = `${absolute}.partial-${process.pid}`;
  try {
    const fd = openSync(temp, "w");
    try {
      write(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, absolute);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  return absolute;
}
