// The fine-tuning job bundle as it goes to the cluster: the Python scripts of ./bundle (copied
// verbatim) and llama.cpp's converters (convert_lora_to_gguf.py and friends), taken from the
// llama.cpp git bundle that node-llama-cpp ships, so the adapter GGUF is written by the same
// llama.cpp release that later loads it, and nothing is downloaded.
import { createHash, randomBytes } from "node:crypto";
import { chmod, copyFile, cp, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { packagedResource } from "../base/packagedResource.ts";
import { git, nodeLlamaCppDir } from "../testmodel/testModel.ts";

export type TrainingBundle = {
  /** Paths written, relative to the folder, "/"-separated, sorted (llama.cpp's tree as one entry). */
  files: string[];
  /** The llama.cpp commit the converters come from (the one node-llama-cpp runs). */
  llamaCppCommit: string;
  /** The bundle's own version: a hash of its files, so lineage can name the code that trained. */
  version: string;
};

export type TrainingBundleOptions = {
  /** Where extracted converter trees are kept, one folder per commit. Default `<repo>/.cache/llama-cpp-converters`. */
  cacheDir?: string;
  /** The bundle's own files. Default: src-main/finetune/bundle next to this module. */
  sourceDir?: string;
  /**
   * A whole bundle written at packaging time (scripts/package/training-bundle.ts): copied as it is,
   * since a packaged app has neither the sources' folder layout nor llama.cpp's git bundle.
   * Default: `dist/training-bundle` beside the bundled main process, when there is one.
   */
  prebuiltDir?: string | null;
};

const HERE = dirname(fileURLToPath(import.meta.url));
export const BUNDLE_SOURCE_DIR = join(HERE, "bundle");
const DEFAULT_CACHE_DIR = join(HERE, "..", "..", ".cache", "llama-cpp-converters");

/**
 * What the converters need from llama.cpp's tree at run time: the two scripts, the per-model
 * `conversion` package they import, and gguf-py (which they put first on sys.path, ahead of any
 * pip gguf). LICENSE travels with the MIT-licensed code.
 */
export const LLAMA_CPP_PATHS = ["convert_hf_to_gguf.py", "convert_lora_to_gguf.py", "conversion", "gguf-py", "LICENSE"] as const;
const LLAMA_CPP_DIR = "llama.cpp";
/** Where the packaging step writes the whole bundle, beside the bundled main process. */
export const PREBUILT_BUNDLE = "training-bundle";
/** bundle.json: read by the Python side (runconfig.bundle_info) into preflight.json and result.json. */
const BUNDLE_INFO = "bundle.json";
const EXECUTABLE = /\.(?:sh|py|sbatch)$/;

/** The bundle's own file names, sorted; bytecode caches left by running the scripts in place are not part of it. */
export async function bundleSourceFiles(sourceDir: string = BUNDLE_SOURCE_DIR): Promise<string[]> {
  const entries = await readdir(sourceDir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && !entry.name.endsWith(".pyc") && entry.name !== BUNDLE_INFO)
    .map((entry) => entry.name)
    .sort();
}

/**
 * sha256 (first 16 hex digits) over each file's name and bytes, in name order: changes with any
 * edit to the bundle and with nothing else (not the llama.cpp commit, which lineage records apart).
 */
export async function trainingBundleVersion(sourceDir: string = BUNDLE_SOURCE_DIR): Promise<string> {
  const hash = createHash("sha256");
  for (const name of await bundleSourceFiles(sourceDir)) {
    const bytes = await readFile(join(sourceDir, name));
    // Length-prefixed, so no two different bundles hash the same bytes.
    hash.update(`${name}\0${bytes.length}\0`).update(bytes);
  }
  return hash.digest("hex").slice(0, 16);
}

/** The llama.cpp git bundle node-llama-cpp ships, with the commit and ref it holds. */
export async function llamaCppRelease(): Promise<{ bundle: string; commit: string; ref: string }> {
  const bundle = join(nodeLlamaCppDir(), "llama", "gitRelease.bundle");
  const heads = (await git(["bundle", "list-heads", bundle])).toString("utf8").trim().split("\n");
  const [commit, ref] = (heads[0] ?? "").split(" ");
  if (commit === undefined || !/^[0-9a-f]{40}$/.test(commit) || ref === undefined) {
    throw new Error(`unexpected heads in ${bundle}: ${heads.join("; ")}`);
  }
  return { bundle, commit, ref };
}

/**
 * The folder holding llama.cpp's converters (LLAMA_CPP_PATHS), extracted once per commit into
 * `cacheDir/<commit>`. Safe when processes race: each extracts into its own temporary folder and
 * renames it into place; a loser finds the winner's complete folder and discards its own.
 */
export async function llamaCppConverters(cacheDir: string = DEFAULT_CACHE_DIR): Promise<{ dir: string; commit: string }> {
  const { bundle, commit, ref } = await llamaCppRelease();
  const dir = join(cacheDir, commit);
  if (await isDir(dir)) return { dir, commit };

  await mkdir(cacheDir, { recursive: true });
  const partial = join(cacheDir, `${commit}.partial-${process.pid}-${randomBytes(4).toString("hex")}`);
  const repo = await mkdtemp(join(tmpdir(), "oncotimeline-llama-cpp-"));
  try {
    await git(["init", "--quiet", "--bare", repo]);
    await git(["fetch", "--quiet", "--no-tags", bundle, `${ref}:refs/heads/bundle`], repo);
    await mkdir(partial);
    // Checked out as committed: the scripts are Python, and a CRLF conversion on Windows would
    // make the bundle's bytes differ between workstations.
    await git(["-c", "core.autocrlf=false", `--work-tree=${partial}`, "checkout", "refs/heads/bundle", "--", ...LLAMA_CPP_PATHS], repo);
    try {
      await rename(partial, dir);
    } catch (error) {
      if (!(await isDir(dir))) throw error;
    }
    return { dir, commit };
  } finally {
    await rm(partial, { recursive: true, force: true });
    await rm(repo, { recursive: true, force: true });
  }
}

/**
 * Writes the job bundle into `folder` (created if missing): the bundle's files, `llama.cpp/` with
 * the converters, and bundle.json naming the version and the llama.cpp commit.
 */
export async function writeTrainingBundle(folder: string, options: TrainingBundleOptions = {}): Promise<TrainingBundle> {
  const sourceDir = options.sourceDir ?? BUNDLE_SOURCE_DIR;
  const target = resolve(folder);
  await mkdir(target, { recursive: true });
  const prebuilt = options.prebuiltDir === undefined ? packagedResource(PREBUILT_BUNDLE) : options.prebuiltDir;
  if (prebuilt !== null) {
    await cp(prebuilt, target, { recursive: true });
    const info = JSON.parse(await readFile(join(target, BUNDLE_INFO), "utf8")) as { version: string; llamaCppCommit: string; files: string[] };
    return { files: [...info.files, BUNDLE_INFO, `${LLAMA_CPP_DIR}/`].sort(), llamaCppCommit: info.llamaCppCommit, version: info.version };
  }
  const names = await bundleSourceFiles(sourceDir);
  for (const name of names) {
    await copyFile(join(sourceDir, name), join(target, name));
    // Executable on the cluster even where the checkout (or a Windows workstation) lost the bit.
    if (EXECUTABLE.test(name)) await chmod(join(target, name), 0o755);
  }
  const { dir, commit } = await llamaCppConverters(options.cacheDir);
  await rm(join(target, LLAMA_CPP_DIR), { recursive: true, force: true });
  await cp(dir, join(target, LLAMA_CPP_DIR), { recursive: true });
  const version = await trainingBundleVersion(sourceDir);
  await writeFile(join(target, BUNDLE_INFO), `${JSON.stringify({ version, llamaCppCommit: commit, files: names }, null, 2)}\n`);
  return { files: [...names, BUNDLE_INFO, `${LLAMA_CPP_DIR}/`].sort(), llamaCppCommit: commit, version };
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
