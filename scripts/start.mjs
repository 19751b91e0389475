/**
 * `npm start`: builds the renderer and the Electron side, then opens the desktop app. Where the
 * Electron binary is missing (installed with ELECTRON_SKIP_BINARY_DOWNLOAD, or offline) it says
 * so and points at the browser build instead of failing with Electron's own stack trace.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export const MISSING_ELECTRON_MESSAGE = [
  "OncoTimeline: the Electron binary is not installed, so the desktop app cannot open.",
  "",
  "  To install it: run `npm install` with internet access and without ELECTRON_SKIP_BINARY_DOWNLOAD set",
  "  (or `node node_modules/electron/install.js`).",
  "",
  "  Meanwhile the same app runs in a browser:",
  "    npx oncotimeline serve",
  "  and open the URL it prints (http://127.0.0.1:…) in Chrome, Edge or Firefox.",
].join("\n");

/** The Electron executable's path, or null when the package or its downloaded binary is missing. */
export function findElectron(require = createRequire(path.join(ROOT, "package.json"))) {
  let executable;
  try {
    // The electron package's main export is the binary's path; it throws when none was downloaded.
    executable = require("electron");
  } catch {
    return null;
  }
  return typeof executable === "string" && fs.existsSync(executable) ? executable : null;
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: "inherit", shell: process.platform === "win32" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

async function main() {
  const electron = findElectron();
  if (!electron) {
    console.error(MISSING_ELECTRON_MESSAGE);
    process.exit(1);
  }
  run(process.execPath, [path.join(ROOT, "scripts", "package", "build-main.mjs")]);
  if (fs.existsSync(path.join(ROOT, "vite.config.ts"))) run(process.execPath, [path.join(ROOT, "node_modules", "vite", "bin", "vite.js"), "build"]);
  const env = { ...process.env };
  // Set in some shells and CI images; it would make the binary a plain Node.
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(electron, [ROOT, ...process.argv.slice(2)], { cwd: ROOT, stdio: "inherit", env });
  child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
