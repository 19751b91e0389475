import { createHash } from "node:crypto";
import { closeSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import path from "node:path";

/** Appends to the file; a short write (a disk filling up) is carried on until all is written or the write fails. */
export type WriteAll = (data: string | Uint8Array) => void;

/**
 * Writes `target` through a temporary file beside it, synced to disk, and a rename, so a crash,
 * kill or full disk leaves either the previous file or the complete new one, never half a file
 * (exports, extraction results files, synthetic JSONL sets all go through here).
 */
export function writeFileAtomically(target: string, write: (out: WriteAll) => void): string {
  const absolute = path.resolve(target);
  const temp = `${absolute}.partial-${process.pid}`;
  try {
    const fd = openSync(temp, "w");
    try {
      write((data) => writeAllSync(fd, data));
      fsyncSync(fd);
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

/** fs.writeSync may write fewer bytes than asked and not fail; the next call then fails, or goes on. */
export function writeAllSync(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  for (let offset = 0; offset < bytes.length; ) {
    const written = writeSync(fd, bytes, offset, bytes.length - offset);
    if (written === 0) throw new Error(`could not write to the file (0 of ${bytes.length - offset} bytes written)`);
    offset += written;
  }
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
