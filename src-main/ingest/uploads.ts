import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * Writes the browser build's uploaded files into a new folder under the data folder: they are the
 * originals the letters' provenance points to. Returns the folder and the files' paths.
 */
export function saveUploads(dataDir: string, files: { name: string; base64: string }[]): { folder: string; paths: string[] } {
  const folder = path.join(dataDir, "uploads", new Date().toISOString().replace(/[:.]/g, "-"));
  mkdirSync(folder, { recursive: true });
  const paths = files.map((file, i) => {
    const safe = path.basename(file.name).replace(/[^\p{L}\p{N}._ -]/gu, "_") || `file-${i + 1}`;
    const target = path.join(folder, files.findIndex((other) => other.name === file.name) === i ? safe : `${i + 1}-${safe}`);
    writeFileSync(target, Buffer.from(file.base64, "base64"));
    return target;
  });
  return { folder, paths };
}
