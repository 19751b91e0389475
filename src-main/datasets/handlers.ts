import { ApiFailure, type DatasetSummary, type Handlers } from "../../src-shared/api.ts";
import type { datasetsApi } from "../../src-shared/api/datasets.ts";
import { requireModel } from "../models/requireModel.ts";
import type { ServiceContext } from "../serviceContext.ts";
import { DatasetError, listDatasets } from "./buildDataset.ts";
import { buildTrainingSet } from "./datasetCommand.ts";

/** The Datasets screen's calls: the sets built so far, and a new one built as `dataset build` builds it. */
export function datasetsHandlers(context: ServiceContext): Handlers<typeof datasetsApi> {
  const { db, dataDir } = context;
  return {
    "datasets.list": () => listDatasets(db).map((row): DatasetSummary => ({ name: row.name, origin: row.card.origin, folder: row.folder, card: row.card })),
    "datasets.build": async ({ baseModelId, ...request }) => {
      const base = requireModel(db, baseModelId);
      try {
        const { card, folder } = await buildTrainingSet(db, dataDir, { ...request, base });
        return { name: card.name, origin: card.origin, folder, card };
      } catch (error) {
        if (error instanceof DatasetError) throw new ApiFailure("invalid-input", error.message);
        throw error;
      }
    },
  };
}
