import { z } from "zod";

/**
 * Where a registered model came from: enough to trace it to the exact base, data, recipe and
 * cluster run that made it (issue 16, "every model traceable to the exact data that made it").
 * Kept with the model, copied into every export's provenance and the audit trail.
 */
export const ModelLineageSchema = z.strictObject({
  /** The workstation GGUF the adapter runs on, and the checkpoint the cluster trained on. */
  base: z.strictObject({
    name: z.string(),
    fingerprint: z.string(),
    /** SHA-256 over the safetensors files of the checkpoint trained on (the cluster's copy). */
    checkpointSha256: z.string().nullable(),
  }),
  dataset: z
    .strictObject({
      name: z.string(),
      origin: z.enum(["synthetic", "contains-real"]),
      /** SHA-256 of card.json as uploaded; each data file's own hash is in the card. */
      cardSha256: z.string(),
      files: z.record(z.string(), z.strictObject({ rows: z.number().int(), sha256: z.string() })),
      promptVersion: z.string(),
    })
    .nullable(),
  recipe: z.record(z.string(), z.unknown()),
  job: z
    .strictObject({
      kind: z.string(),
      /** user@host:port of the cluster's login node. */
      where: z.string(),
      jobId: z.string(),
      submittedAt: z.string(),
      startedAt: z.string().nullable(),
      finishedAt: z.string().nullable(),
    })
    .nullable(),
  training: z
    .strictObject({
      steps: z.number().int(),
      firstLoss: z.number().nullable(),
      lastLoss: z.number().nullable(),
      seconds: z.number().nullable(),
      /** "qlora" (4-bit base on a GPU) or "lora". */
      mode: z.string(),
      device: z.string(),
      /** Loss per optimizer step, thinned to at most 500 points. */
      loss: z.array(z.tuple([z.number().int(), z.number()])),
    })
    .nullable(),
  bundleVersion: z.string().nullable(),
  llamaCppCommit: z.string().nullable(),
});
export type ModelLineage = z.infer<typeof ModelLineageSchema>;
