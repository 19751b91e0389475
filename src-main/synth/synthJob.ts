/**
 * Runs the items of one synthetic-studio job (generation or QA) through the cloud client, by
 * Messages (N in flight) or by Message Batches, and commits each result with its item.
 *
 * Crash safety: an item's result, its cost and its `done` state commit in one transaction, and
 * only while the item is still open, so a kill loses nothing committed and nothing is stored
 * twice. A batch's id is committed on its items before polling starts, so a resumed job collects
 * that batch instead of paying for it again. (A kill in the instant between the batch being
 * created and its id being committed leaves an orphaned batch; its items are sent again.)
 *
 * Stopping: the budget (worst case of the next request, see budget.ts), a signal (Ctrl-C: requests
 * in flight still finish and commit; polling a batch stops, the batch is collected later), or an
 * API that keeps failing after the client's retries (429/529/5xx storm, bad key): the job stops
 * dispatching, lets requests in flight finish, and is left resumable: `interrupted` or
 * `budget-reached`, its unsent items still `pending`.
 */
import { AnthropicRequestError, type AnthropicClient, type BatchItemResult, type GenerateResult, type TokenUsage } from "./anthropicClient.ts";
import { worstCaseCostUsd } from "./budget.ts";
import type { SyntheticText } from "./syntheticText.ts";
import type { Db } from "../store/db.ts";
import {
  claimJob,
  commitItem,
  countAttempt,
  finishJob,
  itemCounts,
  itemsOfJob,
  jobCost,
  markItemsSubmitted,
  retryFailedItems,
  returnItemToPending,
  type ItemRow,
} from "../jobs/jobStore.ts";

/** How a run of a synthetic job ends (a pause or cancel is recorded over `interrupted` by JobRuns). */
export type SynthRunEnd = "done" | "interrupted" | "budget-reached";

/** An item's payload as the job stored it. */
export function payloadOf<T>(item: ItemRow): T {
  return JSON.parse(item.payload ?? "null") as T;
}

export type SynthRequest = { system: SyntheticText[]; user: SyntheticText; maxTokens: number };

/** What the teacher answered for one item, from Messages or from a batch. */
export type SynthAnswer = { text: SyntheticText; usage: TokenUsage; costUsd: number; stopReason: string | null; messageId: string; model: string };

/** How an answer closes its item; `write` runs inside the item's transaction, `afterCommit` once it committed. */
export type Settlement = { state: "done" | "failed"; error: string | null; write?: () => void; afterCommit?: () => void; detail: Record<string, unknown> };

export type SynthWork = {
  request(item: ItemRow): SynthRequest;
  /** Synchronous on purpose: validation, commit and afterCommit run without an await between them. */
  settle(item: ItemRow, answer: SynthAnswer): Settlement;
};

export type SynthMode = "messages" | "batch";

export type SynthEvent =
  | { type: "start"; jobId: number; kind: string; mode: SynthMode; resumed: boolean; total: number; done: number; failed: number; pending: number; submitted: number; retried: number; costUsd: number; budgetUsd: number | null }
  | {
      type: "item";
      jobId: number;
      itemId: number;
      key: string;
      state: "done" | "failed";
      error: string | null;
      costUsd: number;
      totalCostUsd: number;
      done: number;
      failed: number;
      total: number;
      etaSeconds: number | null;
      [detail: string]: unknown;
    }
  | { type: "batch"; jobId: number; batchId: string; status: "submitted" | "ended"; items: number }
  | { type: "budget-reached"; jobId: number; budgetUsd: number; costUsd: number; nextWorstCaseUsd: number }
  | { type: "api-error"; jobId: number; message: string };

export type SynthJobSummary = {
  jobId: number;
  state: SynthRunEnd;
  total: number;
  done: number;
  failed: number;
  pending: number;
  submitted: number;
  costUsd: number;
  budgetUsd: number | null;
  error: string | null;
};

export type RunSynthJobOptions = {
  db: Db;
  client: AnthropicClient;
  jobId: number;
  work: SynthWork;
  mode: SynthMode;
  /** Messages in flight at once: default 4 (well inside the lowest rate-limit tier). */
  parallel?: number;
  /** USD; replaces the job's stored budget (how a job stopped at its budget goes on). Default: keep it. */
  budgetUsd?: number;
  retryFailed?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: SynthEvent) => void;
  /** How often a batch is polled: default 30 s (batches take minutes to hours). */
  batchPollMs?: number;
  /** Requests per Message Batch: default 10,000 (the API allows 100,000 or 256 MB). */
  batchSize?: number;
};

const RUN_SETTINGS = ["parallel", "budgetUsd", "retryFailed", "signal", "onEvent", "batchPollMs"] as const;
type RunSettings = Pick<RunSynthJobOptions, (typeof RUN_SETTINGS)[number]>;

/** The run settings a generation or QA job was given, passed on to runSynthJob as they are (unset ones left out). */
export function runSettings(options: { [K in keyof RunSettings]?: RunSettings[K] | undefined }): RunSettings {
  return Object.fromEntries(RUN_SETTINGS.filter((name) => options[name] !== undefined).map((name) => [name, options[name]])) as RunSettings;
}

/** An API failure that says nothing about this item (overload, rate limit, key): stop, keep it pending. */
function stopsTheJob(error: unknown): error is AnthropicRequestError {
  return error instanceof AnthropicRequestError && (error.retryable || error.status === 401 || error.status === 403 || error.status === 404);
}

export async function runSynthJob(options: RunSynthJobOptions): Promise<SynthJobSummary> {
  const { db, client, jobId, work, mode, signal } = options;
  const emit = options.onEvent ?? (() => undefined);
  const before = itemCounts(db, jobId);
  const job = claimJob(db, jobId, { budgetUsd: options.budgetUsd ?? null });
  const budget = job.budget_usd;
  const retried = options.retryFailed ? retryFailedItems(db, jobId) : 0;
  const counts = itemCounts(db, jobId);
  let spent = jobCost(db, jobId);
  emit({
    type: "start",
    jobId,
    kind: job.kind.replace(/^synth:/, ""),
    mode,
    resumed: before.done + before.failed + before.submitted > 0,
    total: counts.total,
    done: counts.done,
    failed: counts.failed,
    pending: counts.pending,
    submitted: counts.submitted,
    retried,
    costUsd: spent,
    budgetUsd: budget,
  });

  let stopState: "interrupted" | "budget-reached" | null = null;
  let stopError: string | null = null;
  const started = Date.now();
  let settledThisRun = 0;
  const multiplier = mode === "batch" ? client.batchDiscount : 1;

  const stopForApi = (error: AnthropicRequestError): void => {
    if (stopState === null) {
      stopState = "interrupted";
      stopError = error.message;
      emit({ type: "api-error", jobId, message: error.message });
    }
  };
  const fitsBudget = (reserved: number, worst: number): boolean => {
    if (budget === null || spent + reserved + worst <= budget) return true;
    if (stopState === null) {
      stopState = "budget-reached";
      emit({ type: "budget-reached", jobId, budgetUsd: budget, costUsd: spent, nextWorstCaseUsd: worst });
    }
    return false;
  };

  const close = (item: ItemRow, answer: SynthAnswer | null, failure: string | null, remaining: () => number): void => {
    const settlement: Settlement = answer ? work.settle(item, answer) : { state: "failed", error: failure, detail: {} };
    const cost = answer?.costUsd ?? 0;
    const committed = commitItem(db, item.id, { state: settlement.state, error: settlement.error, usage: answer?.usage ?? null, costUsd: cost }, settlement.write);
    if (!committed) return;
    settlement.afterCommit?.();
    spent += cost;
    settledThisRun += 1;
    const now = itemCounts(db, jobId);
    const elapsed = (Date.now() - started) / 1000;
    emit({
      ...settlement.detail,
      type: "item",
      jobId,
      itemId: item.id,
      key: item.item_key,
      state: settlement.state,
      error: settlement.error,
      costUsd: cost,
      totalCostUsd: spent,
      done: now.done,
      failed: now.failed,
      total: now.total,
      etaSeconds: mode === "messages" ? Math.round((elapsed / settledThisRun) * remaining()) : null,
    });
  };

  try {
    // Batches a previous run submitted come first: their results are paid for already.
    const submitted = itemsOfJob(db, jobId, "submitted");
    for (const batchId of [...new Set(submitted.map((item) => item.external_id as string))]) {
      await collectBatch(batchId, submitted.filter((item) => item.external_id === batchId));
      if (stopState !== null) break;
    }
    if (stopState === null) {
      if (mode === "messages") await runMessages();
      else await runBatches();
    }
  } catch (error) {
    if (!signal?.aborted) {
      finishJob(db, jobId, "interrupted", (error as Error).message);
      throw error;
    }
  }
  const final = itemCounts(db, jobId);
  const state = stopState ?? (final.pending + final.submitted > 0 ? "interrupted" : "done");
  finishJob(db, jobId, state, stopError);
  return { jobId, state, total: final.total, done: final.done, failed: final.failed, pending: final.pending, submitted: final.submitted, costUsd: spent, budgetUsd: budget, error: stopError };

  async function runMessages(): Promise<void> {
    const pending = itemsOfJob(db, jobId, "pending");
    let next = 0;
    let reserved = 0;
    const remaining = (): number => pending.length - settledThisRun;
    const worker = async (): Promise<void> => {
      while (stopState === null && !signal?.aborted && next < pending.length) {
        const item = pending[next] as ItemRow;
        const request = work.request(item);
        const worst = worstCaseCostUsd(request, client.prices);
        if (!fitsBudget(reserved, worst)) return;
        next += 1;
        reserved += worst;
        countAttempt(db, item.id);
        try {
          // No signal here on purpose: a request in flight is paid for, so a stop lets it finish and commit.
          const result: GenerateResult = await client.generate(request);
          close(item, result, null, remaining);
        } catch (error) {
          if (stopsTheJob(error)) stopForApi(error);
          else if (error instanceof AnthropicRequestError) close(item, null, error.message, remaining);
          else throw error;
        } finally {
          reserved -= worst;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.parallel ?? 4) }, () => worker()));
  }

  async function runBatches(): Promise<void> {
    const size = options.batchSize ?? 10_000;
    for (;;) {
      if (stopState !== null || signal?.aborted) return;
      const pending = itemsOfJob(db, jobId, "pending");
      if (pending.length === 0) return;
      const chosen: { item: ItemRow; request: SynthRequest }[] = [];
      let reserved = 0;
      for (const item of pending.slice(0, size)) {
        const request = work.request(item);
        const worst = worstCaseCostUsd(request, client.prices, multiplier);
        if (!fitsBudget(reserved, worst)) break;
        reserved += worst;
        chosen.push({ item, request });
      }
      if (chosen.length === 0) return;
      let batchId: string;
      try {
        const status = await client.submitBatch(chosen.map(({ item, request }) => ({ customId: customId(item), ...request })));
        batchId = status.id;
      } catch (error) {
        if (stopsTheJob(error)) return stopForApi(error);
        throw error;
      }
      markItemsSubmitted(
        db,
        chosen.map(({ item }) => item.id),
        batchId,
      );
      emit({ type: "batch", jobId, batchId, status: "submitted", items: chosen.length });
      await collectBatch(
        batchId,
        chosen.map(({ item }) => ({ ...item, state: "submitted", external_id: batchId })),
      );
    }
  }

  async function collectBatch(batchId: string, items: ItemRow[]): Promise<void> {
    if (signal?.aborted) return;
    let results: BatchItemResult[];
    try {
      await client.waitForBatch(batchId, { intervalMs: options.batchPollMs ?? 30_000, ...(signal ? { signal } : {}) });
      results = await client.batchResults(batchId);
    } catch (error) {
      if (signal?.aborted) return;
      if (stopsTheJob(error)) return stopForApi(error);
      throw error;
    }
    emit({ type: "batch", jobId, batchId, status: "ended", items: items.length });
    const byId = new Map(items.map((item) => [customId(item), item]));
    let left = items.length;
    for (const result of results) {
      const item = byId.get(result.customId);
      if (!item) continue;
      left -= 1;
      if (result.ok) close(item, { ...result, model: client.model }, null, () => left);
      else if (result.type === "errored") close(item, null, result.error, () => left);
      else returnItemToPending(db, item.id, `batch request ${result.type}`);
      byId.delete(result.customId);
    }
    // An item the results do not mention was not processed: it waits for the next run, not for this batch again.
    for (const item of byId.values()) returnItemToPending(db, item.id, "missing from the batch results");
  }
}

/** Batch custom_id: the item's row id, unique in the store and within the API's 64-character limit. */
function customId(item: ItemRow): string {
  return `item-${item.id}`;
}
