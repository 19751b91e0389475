/**
 * Bundles the Electron side into dist/electron/: main.mjs (ESM main process), preload.cjs (a
 * sandboxed preload must be one CommonJS file) and worker.mjs (the inference utilityProcess).
 * Electron cannot load TypeScript, and this needs no Electron binary, so it runs anywhere.
 * Packages stay external: they ship in node_modules (native ones unpacked from the asar).
 */
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Electron 41 ships Node 24 and Chromium 146. */
const NODE_TARGET = "node22";

export async function buildMain({ outDir = path.join(ROOT, "dist", "electron"), minify = false } = {}) {
  const common = { bundle: true, platform: "node", packages: "external", sourcemap: "linked", minify, logLevel: "warning", absWorkingDir: ROOT };
  await Promise.all([
    build({ ...common, entryPoints: ["src-main/electron/main.ts"], outfile: path.join(outDir, "main.mjs"), format: "esm", target: NODE_TARGET }),
    build({ ...common, entryPoints: ["src-main/electron/preload.ts"], outfile: path.join(outDir, "preload.cjs"), format: "cjs", target: "chrome130" }),
    build({ ...common, entryPoints: ["src-main/electron/utilityEntry.ts"], outfile: path.join(outDir, "worker.mjs"), format: "esm", target: NODE_TARGET }),
  ]);
  return { main: path.join(outDir, "main.mjs"), preload: path.join(outDir, "preload.cjs"), worker: path.join(outDir, "worker.mjs") };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outIndex = process.argv.indexOf("--out");
  const outDir = outIndex > 0 ? path.resolve(process.argv[outIndex + 1]) : undefined;
  const built = await buildMain({ outDir, minify: process.argv.includes("--minify") });
  console.log(`built ${Object.values(built).map((file) => path.relative(process.cwd(), file)).join(", ")}`);
}
