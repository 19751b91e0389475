import { create } from "zustand";
import type { ReviewEdit, ReviewView } from "../../src-shared/api.ts";
import { inverseEdit } from "../../src-shared/documentPath.ts";
import { call } from "../api.ts";
import { reportError } from "./toast.ts";

/** One step of the reviewer's history: what was sent, and the edit that takes it back. */
type Step = { edit: ReviewEdit; inverse: ReviewEdit };

type ReviewState = {
  view: ReviewView | null;
  loading: boolean;
  /** An edit is on its way to the main side. */
  saving: boolean;
  undoStack: Step[];
  redoStack: Step[];
  selected: string | null;
  load(letterId: number): Promise<void>;
  select(path: string | null): void;
  apply(edit: ReviewEdit): Promise<boolean>;
  undo(): Promise<void>;
  redo(): Promise<void>;
  setState(state: ReviewView["review"]): Promise<void>;
};

async function send(get: () => ReviewState, set: (patch: Partial<ReviewState>) => void, edit: ReviewEdit): Promise<boolean> {
  const extractionId = get().view?.extractionId;
  if (extractionId === null || extractionId === undefined) return false;
  set({ saving: true });
  try {
    set({ view: await call("review.edit", { extractionId, edit }) });
    return true;
  } catch (error) {
    reportError(error);
    return false;
  } finally {
    set({ saving: false });
  }
}

/**
 * Edits go one at a time, in the order they were made: an undo must not overtake the edit it
 * undoes, and each inverse is computed against the document as the previous edit left it.
 */
let queue: Promise<unknown> = Promise.resolve();
function enqueue<T>(work: () => Promise<T>): Promise<T> {
  const next = queue.then(work, work);
  queue = next.catch(() => undefined);
  return next;
}

export const useReview = create<ReviewState>((set, get) => ({
  view: null,
  loading: false,
  saving: false,
  undoStack: [],
  redoStack: [],
  selected: null,

  async load(letterId) {
    set({ loading: true });
    try {
      const view = await call("review.get", { letterId });
      // History is per letter: undoing on letter B must never change letter A.
      set({ view, undoStack: [], redoStack: [], selected: null });
    } catch (error) {
      reportError(error);
    } finally {
      set({ loading: false });
    }
  },

  select(path) {
    set({ selected: path });
  },

  apply(edit) {
    return enqueue(async () => {
      const view = get().view;
      if (!view?.document) return false;
      // Computed against the document the edit applies to, exactly as the main side applies it.
      const inverse = inverseEdit(view.document, edit);
      const ok = await send(get, set, edit);
      if (ok) set({ undoStack: [...get().undoStack, { edit, inverse }], redoStack: [] });
      return ok;
    });
  },

  undo() {
    return enqueue(async () => {
      const step = get().undoStack.at(-1);
      if (!step) return;
      if (await send(get, set, step.inverse)) set({ undoStack: get().undoStack.slice(0, -1), redoStack: [...get().redoStack, step] });
    });
  },

  redo() {
    return enqueue(async () => {
      const step = get().redoStack.at(-1);
      if (!step) return;
      if (await send(get, set, step.edit)) set({ redoStack: get().redoStack.slice(0, -1), undoStack: [...get().undoStack, step] });
    });
  },

  async setState(state) {
    const extractionId = get().view?.extractionId;
    if (extractionId === null || extractionId === undefined) return;
    try {
      set({ view: await call("review.setState", { extractionId, state }) });
    } catch (error) {
      reportError(error);
    }
  },
}));
