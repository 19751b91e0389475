import { create } from "zustand";
import type { DemoSetup, ImportReport, LetterStatus, LetterSummary } from "../../src-shared/api.ts";
import { call } from "../api.ts";
import { useModels } from "./models.ts";
import { reportError } from "./toast.ts";

export const PAGE_SIZE = 200;

export type LetterFilters = { search: string; patient: string; status: LetterStatus | ""; modelId: number | null };

type LettersState = {
  filters: LetterFilters;
  total: number | null;
  /** Rows by position, fetched a page at a time as the list scrolls to them. */
  rows: Map<number, LetterSummary>;
  /** Bumped on every reset so answers to a superseded query are dropped. */
  generation: number;
  importing: boolean;
  lastImport: ImportReport | null;
  /** The first-run panel's "Try it with the demo letters and the test model": working, and what it did. */
  tryingDemo: boolean;
  demo: DemoSetup | null;
  setFilters(patch: Partial<LetterFilters>): void;
  reload(): Promise<void>;
  ensureRange(from: number, to: number): void;
  upload(files: File[]): Promise<void>;
  importPaths(paths: string[]): Promise<void>;
  tryDemo(): Promise<boolean>;
  dismissDemo(): void;
};

const loading = new Set<string>();

export function listInput(filters: LetterFilters, offset: number, limit: number) {
  return {
    offset,
    limit,
    ...(filters.search.trim() ? { search: filters.search.trim() } : {}),
    ...(filters.patient.trim() ? { patient: filters.patient.trim() } : {}),
    ...(filters.status ? { status: filters.status } : {}),
    ...(filters.modelId !== null ? { modelId: filters.modelId } : {}),
  };
}

/** Uploads go in batches: one request per file would be slow, one for thousands too large. */
const UPLOAD_BATCH_BYTES = 20 * 1024 * 1024;

async function toBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  // Chunks: String.fromCharCode(...bytes) overflows the call stack on a large file.
  for (let at = 0; at < bytes.length; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return btoa(binary);
}

function mergeReports(reports: ImportReport[]): ImportReport {
  return {
    imported: reports.reduce((n, r) => n + r.imported, 0),
    duplicates: reports.reduce((n, r) => n + r.duplicates, 0),
    problems: reports.reduce((n, r) => n + r.problems, 0),
    files: reports.flatMap((r) => r.files),
  };
}

export const useLetters = create<LettersState>((set, get) => ({
  filters: { search: "", patient: "", status: "", modelId: null },
  total: null,
  rows: new Map(),
  generation: 0,
  importing: false,
  lastImport: null,
  tryingDemo: false,
  demo: null,

  setFilters(patch) {
    set({ filters: { ...get().filters, ...patch } });
    void get().reload();
  },

  async reload() {
    const generation = get().generation + 1;
    loading.clear();
    set({ generation, rows: new Map(), total: null });
    try {
      const page = await call("letters.list", listInput(get().filters, 0, PAGE_SIZE));
      if (get().generation !== generation) return;
      const rows = new Map<number, LetterSummary>();
      page.rows.forEach((row, i) => rows.set(i, row));
      set({ total: page.total, rows });
    } catch (error) {
      reportError(error);
    }
  },

  ensureRange(from, to) {
    const { generation, rows, filters } = get();
    for (let page = Math.floor(from / PAGE_SIZE); page * PAGE_SIZE <= to; page++) {
      const offset = page * PAGE_SIZE;
      const key = `${generation}:${page}`;
      if (rows.has(offset) || loading.has(key)) continue;
      loading.add(key);
      call("letters.list", listInput(filters, offset, PAGE_SIZE))
        .then((answer) => {
          if (get().generation !== generation) return;
          const next = new Map(get().rows);
          answer.rows.forEach((row, i) => next.set(offset + i, row));
          set({ rows: next, total: answer.total });
        })
        .catch(reportError)
        .finally(() => loading.delete(key));
    }
  },

  async upload(files) {
    if (files.length === 0) return;
    set({ importing: true });
    try {
      const reports: ImportReport[] = [];
      let batch: { name: string; base64: string }[] = [];
      let bytes = 0;
      const flush = async () => {
        if (batch.length === 0) return;
        reports.push(await call("letters.upload", { files: batch }));
        batch = [];
        bytes = 0;
      };
      for (const file of files) {
        if (batch.length >= 500 || bytes + file.size > UPLOAD_BATCH_BYTES) await flush();
        batch.push({ name: file.name, base64: await toBase64(file) });
        bytes += file.size;
      }
      await flush();
      set({ lastImport: mergeReports(reports) });
      await get().reload();
    } catch (error) {
      reportError(error);
    } finally {
      set({ importing: false });
    }
  },

  async importPaths(paths) {
    if (paths.length === 0) return;
    set({ importing: true });
    try {
      set({ lastImport: await call("letters.import", { paths }) });
      await get().reload();
    } catch (error) {
      reportError(error);
    } finally {
      set({ importing: false });
    }
  },

  async tryDemo() {
    set({ tryingDemo: true });
    try {
      set({ demo: await call("app.tryDemo", {}) });
      return true;
    } catch (error) {
      reportError(error);
      return false;
    } finally {
      // Even a failure may have imported the letters (the test model comes second).
      await Promise.all([get().reload(), useModels.getState().load()]);
      set({ tryingDemo: false });
    }
  },

  dismissDemo() {
    set({ demo: null });
  },
}));
