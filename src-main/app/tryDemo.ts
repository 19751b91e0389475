/**
 * An empty store's first step (the Letters screen's "Try it with the demo letters and the test
 * model"): the 16 synthetic demo letters, and the tiny random-weight test model made in the data
 * folder's models/ and registered, so that extraction, review and export can be tried at once.
 * The test model's output is noise: it shows the workflow, never a result. Idempotent: the import
 * skips letters already in the store, and the model is registered by its fingerprint.
 */
import { packagedResource } from "../base/packagedResource.ts";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ApiFailure, type DemoSetup } from "../../src-shared/api.ts";
import { importWithReport } from "../ingest/importReport.ts";
import { modelSummary } from "../models/handlers.ts";
import type { ServiceContext } from "../serviceContext.ts";
import { countLetters } from "../store/letters.ts";
import { listModels, modelFingerprint, registerModel } from "../store/models.ts";
import { readGgufFile } from "../models/gguf/gguf.ts";
import { makeTestModel, TEST_MODEL_VERSION, testModelVersion } from "../testmodel/testModel.ts";

/** resources/demo/letters: two folders up from here, and from the bundled dist/electron/main.mjs alike. */
export const DEMO_LETTERS_DIR = fileURLToPath(new URL("../../resources/demo/letters/", import.meta.url));
/** The Llama 3 tokenizer the packaging step puts beside the bundled main process (scripts/package/training-bundle.ts). */
export const PACKAGED_VOCAB = "vocab/ggml-vocab-llama-bpe.gguf";
export const DEMO_MODEL_FILE = "oncotimeline-test-model-tiny.gguf";
export const DEMO_MODEL_NAME = "test model (random weights)";

export async function tryDemo({ db, dataDir }: Pick<ServiceContext, "db" | "dataDir">): Promise<DemoSetup> {
  const report = await importWithReport(db, [DEMO_LETTERS_DIR]);
  if (report.problems > 0) {
    const problems = report.files.filter((file) => file.status === "problem").map((file) => `${file.source}: ${file.message ?? "problem"}`);
    throw new ApiFailure("failed", `the demo letters could not all be imported: ${problems.join("; ")}`);
  }
  const file = path.join(dataDir, "models", DEMO_MODEL_FILE);
  if (!(await isCurrentTestModel(file))) {
    try {
      // A packaged app carries the tokenizer, written at packaging time; from the sources it is read out of node-llama-cpp's llama.cpp bundle.
      await makeTestModel({ out: file, size: "tiny", vocabPath: packagedResource(PACKAGED_VOCAB) ?? undefined });
    } catch (error) {
      throw new ApiFailure(
        "failed",
        `The demo letters are in the store, but the test model could not be made: ${(error as Error).message}. ` +
          "It needs the Llama 3 tokenizer from node-llama-cpp's llama.cpp sources (and git); get a base model on the Models screen instead.",
      );
    }
  }
  const fingerprint = modelFingerprint(file);
  const known = listModels(db).some((model) => model.fingerprint === fingerprint);
  const model = registerModel(db, file, { name: DEMO_MODEL_NAME });
  return { imported: report.imported, alreadyThere: report.duplicates, letters: countLetters(db), model: modelSummary(model), modelMade: !known };
}

async function isCurrentTestModel(file: string): Promise<boolean> {
  try {
    return testModelVersion(await readGgufFile(file)) === TEST_MODEL_VERSION;
  } catch {
    return false; // missing or unreadable: make it
  }
}
