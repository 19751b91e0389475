import { create } from "zustand";
import type { ApiInput, DatasetSummary } from "../../src-shared/api.ts";
import { call, errorMessage } from "../api.ts";
import { reportError } from "./toast.ts";

export type BuildRequest = ApiInput<"datasets.build">;

type DatasetsState = {
  sets: DatasetSummary[];
  loaded: boolean;
  /** The set whose card is shown. */
  selected: string | null;
  /** The name of the set being built, while datasets.build runs. */
  building: string | null;
  /** The last build's refusal or failure, in the main side's words. */
  buildError: string | null;
  /** What the last build did, for the status line. */
  buildResult: string | null;
  load(): Promise<void>;
  select(name: string | null): void;
  build(request: BuildRequest): Promise<boolean>;
};

export function describeBuild(set: DatasetSummary): string {
  const { counts } = set.card;
  const left = counts.excluded === 0 ? "none left out" : `${counts.excluded} left out (listed under Excluded rows)`;
  return `Built “${set.name}”: ${counts.train} train and ${counts.test} test rows, ${left}.`;
}

export const useDatasets = create<DatasetsState>((set, get) => ({
  sets: [],
  loaded: false,
  selected: null,
  building: null,
  buildError: null,
  buildResult: null,

  async load() {
    try {
      const sets = await call("datasets.list", {});
      const selected = get().selected;
      set({ sets, loaded: true, selected: selected !== null && sets.some((one) => one.name === selected) ? selected : (sets.at(-1)?.name ?? null) });
    } catch (error) {
      reportError(error);
    }
  },

  select(name) {
    set({ selected: name });
  },

  async build(request) {
    set({ building: request.name, buildError: null, buildResult: null });
    try {
      const built = await call("datasets.build", request);
      set({ sets: [...get().sets.filter((one) => one.name !== built.name), built], selected: built.name, buildResult: describeBuild(built) });
      return true;
    } catch (error) {
      set({ buildError: errorMessage(error) });
      return false;
    } finally {
      set({ building: null });
    }
  },
}));
