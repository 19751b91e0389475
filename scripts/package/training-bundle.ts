/**
 * Packaging step: what a packaged app cannot make at run time, written beside the bundled main
 * process. The fine-tuning job bundle whole (the Python scripts and llama.cpp's converters, taken
 * out of node-llama-cpp's llama.cpp git bundle, which the package leaves out) into
 * dist/training-bundle, and the Llama 3 tokenizer the demo's test model needs into dist/vocab.
 *   tsx scripts/package/training-bundle.ts [--out DIST]
 */
import { copyFile, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { PACKAGED_VOCAB } from "../../src-main/app/tryDemo.ts";
import { PREBUILT_BUNDLE, writeTrainingBundle } from "../../src-main/finetune/bundleFiles.ts";
import { llamaBpeVocabPath } from "../../src-main/testmodel/testModel.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export async function writePackagedResources(dist: string = path.join(ROOT, "dist")): Promise<{ bundle: string; vocab: string; version: string; llamaCppCommit: string }> {
  const bundle = path.join(dist, PREBUILT_BUNDLE);
  await rm(bundle, { recursive: true, force: true });
  // Built from the sources, never from an earlier prebuilt copy.
  const written = await writeTrainingBundle(bundle, { prebuiltDir: null });
  const vocab = path.join(dist, PACKAGED_VOCAB);
  await mkdir(path.dirname(vocab), { recursive: true });
  await copyFile(await llamaBpeVocabPath(), vocab);
  return { bundle, vocab, version: written.version, llamaCppCommit: written.llamaCppCommit };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf("--out");
  const done = await writePackagedResources(at > 0 ? path.resolve(process.argv[at + 1] as string) : undefined);
  console.log(`training bundle ${done.version} (llama.cpp ${done.llamaCppCommit.slice(0, 12)}) in ${path.relative(process.cwd(), done.bundle)}; tokenizer in ${path.relative(process.cwd(), done.vocab)}`);
}
