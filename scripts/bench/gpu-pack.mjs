/**
 * Packs what `npm run bench:gpu` needs on a GPU machine that has CUDA but no Node and no network:
 * this Node binary, the packages the benchmark loads (node-llama-cpp with its CUDA build, tsx,
 * zod) and the Llama 3 tokenizer, as one .tar.xz (scripts/bench/gpu-device.sh unpacks and runs it);
 * and beside it llama-src.tar.xz, the sources of the llama.cpp release that node-llama-cpp bundles
 * (what a build of ggml's CUDA library and of llama-server needs), so the device can build the
 * CUDA library with its own nvcc when the driver cannot compile the prebuilt library's PTX (seen
 * on an H200 with driver 580: "the provided PTX was compiled with an unsupported toolchain"), and
 * llama-server for the comparison.
 *
 * node-llama-cpp's prebuilt CUDA library is left out by default: gpu-device.sh builds it on the
 * device, since the prebuilt one's PTX did not run on the H200's driver. With --prebuilt-cuda it is
 * packed too: a 159 MB fat binary of machine code for several GPU generations plus PTX, of which
 * only the entries a GPU of compute capability --sm can use are kept (its own machine code, else
 * the newest PTX not above it, which the driver compiles); the others are zeroed in place, so
 * every offset stays valid and the file compresses to a fraction (21 MB).
 *
 *   node scripts/bench/gpu-pack.mjs [--prebuilt-cuda [--sm 90]] [--out .cache/gpu-pack/runtime.tar.xz]
 * Both files travel to the device (`carry: [".cache/gpu-pack"]`); together they stay under 64 MiB.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const { values } = parseArgs({
  options: { sm: { type: "string", default: "90" }, "prebuilt-cuda": { type: "boolean", default: false }, out: { type: "string", default: ".cache/gpu-pack/runtime.tar.xz" } },
});
const sm = Number(values.sm);
const out = path.resolve(ROOT, values.out);

/** The package and everything it depends on, as installed (hoisted) in node_modules. */
function closure(roots) {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name) || !existsSync(path.join(ROOT, "node_modules", name, "package.json"))) return;
    seen.add(name);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8"));
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep);
  };
  roots.forEach(visit);
  return [...seen];
}

const FATBIN_MAGIC = 0xba55ed50;
const KIND_PTX = 1;
const KIND_ELF = 2;

/** Every entry of every fat binary in an ELF file: offset of its payload, size, kind and arch. */
function fatbinEntries(buf) {
  const entries = [];
  for (let i = buf.indexOf(Buffer.from([0x50, 0xed, 0x55, 0xba])); i >= 0; i = buf.indexOf(Buffer.from([0x50, 0xed, 0x55, 0xba]), i + 4)) {
    if (buf.readUInt32LE(i) !== FATBIN_MAGIC || buf.readUInt16LE(i + 4) !== 1 || buf.readUInt16LE(i + 6) !== 16) continue;
    const end = i + 16 + Number(buf.readBigUInt64LE(i + 8));
    for (let j = i + 16; j < end; ) {
      const kind = buf.readUInt16LE(j);
      const headerSize = buf.readUInt32LE(j + 4);
      const payload = buf.readUInt32LE(j + 8);
      if (headerSize === 0) break;
      entries.push({ start: j + headerSize, size: payload, kind, arch: buf.readUInt32LE(j + 28) });
      j += headerSize + payload;
    }
    i = end - 4;
  }
  return entries;
}

function keepOnlyArch(file) {
  const buf = readFileSync(file);
  const entries = fatbinEntries(buf);
  const ptx = Math.max(...entries.filter((e) => e.kind === KIND_PTX && e.arch <= sm).map((e) => e.arch));
  const hasElf = entries.some((e) => e.kind === KIND_ELF && e.arch === sm);
  const keep = (e) => (hasElf ? e.kind === KIND_ELF && e.arch === sm : e.kind === KIND_PTX && e.arch === ptx);
  if (!entries.some(keep)) throw new Error(`${file}: no machine code or PTX usable on sm_${sm}`);
  let zeroed = 0;
  for (const e of entries) {
    if (keep(e)) continue;
    buf.fill(0, e.start, e.start + e.size);
    zeroed += e.size;
  }
  writeFileSync(file, buf);
  return `${path.basename(file)}: kept ${hasElf ? `sm_${sm} machine code` : `compute_${ptx} PTX`} of ${entries.length} entries, zeroed ${(zeroed / 1e6).toFixed(0)} MB`;
}

const stage = mkdtempSync(path.join(tmpdir(), "gpu-pack-"));
try {
  const packages = closure(["node-llama-cpp", "tsx", "zod", "@esbuild/linux-x64", "@node-llama-cpp/linux-x64-cuda"]);
  for (const name of packages) {
    cpSync(path.join(ROOT, "node_modules", name), path.join(stage, "node_modules", name), {
      recursive: true,
      // Sources for building llama.cpp, not needed to run the prebuilt binaries.
      filter: (src) => !src.endsWith(path.join("llama", "gitRelease.bundle")),
    });
  }
  const cudaBins = path.join(stage, "node_modules", "@node-llama-cpp", "linux-x64-cuda", "bins", "linux-x64-cuda");
  for (const name of readdirSync(cudaBins).filter((n) => n.startsWith("libggml-cuda"))) {
    if (values["prebuilt-cuda"]) console.log(keepOnlyArch(path.join(cudaBins, name)));
    else rmSync(path.join(cudaBins, name));
  }

  const { tsImport } = await import("tsx/esm/api");
  const { llamaBpeVocabPath } = await tsImport("../../src-main/testmodel/testModel.ts", import.meta.url);
  const vocab = await llamaBpeVocabPath();
  mkdirSync(path.join(stage, "vocab"), { recursive: true });
  cpSync(vocab, path.join(stage, "vocab", "llama-bpe.gguf"));
  mkdirSync(path.join(stage, "bin"), { recursive: true });
  cpSync(process.execPath, path.join(stage, "bin", "node"));

  mkdirSync(path.dirname(out), { recursive: true });
  execFileSync("tar", ["-cJf", out, "-C", stage, "bin", "node_modules", "vocab"], { env: { ...process.env, XZ_OPT: "-9 -T0" }, stdio: "inherit" });
  console.log(`${path.relative(ROOT, out)}: ${(statSync(out).size / 2 ** 20).toFixed(1)} MiB (${packages.length} packages, node ${process.version}, sm_${sm})`);

  // Without what no build here uses: docs, models, tests, examples, the web UI's sources, Python,
  // and ggml backends other than the CPU's and CUDA's.
  const bundle = path.join(ROOT, "node_modules", "node-llama-cpp", "llama", "gitRelease.bundle");
  const repo = path.join(stage, "llama.git");
  const [commit, ref] = execFileSync("git", ["bundle", "list-heads", bundle], { encoding: "utf8" }).trim().split("\n")[0].split(" ");
  execFileSync("git", ["init", "--quiet", "--bare", repo]);
  execFileSync("git", ["fetch", "--quiet", "--no-tags", bundle, `${ref}:refs/heads/bundle`], { cwd: repo });
  const src = path.join(stage, "src");
  mkdirSync(src);
  execFileSync("sh", ["-c", `git -C "${repo}" archive refs/heads/bundle | tar -x -C "${src}"`]);
  for (const unused of ["docs", "models", "tests", "examples", "benches", "gguf-py", "media", "app", "conversion", "tools/ui/src", "tools/ui/tests", "tools/ui/static"]) {
    rmSync(path.join(src, unused), { recursive: true, force: true });
  }
  const otherBackends = readdirSync(path.join(src, "ggml", "src")).filter((name) => /^ggml-/.test(name) && !["ggml-cuda", "ggml-cpu"].includes(name) && statSync(path.join(src, "ggml", "src", name)).isDirectory());
  for (const name of otherBackends) rmSync(path.join(src, "ggml", "src", name), { recursive: true });
  const srcOut = path.join(path.dirname(out), "llama-src.tar.xz");
  execFileSync("tar", ["-cJf", srcOut, "-C", src, "."], { env: { ...process.env, XZ_OPT: "-9" } });
  console.log(`${path.relative(ROOT, srcOut)}: ${(statSync(srcOut).size / 2 ** 20).toFixed(1)} MiB (llama.cpp ${commit.slice(0, 12)})`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
