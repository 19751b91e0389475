/**
 * The QA distillation job (docs/domain.md §4): one item per accepted synthetic letter, each answered with
 * question/answer pairs that are checked (qa.ts) and stored with the letter, rejected ones with
 * their reason. An answer that is not JSON fails its item (retried with --retry-failed).
 *
 * A QA item's key is `qa:<prompt version>:<letter id>`: one QA set per letter and prompt version.
 * An unfinished QA job (killed, stopped at its budget or by the API) is resumed before any new
 * letters are taken, so running `synth qa` again carries on where it stopped.
 */
import { createHash } from "node:crypto";
import type { Db } from "../store/db.ts";
import { addItems, createJob, newestJobWithFailedItems, newestOpenJob, type ItemRow } from "../jobs/jobStore.ts";
import { getSynthLetter, insertQaPair, lettersWithoutQa, synthKind } from "../store/synth.ts";
import type { AnthropicClient } from "./anthropicClient.ts";
import { buildQaRequest, loadQaPrompt, parseQaAnswer, QA_PROMPT_VERSION } from "./qa.ts";
import { loadSyntheticLetter } from "./storedLetters.ts";
import { payloadOf, runSettings, runSynthJob, type SynthEvent, type SynthJobSummary, type SynthMode } from "./synthJob.ts";

export type QaOptions = {
  db: Db;
  client: AnthropicClient;
  /** How many accepted letters without QA to take in a new job (default: all of them). */
  letters?: number;
  mode?: SynthMode;
  parallel?: number;
  budgetUsd?: number;
  retryFailed?: boolean;
  version?: string;
  signal?: AbortSignal;
  onEvent?: (event: SynthEvent) => void;
  batchPollMs?: number;
};

export async function runQa(options: QaOptions): Promise<SynthJobSummary | null> {
  const { db, client } = options;
  const version = options.version ?? QA_PROMPT_VERSION;
  const prompt = loadQaPrompt(version);
  const keyPrefix = `qa:${version}:`;
  const kind = synthKind("qa");
  let jobId = (newestOpenJob(db, kind) ?? (options.retryFailed ? newestJobWithFailedItems(db, kind) : undefined))?.id;
  if (jobId === undefined) {
    const letterIds = lettersWithoutQa(db, keyPrefix, options.letters ?? Number.MAX_SAFE_INTEGER);
    if (letterIds.length === 0) return null;
    const items = letterIds.map((letterId) => ({ key: `${keyPrefix}${letterId}`, payload: { letterId } }));
    const jobKey = createHash("sha256").update(`qa\0${items.map((item) => item.key).join("\0")}`).digest("hex");
    jobId = createJob(db, { kind, key: jobKey, budgetUsd: options.budgetUsd ?? null, params: { letters: letterIds.length, model: client.model, promptVersion: version } });
    addItems(db, jobId, items, { uniqueInKind: kind });
  }
  const letterOf = (item: ItemRow): number => payloadOf<{ letterId: number }>(item).letterId;

  return runSynthJob({
    db,
    client,
    jobId,
    mode: options.mode ?? "messages",
    ...runSettings(options),
    work: {
      request: (item) => buildQaRequest(loadSyntheticLetter(db, letterOf(item)), prompt),
      settle: (item, answer) => {
        const letterId = letterOf(item);
        const letter = getSynthLetter(db, letterId)?.content ?? "";
        const parsed = parseQaAnswer(answer.text.text, letter);
        if (!parsed.ok) return { state: "failed", error: parsed.error, detail: { letterId } };
        const accepted = parsed.pairs.filter((p) => p.status === "accepted").length;
        return {
          state: "done",
          error: null,
          detail: { letterId, pairs: parsed.pairs.length, accepted, rejected: parsed.pairs.length - accepted },
          write: () => {
            for (const pair of parsed.pairs) {
              insertQaPair(db, {
                letterId,
                itemId: item.id,
                index: pair.index,
                status: pair.status,
                reason: pair.status === "rejected" ? pair.reason : null,
                kind: pair.kind,
                pair: pair.pair,
                promptVersion: version,
              });
            }
          },
        };
      },
    },
  });
}
