/**
 * The generation job (docs/domain.md §3): one item per grid row, each a request for a letter and its gold,
 * each answer validated (validation.ts) and stored with its status and reasons.
 *
 * Identity: an item's idempotency key is a hash of the prompt version, the model, the row and the
 * row's occurrence number in the grid (a grid may hold the same row twice, on purpose); the job's
 * key is a hash of its items' keys. Running the same command again therefore finds the same job
 * and goes on with it, and a row already generated, in this job or another, is never sent again.
 */
import { createHash } from "node:crypto";
import type { Db } from "../store/db.ts";
import { addItems, createJob, findJobByKey } from "../jobs/jobStore.ts";
import { insertSynthLetter, keptLetterSignatures, synthKind } from "../store/synth.ts";
import type { AnthropicClient } from "./anthropicClient.ts";
import type { GridRow } from "./grid.ts";
import { DEFAULT_NEAR_DUPLICATE_THRESHOLD, NearDuplicateIndex, signatureFromBuffer, signatureToBuffer } from "./nearDuplicate.ts";
import { GENERATION_MAX_TOKENS, loadGenerationContext, renderGridRow, systemBlocks, type GenerationContext } from "./promptBuilder.ts";
import { joinSynthetic } from "./syntheticText.ts";
import type { ItemRow } from "../jobs/jobStore.ts";
import { payloadOf, runSettings, runSynthJob, type SynthEvent, type SynthJobSummary, type SynthMode, type SynthRequest } from "./synthJob.ts";
import { DEFAULT_GROUNDING_POLICY, validateGeneratedPair, type GroundingPolicy } from "./validation.ts";

export type GenerationOptions = {
  db: Db;
  client: AnthropicClient;
  rows: readonly GridRow[];
  mode?: SynthMode;
  parallel?: number;
  budgetUsd?: number;
  retryFailed?: boolean;
  /** Default DEFAULT_GROUNDING_POLICY: reject ungrounded values, flag fuzzy ones. */
  grounding?: GroundingPolicy;
  /** Default DEFAULT_NEAR_DUPLICATE_THRESHOLD (0.8 estimated Jaccard). */
  nearDuplicateThreshold?: number;
  /**
   * Default true: the many-shot context goes in cached system blocks. False sends it inside each
   * user message, uncached: the naive baseline that bench:synth compares against.
   */
  cache?: boolean;
  /** Default: prompts/synth at SYNTH_PROMPT_VERSION. */
  context?: GenerationContext;
  signal?: AbortSignal;
  onEvent?: (event: SynthEvent) => void;
  batchPollMs?: number;
};

export type GridItem = { key: string; payload: { row: GridRow; occurrence: number } };

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/** Keys per grid row: a hash of prompt version, model, row and occurrence (see the module comment). */
export function gridItems(rows: readonly GridRow[], model: string, promptVersion: string): GridItem[] {
  const seen = new Map<string, number>();
  return rows.map((row) => {
    const canonical = JSON.stringify(row);
    const occurrence = seen.get(canonical) ?? 0;
    seen.set(canonical, occurrence + 1);
    return { key: sha256(JSON.stringify({ promptVersion, model, row: canonical, occurrence })), payload: { row, occurrence } };
  });
}

export function generationJobKey(items: readonly GridItem[]): string {
  return sha256(`generate\0${items.map((item) => item.key).join("\0")}`);
}

/** The generation job of this grid (created on first run), ready for runSynthJob. */
export function openGenerationJob(db: Db, client: AnthropicClient, rows: readonly GridRow[], version: string, budgetUsd: number | undefined, mode: SynthMode = "messages"): { jobId: number; created: boolean; alreadyElsewhere: number } {
  if (rows.length === 0) throw new Error("The grid has no rows.");
  const items = gridItems(rows, client.model, version);
  const jobKey = generationJobKey(items);
  const kind = synthKind("generate");
  const existing = findJobByKey(db, jobKey);
  const jobId = existing?.id ?? createJob(db, { kind, key: jobKey, budgetUsd: budgetUsd ?? null, params: { rows: rows.length, model: client.model, promptVersion: version, mode } });
  const added = addItems(db, jobId, items, { uniqueInKind: kind });
  return { jobId, created: existing === undefined, alreadyElsewhere: existing === undefined ? items.length - added : 0 };
}

export async function runGeneration(options: GenerationOptions): Promise<SynthJobSummary & { alreadyElsewhere: number }> {
  const { db, client } = options;
  const context = options.context ?? loadGenerationContext();
  const { jobId, alreadyElsewhere } = openGenerationJob(db, client, options.rows, context.version, options.budgetUsd, options.mode);
  const index = new NearDuplicateIndex(options.nearDuplicateThreshold ?? DEFAULT_NEAR_DUPLICATE_THRESHOLD);
  for (const kept of keptLetterSignatures(db)) index.add(String(kept.id), signatureFromBuffer(kept.minhash));
  const system = systemBlocks(context);
  const policy = options.grounding ?? DEFAULT_GROUNDING_POLICY;

  const request = (row: GridRow): SynthRequest => {
    const user = renderGridRow(row);
    if (options.cache === false) return { system: [], user: joinSynthetic([...system, user], "\n\n---\n\n"), maxTokens: GENERATION_MAX_TOKENS };
    return { system, user, maxTokens: GENERATION_MAX_TOKENS };
  };
  const rowOf = (item: ItemRow): GridRow => payloadOf<GridItem["payload"]>(item).row;

  const summary = await runSynthJob({
    db,
    client,
    jobId,
    mode: options.mode ?? "messages",
    ...runSettings(options),
    work: {
      request: (item) => request(rowOf(item)),
      settle: (item, answer) => {
        const row = rowOf(item);
        const outcome = validateGeneratedPair({ raw: answer.text.text, stopReason: answer.stopReason, dataQualityIssue: row.data_quality_issue }, index, policy);
        let letterId = 0;
        return {
          state: "done",
          error: null,
          detail: { letter: outcome.status, reasons: outcome.reasons.map((r) => `${r.code}: ${r.detail}`) },
          write: () => {
            letterId = insertSynthLetter(db, {
              itemId: item.id,
              content: outcome.content,
              gold: outcome.gold,
              rawOutput: answer.text.text,
              model: answer.model,
              messageId: answer.messageId,
              promptVersion: context.version,
              status: outcome.status,
              reasons: outcome.reasons,
              minhash: outcome.signature ? signatureToBuffer(outcome.signature) : null,
            });
          },
          afterCommit: () => {
            if (outcome.status !== "rejected" && outcome.signature) index.add(String(letterId), outcome.signature);
          },
        };
      },
    },
  });
  return { ...summary, alreadyElsewhere };
}
