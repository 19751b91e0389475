import { z } from "zod";
import { endpoint, id } from "./endpoint.ts";

export type SynthJobView = {
  jobId: number | null;
  state: "running" | "paused" | "done" | "interrupted" | "budget-reached" | "cancelled" | "failed";
  total: number;
  done: number;
  failed: number;
  costUsd: number;
  budgetUsd: number | null;
  etaSeconds: number | null;
  message: string | null;
};
export type SynthStatusView = {
  jobs: { id: number; kind: string; state: string; model: string; budgetUsd: number | null; costUsd: number; items: Record<string, number>; error: string | null }[];
  letters: Record<"accepted" | "flagged" | "rejected", number>;
  reasons: Record<string, number>;
  qa: { accepted: number; rejected: number; byKind: Record<string, number>; rejectReasons: Record<string, number> };
  costUsd: number;
  /** The generation job running now, or the last one this session ran. */
  current: SynthJobView | null;
};
export type SynthLetter = {
  id: number;
  status: "accepted" | "flagged" | "rejected";
  reasons: string[];
  content: string | null;
  gold: unknown;
  model: string;
  createdAt: string;
  qa: unknown[];
};
export type SynthLetterPage = { total: number; rows: SynthLetter[] };

export const synthApi = {
  /** A balanced generation grid from the default distributions (the editor's starting point). */
  "synth.sampleGrid": endpoint<{ columns: string[]; rows: Record<string, string>[] }>()(
    z.strictObject({ n: z.number().int().min(1).max(5000), seed: z.number().int().min(0).default(1) }),
  ),
  /** Generates a letter + gold per grid row (resumable: the same grid again goes on where it stopped). */
  "synth.generate": endpoint<SynthJobView>()(
    z.strictObject({
      rows: z.array(z.record(z.string(), z.string().max(2000))).min(1).max(5000),
      batch: z.boolean().default(false),
      budgetUsd: z.number().positive().max(100_000).optional(),
      retryFailed: z.boolean().default(false),
    }),
  ),
  "synth.stop": endpoint<SynthJobView>()(z.strictObject({})),
  "synth.status": endpoint<SynthStatusView>()(z.strictObject({})),
  "synth.letters": endpoint<SynthLetterPage>()(
    z.strictObject({ offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(200).default(50), status: z.enum(["accepted", "flagged", "rejected"]).optional() }),
  ),
  "synth.decide": endpoint<SynthLetter>()(z.strictObject({ id, status: z.enum(["accepted", "rejected"]) })),
} as const;
