import { create } from "zustand";

// The screens themselves (ids, titles, order) are listed once, in src-renderer/screens.ts.
import type { Page } from "../screens.ts";

export type { Page };

type NavState = {
  page: Page;
  /** The letter open in Review, and its position in the Letters list (for "next letter"). */
  reviewLetterId: number | null;
  reviewPosition: number | null;
  patient: string | null;
  go(page: Page): void;
  openReview(letterId: number, position: number | null): void;
  openPatient(patient: string): void;
};

/** Navigation is plain state: eight screens need no router, and no URL leaks letter ids. */
export const useNav = create<NavState>((set) => ({
  page: "letters",
  reviewLetterId: null,
  reviewPosition: null,
  patient: null,
  go: (page) => set({ page }),
  openReview: (letterId, position) => set({ page: "review", reviewLetterId: letterId, reviewPosition: position }),
  openPatient: (patient) => set({ page: "patient", patient }),
}));
