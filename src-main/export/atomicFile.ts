import { createHash } from "node:crypto";
import { closeSync, openSync, readSync, renameSync, rmSync } from "node:fs";
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

/** Recorded in the audit trail, so an exported file can later be shown to be the one exported. */
export function fileSha256(file: string): string {
  const hash = createHash("sha256");
  const buffer = Buffer.alloc(1 << 20);
  const fd = openSync(file, "r");
  try {
    for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) hash.update(buffer.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}
