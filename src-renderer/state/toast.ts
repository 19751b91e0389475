import { create } from "zustand";

export type Toast = { id: number; kind: "info" | "error"; text: string };

type ToastState = {
  toasts: Toast[];
  show(kind: Toast["kind"], text: string): void;
  dismiss(id: number): void;
};

let nextId = 1;

/** Messages for the status area (an aria-live region, so screen readers announce them). */
export const useToasts = create<ToastState>((set, get) => ({
  toasts: [],
  show(kind, text) {
    const id = nextId++;
    // Keep the last few only: a burst of errors must not push the page off the screen.
    set({ toasts: [...get().toasts.slice(-3), { id, kind, text }] });
    // Errors stay until dismissed: a reviewer must not miss that an edit was not saved.
    if (kind === "info") setTimeout(() => get().dismiss(id), 5000);
  },
  dismiss(id) {
    set({ toasts: get().toasts.filter((toast) => toast.id !== id) });
  },
}));

export function reportError(error: unknown): void {
  useToasts.getState().show("error", error instanceof Error ? error.message : String(error));
}
