import { create } from "zustand";
import type { SecretName, SecretsStatus, SynthLetter, SynthStatusView } from "../../src-shared/api.ts";
import { call, errorMessage } from "../api.ts";
import { reportError, useToasts } from "./toast.ts";

export const LETTERS_PAGE_SIZE = 20;
export type LetterFilter = SynthLetter["status"] | "";

type SynthState = {
  /** The grid being edited: its columns (from synth.sampleGrid) and one record per row. */
  columns: string[];
  rows: Record<string, string>[];
  sampling: boolean;
  batch: boolean;
  /** As typed; blank means no budget. */
  budget: string;
  status: SynthStatusView | null;
  busy: boolean;
  filter: LetterFilter;
  offset: number;
  total: number;
  letters: SynthLetter[];
  selectedId: number | null;
  secrets: SecretsStatus | null;

  sample(n: number, seed: number): Promise<void>;
  setCell(row: number, column: string, value: string): void;
  addRow(): void;
  removeRow(row: number): void;
  setRun(patch: Partial<Pick<SynthState, "batch" | "budget">>): void;
  generate(): Promise<void>;
  stop(): Promise<void>;
  refresh(): Promise<void>;
  loadLetters(): Promise<void>;
  setFilter(filter: LetterFilter): void;
  setOffset(offset: number): void;
  select(id: number | null): void;
  decide(id: number, status: "accepted" | "rejected"): Promise<void>;
  loadSecrets(): Promise<void>;
  saveKey(name: SecretName, value: string): Promise<boolean>;
  removeKey(name: SecretName): Promise<void>;
};

const POLL_MS = 1000;
let timer: ReturnType<typeof setTimeout> | undefined;

/** Polls synth.status about once a second while a generation runs, and stops when it does not. */
function schedulePoll(get: () => SynthState): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
  if (get().status?.current?.state !== "running") return;
  timer = setTimeout(() => {
    timer = undefined;
    void get().refresh();
  }, POLL_MS);
}

/** A budget as typed: a positive number, or undefined for none; throws with a readable message. */
export function parseBudget(text: string): number | undefined {
  if (text.trim() === "") return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`The budget must be a positive number of US dollars (not "${text}").`);
  return value;
}

export const useSynth = create<SynthState>((set, get) => ({
  columns: [],
  rows: [],
  sampling: false,
  batch: false,
  budget: "5",
  status: null,
  busy: false,
  filter: "",
  offset: 0,
  total: 0,
  letters: [],
  selectedId: null,
  secrets: null,

  async sample(n, seed) {
    set({ sampling: true });
    try {
      const grid = await call("synth.sampleGrid", { n, seed });
      set({ columns: grid.columns, rows: grid.rows });
    } catch (error) {
      reportError(error);
    } finally {
      set({ sampling: false });
    }
  },

  setCell(row, column, value) {
    set({ rows: get().rows.map((record, i) => (i === row ? { ...record, [column]: value } : record)) });
  },

  addRow() {
    const { rows, columns } = get();
    // A copy of the last row is a better start than blanks, which the grid would refuse.
    const last = rows.at(-1);
    set({ rows: [...rows, last ? { ...last } : Object.fromEntries(columns.map((column) => [column, ""]))] });
  },

  removeRow(row) {
    set({ rows: get().rows.filter((_, i) => i !== row) });
  },

  setRun(patch) {
    set(patch);
  },

  async generate() {
    const { rows, batch, budget } = get();
    let budgetUsd: number | undefined;
    try {
      budgetUsd = parseBudget(budget);
    } catch (error) {
      reportError(error);
      return;
    }
    set({ busy: true });
    try {
      const view = await call("synth.generate", { rows, batch, ...(budgetUsd === undefined ? {} : { budgetUsd }) });
      const status = get().status;
      if (status) set({ status: { ...status, current: view } });
      await get().refresh();
    } catch (error) {
      useToasts.getState().show("error", `Generation not started: ${errorMessage(error)}`);
    } finally {
      set({ busy: false });
    }
  },

  async stop() {
    set({ busy: true });
    try {
      await call("synth.stop", {});
      await get().refresh();
    } catch (error) {
      reportError(error);
    } finally {
      set({ busy: false });
    }
  },

  async refresh() {
    const wasRunning = get().status?.current?.state === "running";
    try {
      const status = await call("synth.status", {});
      set({ status });
      // New letters arrive while it runs; the list follows at each poll and once at the end.
      if (wasRunning || status.current?.state === "running") await get().loadLetters();
    } catch (error) {
      reportError(error);
    }
    schedulePoll(get);
  },

  async loadLetters() {
    const { offset, filter } = get();
    try {
      const page = await call("synth.letters", { offset, limit: LETTERS_PAGE_SIZE, ...(filter ? { status: filter } : {}) });
      if (get().offset !== offset || get().filter !== filter) return;
      const selectedId = get().selectedId;
      set({ letters: page.rows, total: page.total, selectedId: page.rows.some((row) => row.id === selectedId) ? selectedId : (page.rows[0]?.id ?? null) });
    } catch (error) {
      reportError(error);
    }
  },

  setFilter(filter) {
    set({ filter, offset: 0 });
    void get().loadLetters();
  },

  setOffset(offset) {
    set({ offset: Math.max(0, offset) });
    void get().loadLetters();
  },

  select(id) {
    set({ selectedId: id });
  },

  async decide(id, status) {
    try {
      const letter = await call("synth.decide", { id, status });
      set({ letters: get().letters.map((row) => (row.id === id ? letter : row)) });
      useToasts.getState().show("info", `Letter ${id} ${status}.`);
      const counts = await call("synth.status", {});
      set({ status: counts });
    } catch (error) {
      reportError(error);
    }
  },

  async loadSecrets() {
    try {
      set({ secrets: await call("secrets.status", {}) });
    } catch (error) {
      reportError(error);
    }
  },

  async saveKey(name, value) {
    try {
      set({ secrets: await call("secrets.set", { name, value }) });
      useToasts.getState().show("info", "API key saved.");
      return true;
    } catch (error) {
      reportError(error);
      return false;
    }
  },

  async removeKey(name) {
    try {
      set({ secrets: await call("secrets.delete", { name }) });
      useToasts.getState().show("info", "API key removed.");
    } catch (error) {
      reportError(error);
    }
  },
}));
