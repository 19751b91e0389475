/**
 * The synthetic studio behind the UI: grid sampling, a generation job running in the background
 * with live cost and ETA, and the generated letters beside their gold for a reviewer to accept or
 * reject. The work itself is runGeneration's (resumable, budgeted); this adds the in-app run.
 */
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { ApiFailure, SECRET_ENV, type SynthJobView, type SynthLetter, type SynthLetterPage, type SynthStatusView } from "../../src-shared/api.ts";
import { appendAudit } from "../audit/auditLog.ts";
import type { Db } from "../store/db.ts";
import { getSynthLetter, synthJobParams, synthStatus } from "../store/synth.ts";
import type { JobKind } from "../jobs/jobKinds.ts";
import type { JobRuns } from "../jobs/jobRuns.ts";
import { itemsOfJob, type JobRow } from "../jobs/jobStore.ts";
import { payloadOf } from "./synthJob.ts";
import type { GridItem } from "./generateJob.ts";
import { AnthropicClient, DEFAULT_MODEL, SONNET_PRICES_USD_PER_MTOK } from "./anthropicClient.ts";
import { GRID_COLUMNS, gridFromCsv, gridToCsv, type GridRow } from "./grid.ts";
import { sampleGrid } from "./gridSampler.ts";
import { runGeneration } from "./generateJob.ts";

export type SynthServiceDeps = {
  db: Db;
  runs: JobRuns;
  /** The Anthropic API key (safeStorage in the app, ANTHROPIC_API_KEY for `serve`); null when none is set. */
  apiKey: () => string | null;
  log?: (error: unknown) => void;
};

type Running = { view: SynthJobView; finished: Promise<void> };

export class SynthService {
  private running: Running | undefined;
  private last: SynthJobView | undefined;

  constructor(private readonly deps: SynthServiceDeps) {}

  /** A balanced grid from the default distributions, as CSV-shaped rows the editor shows. */
  sample(n: number, seed: number): { columns: string[]; rows: Record<string, string>[] } {
    return { columns: [...GRID_COLUMNS], rows: csvRows(gridToCsv(sampleGrid(n, undefined, seed))) };
  }

  async start(input: { rows: Record<string, string>[]; batch: boolean; budgetUsd?: number | undefined; retryFailed: boolean }): Promise<SynthJobView> {
    let rows: GridRow[];
    try {
      rows = gridFromCsv(rowsToCsv(input.rows));
    } catch (error) {
      throw new ApiFailure("invalid-input", (error as Error).message);
    }
    return this.generate(rows, input);
  }

  /** The job runtime's view of the studio's jobs: generation jobs resume here; QA runs from the CLI. */
  kind(): JobKind {
    return {
      name: "synth",
      inFlight: "the requests in flight",
      describe: (job, base) => {
        const params = synthJobParams(job);
        const view = this.running?.view.jobId === job.id ? this.running.view : undefined;
        return { ...base, model: params.model, engine: params.mode === "batch" ? "Message Batches" : "Messages", etaSeconds: view?.etaSeconds ?? null, message: base.message ?? view?.message ?? null };
      },
      errors: (job, limit) =>
        itemsOfJob(this.deps.db, job.id, "failed", limit).map((item) => ({
          key: item.item_key,
          letterId: null,
          source: job.kind === "synth:qa" ? `synthetic letter ${payloadOf<{ letterId: number }>(item).letterId}` : `grid row ${item.seq + 1}`,
          error: item.error ?? "failed",
          attempts: item.attempts,
        })),
      resume: (job) => this.resume(job),
    };
  }

  /** A generation job goes on from its own items (the grid it was started with, in order); its budget stays as stored. */
  private resume(job: JobRow): Promise<SynthJobView> {
    if (job.kind !== "synth:generate") throw new ApiFailure("conflict", `job ${job.id} is a QA job: resume it with \`oncotimeline synth qa\``);
    const rows = itemsOfJob(this.deps.db, job.id).map((item) => payloadOf<GridItem["payload"]>(item).row);
    return this.generate(rows, { batch: synthJobParams(job).mode === "batch", retryFailed: false });
  }

  private async generate(rows: GridRow[], input: { batch: boolean; budgetUsd?: number | undefined; retryFailed: boolean }): Promise<SynthJobView> {
    if (this.running) throw new ApiFailure("conflict", "a generation job is already running: stop it first");
    const apiKey = this.deps.apiKey();
    if (!apiKey) throw new ApiFailure("conflict", `no Anthropic API key: add it in Settings (or set ${SECRET_ENV["anthropic-api-key"]} for \`oncotimeline serve\`)`);
    const client = new AnthropicClient({ apiKey, model: DEFAULT_MODEL, prices: SONNET_PRICES_USD_PER_MTOK });
    const abort = new AbortController();
    const view: SynthJobView = { jobId: null, state: "running", total: rows.length, done: 0, failed: 0, costUsd: 0, budgetUsd: input.budgetUsd ?? null, etaSeconds: null, message: null };
    const started = new Promise<void>((resolve) => {
      const work = runGeneration({
        db: this.deps.db,
        client,
        rows,
        mode: input.batch ? "batch" : "messages",
        retryFailed: input.retryFailed,
        ...(input.budgetUsd === undefined ? {} : { budgetUsd: input.budgetUsd }),
        signal: abort.signal,
        onEvent: (event) => {
          if (event.type === "start") {
            Object.assign(view, { jobId: event.jobId, total: event.total, done: event.done, failed: event.failed, costUsd: event.costUsd, budgetUsd: event.budgetUsd });
            resolve();
          } else if (event.type === "item") {
            Object.assign(view, { done: event.done, failed: event.failed, costUsd: event.totalCostUsd, etaSeconds: event.etaSeconds });
          } else if (event.type === "budget-reached") {
            view.message = `budget reached: $${event.costUsd.toFixed(2)} of $${event.budgetUsd.toFixed(2)} spent; raise the budget to go on`;
          } else if (event.type === "api-error") {
            view.message = event.message;
          }
        },
      });
      const finished: Promise<void> = work
        .then((summary) => {
          const stopping = this.deps.runs.stopping(summary.jobId);
          Object.assign(view, { jobId: summary.jobId, state: stopping === "pause" ? "paused" : stopping === "cancel" ? "cancelled" : summary.state, done: summary.done, failed: summary.failed, costUsd: summary.costUsd, etaSeconds: null });
        })
        .catch((error: unknown) => {
          this.deps.log?.(error);
          Object.assign(view, { state: "failed", message: (error as Error).message, etaSeconds: null });
        })
        .finally(() => {
          resolve();
          this.last = { ...view };
          this.running = undefined;
        });
      this.running = { view, finished };
    });
    await started;
    // Tracked once its job is known, so a pause or cancel from the jobs list reaches it.
    const current = this.running as Running | undefined;
    if (view.jobId !== null && current?.view === view) void this.deps.runs.track(view.jobId, abort, current.finished);
    return { ...view };
  }

  /** Pauses the running generation job: requests in flight finish and commit; it resumes from the jobs list or by starting the same grid. */
  stop(): SynthJobView {
    const running = this.running;
    if (!running || running.view.jobId === null) throw new ApiFailure("conflict", "no generation job is running");
    this.deps.runs.stop(running.view.jobId, "pause");
    running.view.message = "pausing: requests in flight finish; resume the job or start the same grid again to go on";
    return { ...running.view };
  }

  async idle(): Promise<void> {
    await this.running?.finished;
  }

  status(): SynthStatusView {
    return { ...synthStatus(this.deps.db), current: this.running ? { ...this.running.view } : (this.last ?? null) };
  }

  letters(query: { offset: number; limit: number; status?: SynthLetter["status"] | undefined }): SynthLetterPage {
    const where = query.status ? "WHERE status = @status" : "";
    const params = { status: query.status, limit: query.limit, offset: query.offset };
    const total = (this.deps.db.prepare(`SELECT count(*) AS n FROM synth_letters ${where}`).get(params) as { n: number }).n;
    const ids = this.deps.db.prepare(`SELECT id FROM synth_letters ${where} ORDER BY id DESC LIMIT @limit OFFSET @offset`).all(params) as { id: number }[];
    return { total, rows: ids.map(({ id }) => this.letter(id)) };
  }

  letter(id: number): SynthLetter {
    const row = getSynthLetter(this.deps.db, id);
    if (!row) throw new ApiFailure("not-found", `no synthetic letter ${id}`);
    const qa = this.deps.db.prepare("SELECT pair FROM synth_qa WHERE letter_id = ? AND status = 'accepted' ORDER BY idx").all(id) as { pair: string }[];
    return {
      id: row.id,
      status: row.status,
      reasons: (JSON.parse(row.reasons) as { code: string; detail?: string }[]).map((reason) => (reason.detail ? `${reason.code}: ${reason.detail}` : reason.code)),
      content: row.content,
      gold: row.gold === null ? null : (JSON.parse(row.gold) as unknown),
      model: row.model,
      createdAt: row.created_at,
      qa: qa.map((item) => JSON.parse(item.pair) as unknown),
    };
  }

  /** A reviewer's verdict overrides the validator's; the reason is kept beside the validator's own. */
  decide(id: number, status: "accepted" | "rejected", user: string): SynthLetter {
    const row = getSynthLetter(this.deps.db, id);
    if (!row) throw new ApiFailure("not-found", `no synthetic letter ${id}`);
    if (status === "accepted" && (row.content === null || row.gold === null)) throw new ApiFailure("conflict", "this answer has no usable letter or gold to accept");
    const reasons = (JSON.parse(row.reasons) as { code: string; detail?: string }[]).filter((reason) => reason.code !== "reviewer");
    reasons.push({ code: "reviewer", detail: `${status} by ${user}` });
    this.deps.db.transaction(() => {
      this.deps.db.prepare("UPDATE synth_letters SET status = ?, reasons = ? WHERE id = ?").run(status, JSON.stringify(reasons), id);
      appendAudit(this.deps.db, { action: "synth-review", subject: `synthetic letter ${id}`, details: { status } });
    })();
    return this.letter(id);
  }
}

function csvRows(csv: string): Record<string, string>[] {
  return parse(csv, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
}

function rowsToCsv(rows: readonly Record<string, string>[]): string {
  return stringify(rows.map((row) => GRID_COLUMNS.map((column) => row[column] ?? "")), { header: true, columns: [...GRID_COLUMNS] });
}
