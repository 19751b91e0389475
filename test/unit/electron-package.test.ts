import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { FuseV1Options } from "@electron/fuses";
import { buildMain } from "../../scripts/package/build-main.mjs";
import { electronBinaryPath, FUSES } from "../../scripts/package/fuses.mjs";
import { writePackagedResources } from "../../scripts/package/training-bundle.ts";
import { packagedResource } from "../../src-main/base/packagedResource.ts";
import { writeTrainingBundle } from "../../src-main/finetune/bundleFiles.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const require = createRequire(import.meta.url);

describe("hardening fuses", () => {
  it("sets every fuse, with Node-runtime back doors off and asar-only loading on", () => {
    expect(FUSES).toEqual({
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    });
    // Every fuse this @electron/fuses knows is covered (strictlyRequireAllFuses relies on it).
    const known = Object.values(FuseV1Options).filter((value) => typeof value === "number");
    expect(Object.keys(FUSES).map(Number).sort()).toEqual([...known].sort());
  });

  it("finds the Electron binary in each platform's packed output", () => {
    const packager = { appInfo: { productFilename: "OncoTimeline" }, executableName: "oncotimeline" };
    expect(electronBinaryPath({ appOutDir: "/out", electronPlatformName: "win32", packager })).toBe(path.join("/out", "OncoTimeline.exe"));
    expect(electronBinaryPath({ appOutDir: "/out", electronPlatformName: "darwin", packager })).toBe(path.join("/out", "OncoTimeline.app"));
    expect(electronBinaryPath({ appOutDir: "/out", electronPlatformName: "linux", packager })).toBe(path.join("/out", "oncotimeline"));
  });
});

describe("electron-builder.yml", () => {
  const yaml = require("js-yaml") as { load(text: string): unknown };
  const config = yaml.load(fs.readFileSync(path.join(ROOT, "electron-builder.yml"), "utf8")) as Record<string, unknown> & {
    asarUnpack: string[];
    files: string[];
    afterPack: string;
    win: { target: { target: string }[] };
    mac: { target: { target: string }[]; hardenedRuntime: boolean };
    linux: { target: { target: string }[]; category: string };
  };

  it("passes electron-builder's own schema", async () => {
    const { validateConfiguration } = require("app-builder-lib/out/util/config/config.js") as { validateConfiguration(config: unknown, logger: unknown): Promise<void> };
    const { DebugLogger } = require("builder-util") as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    // The validator does reject a wrong key, so the pass above means something.
    await expect(validateConfiguration({ ...config, nsis: { bogus: 1 } }, new DebugLogger(false))).rejects.toThrow(/configuration/);
  });

  it("targets nsis, dmg, AppImage and deb, keeps native code out of the asar and flips the fuses", () => {
    expect(config.productName).toBe("OncoTimeline");
    expect(config.directories).toMatchObject({ output: "release" });
    expect(config.win.target.map((t) => t.target)).toEqual(["nsis"]);
    expect(config.mac.target.map((t) => t.target)).toEqual(["dmg"]);
    expect(config.mac.hardenedRuntime).toBe(true);
    expect(config.linux.target.map((t) => t.target)).toEqual(["AppImage", "deb"]);
    expect(config.linux.category).toContain("MedicalSoftware");
    expect(config.asarUnpack).toEqual(expect.arrayContaining(["node_modules/better-sqlite3/**", "node_modules/@node-llama-cpp/**", "node_modules/node-llama-cpp/bins/**"]));
    expect(config.files).toEqual(expect.arrayContaining(["dist/**", "prompts/**", "package.json", "!test/**"]));
    expect(config.npmRebuild).toBe(true);
    expect(fs.existsSync(path.join(ROOT, config.afterPack))).toBe(true);
    // The app's entry is the bundled main process.
    expect(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).main).toBe("dist/electron/main.mjs");
  });
});

describe("npm start without the Electron binary", () => {
  it("says the binary is missing and how to use the browser instead, exit 1", () => {
    // ELECTRON_OVERRIDE_DIST_PATH points the electron package at an empty place, so this holds
    // on a machine where the binary is installed too (and never opens a window).
    const result = spawnSync(process.execPath, [path.join(ROOT, "scripts", "start.mjs")], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: path.join(os.tmpdir(), "no-electron-here") },
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("the Electron binary is not installed");
    expect(result.stderr).toContain("ELECTRON_SKIP_BINARY_DOWNLOAD");
    expect(result.stderr).toContain("npx oncotimeline serve");
    expect(result.stdout).toBe("");
  });
});

describe("main-process bundle", () => {
  // Two levels below the root, like dist/electron/, so the bundles resolve node_modules, the
  // prompts and package.json exactly as the real build does.
  const outDir = path.join(ROOT, ".cache", `electron-bundle-${process.pid}`);
  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));
  const built = buildMain({ outDir });

  it("bundles main, preload and worker without the Electron binary", async () => {
    const { main: mainFile, preload: preloadFile, worker: workerFile } = await built;
    const main = fs.readFileSync(mainFile, "utf8");
    const preload = fs.readFileSync(preloadFile, "utf8");
    const worker = fs.readFileSync(workerFile, "utf8");

    // Packages stay external: Electron, and the native modules that must load from disk.
    expect(main).toMatch(/^import \{[^}]*\bapp\b[^}]*\} from "electron";$/m);
    expect(main).toMatch(/from "better-sqlite3"/);
    expect(worker).toMatch(/from "node-llama-cpp"/);
    for (const text of [main, preload, worker]) expect(text).not.toMatch(/src-renderer/);

    // The sandboxed preload requires nothing but electron, and carries no validator or dispatcher.
    expect([...preload.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])).toEqual(["electron"]);
    expect(preload).not.toMatch(/zod|dispatchApiCall/);
    expect(preload).toContain('exposeInMainWorld("oncotimeline"');

    // Files found relative to the bundle (prompts, package.json) resolve from two levels down
    // exactly as from their source folders.
    const relative = [...main.matchAll(/new URL\("(\.\.\/\.\.\/[^"]+)", import\.meta\.url\)/g)].map((m) => m[1] as string);
    expect(relative.length).toBeGreaterThan(0);
    for (const target of relative) expect(fs.existsSync(new URL(target, pathToFileURL(mainFile))), target).toBe(true);
  });

  it("runs the bundled worker as a utility process would (messages over process.parentPort)", async () => {
    const { worker } = await built;
    // A stand-in parentPort: what the worker posts is printed; an init for a missing model file
    // must come back as init-failed through the port, proving the adapter carries both ways.
    const script = `
      const listeners = [];
      process.parentPort = { postMessage: (m) => { console.log(JSON.stringify(m)); process.exit(0); }, on: (_e, l) => listeners.push(l) };
      await import(${JSON.stringify(pathToFileURL(worker).href)});
      const config = { modelPath: "/nonexistent/model.gguf", systemPrompt: "x", schema: { type: "object" }, gpu: false, contextSize: 1024,
        parallel: 1, contexts: null, threads: 1, maxTokens: 16, grammar: true, temperature: 0, seed: 1, ramCap: null, vramCap: null };
      for (const listener of listeners) listener({ data: { type: "init", config } });
      setTimeout(() => process.exit(3), 30000);`;
    // A file, not `node -e`: node-llama-cpp tests its binding in a child that inherits execArgv.
    const scriptFile = path.join(outDir, "parent-port-check.mjs");
    fs.writeFileSync(scriptFile, script);
    const result = spawnSync(process.execPath, [scriptFile], { cwd: ROOT, encoding: "utf8", timeout: 45_000 });
    expect(result.status, result.stderr).toBe(0);
    const reply = JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}");
    expect(reply.type).toBe("init-failed");
    expect(reply.message).toContain("/nonexistent/model.gguf");
  });
});

describe("what the package carries for fine-tuning and the demo", () => {
  it("writes the job bundle and the tokenizer at packaging time; a job bundle made from them needs neither the sources' layout nor git", async () => {
    const dist = fs.mkdtempSync(path.join(os.tmpdir(), "oncotimeline-dist-"));
    try {
      const packaged = await writePackagedResources(dist);
      expect(fs.statSync(packaged.vocab).size).toBeGreaterThan(1_000_000);
      const job = path.join(dist, "job");
      // No git on the PATH: the prebuilt bundle is copied, not rebuilt from llama.cpp's git bundle.
      const pathBefore = process.env.PATH;
      process.env.PATH = "";
      let written;
      try {
        written = await writeTrainingBundle(job, { prebuiltDir: packaged.bundle });
      } finally {
        process.env.PATH = pathBefore;
      }
      expect(written).toMatchObject({ version: packaged.version, llamaCppCommit: packaged.llamaCppCommit });
      for (const file of ["train.py", "run.sh", "train.sbatch", "bundle.json", "llama.cpp/convert_lora_to_gguf.py", "llama.cpp/gguf-py"]) expect(fs.existsSync(path.join(job, file)), file).toBe(true);
      expect(fs.statSync(path.join(job, "run.sh")).mode & 0o111).not.toBe(0);
    } finally {
      fs.rmSync(dist, { recursive: true, force: true });
    }
  }, 60_000);

  it("runs that step in npm run package and keeps its output out of the asar", () => {
    const yaml = require("js-yaml") as { load(text: string): unknown };
    const config = yaml.load(fs.readFileSync(path.join(ROOT, "electron-builder.yml"), "utf8")) as { asarUnpack: string[] };
    expect(config.asarUnpack).toEqual(expect.arrayContaining(["dist/training-bundle/**", "dist/vocab/**"]));
    expect(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts.package).toContain("tsx scripts/package/training-bundle.ts");
    // From the sources there is no packaged copy: the bundle is made from src-main/finetune/bundle.
    expect(packagedResource("training-bundle")).toBeNull();
  });
});
